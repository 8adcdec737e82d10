/**
 * Phase B (api.md §9, V2, V3): bodies that are not JSON objects, members of the wrong type,
 * nulls as absent, `__proto__` ignored, the nesting limit, and the exact messages.
 */
import { describe, expect, it } from 'vitest';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import { MAX_NESTING_DEPTH, parseJsonObject, parseMappingBody, parseMappingUpdateBody, parseTagBody } from '../../../src/mappings/request-body.js';

function refusal(run: () => unknown): { type: string; status: number; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LambdaApiError);
    const { type, status, message } = error as LambdaApiError;
    return { type, status, message };
  }
  throw new Error('expected the body to be refused');
}
const v2 = (detail: string) => ({ type: 'InvalidRequestContentException', status: 400, message: `Could not parse request body into json: ${detail}` });

describe('parseJsonObject (V2)', () => {
  it('text that is not JSON carries the parser detail', () => {
    const parserDetail = (() => {
      try {
        JSON.parse('{"a":');
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(refusal(() => parseJsonObject('{"a":'))).toEqual(v2(parserDetail));
  });

  it.each([
    ['[]', 'expected a JSON object, got an array'],
    ['null', 'expected a JSON object, got null'],
    ['"text"', 'expected a JSON object, got string'],
    ['12', 'expected a JSON object, got number'],
    ['true', 'expected a JSON object, got boolean'],
  ])('%s is refused: %s', (text, detail) => {
    expect(refusal(() => parseJsonObject(text))).toEqual(v2(detail));
  });

  it('drops members sent as null at every level, keeps null array items and falsy values', () => {
    expect(parseJsonObject('{"a":null,"b":{"c":null,"d":0},"e":[null,1,{"f":null,"g":""}],"h":false}')).toEqual({
      b: { d: 0 },
      e: [null, 1, { g: '' }],
      h: false,
    });
  });

  it('ignores __proto__ members, so nothing hides behind a prototype', () => {
    const body = parseJsonObject('{"__proto__":{"BatchSize":0},"x":{"__proto__":{"y":1}}}');
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect((body as { BatchSize?: unknown }).BatchSize).toBeUndefined();
    expect(body).toEqual({ x: {} });
    expect(Object.getPrototypeOf(body.x)).toBe(Object.prototype);
  });

  it(`accepts nesting up to ${MAX_NESTING_DEPTH} levels and refuses one more`, () => {
    // The body object is level 1; `{"a":[[...]]}` with n arrays is n + 1 levels deep.
    const levels = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(() => parseJsonObject(levels(MAX_NESTING_DEPTH))).not.toThrow();
    expect(refusal(() => parseJsonObject(levels(MAX_NESTING_DEPTH + 1)))).toEqual(v2(`nesting depth exceeds the maximum of ${MAX_NESTING_DEPTH}`));
    expect(MAX_NESTING_DEPTH).toBe(1000);
  });
});

describe('parseMappingBody (V3)', () => {
  it('returns the members with their types, unknown members kept', () => {
    expect(
      parseMappingBody(
        '{"FunctionName":"f","BatchSize":10,"Enabled":true,"StartingPositionTimestamp":1.5,"FunctionResponseTypes":["ReportBatchItemFailures"],"FilterCriteria":{"Filters":[{}]},"Tags":{"a":"b"},"Topics":[1],"Other":1}',
      ),
    ).toEqual({
      FunctionName: 'f',
      BatchSize: 10,
      Enabled: true,
      StartingPositionTimestamp: 1.5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{}] },
      Tags: { a: 'b' },
      Topics: [1],
      Other: 1,
    });
  });

  it.each([
    ['{"BatchSize":"10"}', 'BatchSize'],
    ['{"BatchSize":1.5}', 'BatchSize'],
    ['{"Enabled":"yes"}', 'Enabled'],
    ['{"FunctionName":5}', 'FunctionName'],
    ['{"FilterCriteria":[]}', 'FilterCriteria'],
    ['{"FilterCriteria":{"Filters":[{"Pattern":{}}]}}', 'FilterCriteria.Filters[0].Pattern'],
    ['{"FilterCriteria":{"Filters":[{"Pattern":"{}"},{"Pattern":1}]}}', 'FilterCriteria.Filters[1].Pattern'],
    ['{"FunctionResponseTypes":[null]}', 'FunctionResponseTypes[0]'],
    ['{"DestinationConfig":{"OnFailure":{"Destination":1}}}', 'DestinationConfig.OnFailure.Destination'],
    ['{"ScalingConfig":{"MaximumConcurrency":"2"}}', 'ScalingConfig.MaximumConcurrency'],
    ['{"Tags":{"a":1}}', 'Tags.a'],
    ['{"MetricsConfig":{"Metrics":"EventCount"}}', 'MetricsConfig.Metrics'],
  ])('%s: "%s has the wrong type"', (text, member) => {
    expect(refusal(() => parseMappingBody(text))).toEqual(v2(`${member} has the wrong type`));
  });

  it('a member sent as null counts as absent', () => {
    expect(parseMappingBody('{"BatchSize":null,"FunctionName":"f"}')).toEqual({ FunctionName: 'f' });
  });
});

describe('parseMappingUpdateBody', () => {
  it('drops the create-only members whatever they hold', () => {
    expect(parseMappingUpdateBody('{"EventSourceArn":5,"StartingPosition":[],"StartingPositionTimestamp":"x","Tags":1,"BatchSize":5}')).toEqual({ BatchSize: 5 });
  });

  it('still checks the other members', () => {
    expect(refusal(() => parseMappingUpdateBody('{"BatchSize":"5"}'))).toEqual(v2('BatchSize has the wrong type'));
  });
});

describe('parseTagBody', () => {
  it('reads Tags, and refuses a non-string value naming it', () => {
    expect(parseTagBody('{"Tags":{"team":"a"}}')).toEqual({ Tags: { team: 'a' } });
    expect(parseTagBody('{}')).toEqual({});
    expect(refusal(() => parseTagBody('{"Tags":{"team":true}}'))).toEqual(v2('Tags.team has the wrong type'));
    expect(refusal(() => parseTagBody('[]'))).toEqual(v2('expected a JSON object, got an array'));
  });
});
