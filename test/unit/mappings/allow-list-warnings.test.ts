/**
 * The allow lists at the API (src/mappings/allowed-resources.ts: the refusals' words) and
 * at start-up (src/mappings/allow-list-warnings.ts: who is warned about what).
 */
import { describe, expect, it } from 'vitest';
import { AllowedResources } from '../../../src/mappings/allowed-resources.js';
import { warnAboutMappingsOutsideAllowLists, warnAboutOpenAllowLists } from '../../../src/mappings/allow-list-warnings.js';
import { LambdaApiError } from '../../../src/mappings/errors.js';
import type { StoredMapping } from '../../../src/mappings/model.js';
import { captureLogs as capture } from '../log-capture.js';
import { storedMapping } from '../stored-mapping.js';

const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders';
const OTHER_QUEUE = 'arn:aws:sqs:us-east-1:123456789012:other';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:dlq';

function refusalOf(run: () => void): { type: string; message: string } | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LambdaApiError);
    return { type: (error as LambdaApiError).type, message: (error as LambdaApiError).message };
  }
  return undefined;
}

describe('AllowedResources refusals', () => {
  const allowed = new AllowedResources({ sources: { allow: [QUEUE] }, destinations: { allow: [DLQ] } });

  it('a source outside sources.allow, in words naming the member, ARN and setting', () => {
    expect(refusalOf(() => allowed.checkSource(QUEUE))).toBeUndefined();
    expect(refusalOf(() => allowed.checkSource(OTHER_QUEUE))).toEqual({
      type: 'InvalidParameterValueException',
      message: `EventSourceArn ${OTHER_QUEUE} is not allowed by this Sluice's sources.allow setting.`,
    });
  });

  it('a destination outside destinations.allow; none at all is fine', () => {
    expect(refusalOf(() => allowed.checkDestination(DLQ))).toBeUndefined();
    expect(refusalOf(() => allowed.checkDestination(undefined))).toBeUndefined();
    expect(refusalOf(() => allowed.checkDestination(''))).toBeUndefined();
    expect(refusalOf(() => allowed.checkDestination(OTHER_QUEUE))).toEqual({
      type: 'InvalidParameterValueException',
      message: `DestinationConfig.OnFailure.Destination ${OTHER_QUEUE} is not allowed by this Sluice's destinations.allow setting.`,
    });
  });
});

describe('warnAboutOpenAllowLists', () => {
  it('warns, beyond loopback only, naming each unset list', () => {
    const open = new AllowedResources({ sources: {}, destinations: {} });
    const quiet = capture();
    warnAboutOpenAllowLists(open, '127.0.0.1', false, quiet.logger);
    expect(quiet.lines).toEqual([]);

    const loud = capture();
    warnAboutOpenAllowLists(open, '0.0.0.0', true, loud.logger);
    expect(loud.lines).toHaveLength(1);
    expect(loud.lines[0]).toMatchObject({
      level: 40,
      settings: ['sources.allow', 'destinations.allow'],
      apiHost: '0.0.0.0',
      msg: "sources.allow and destinations.allow unset while the API listens on 0.0.0.0: callers may point mappings at any source or destination Sluice's AWS credentials reach",
    });
  });

  it('names only the list left unset; says nothing when both are set', () => {
    const half = capture();
    warnAboutOpenAllowLists(new AllowedResources({ sources: { allow: [QUEUE] }, destinations: {} }), '10.0.0.1', true, half.logger);
    expect(half.lines.map((l) => [l.settings, l.msg])).toEqual([
      [['destinations.allow'], "destinations.allow unset while the API listens on 10.0.0.1: callers may point mappings at any source or destination Sluice's AWS credentials reach"],
    ]);
    const closed = capture();
    warnAboutOpenAllowLists(new AllowedResources({ sources: { allow: [] }, destinations: { allow: [] } }), '10.0.0.1', true, closed.logger);
    expect(closed.lines).toEqual([]);
  });
});

describe('warnAboutMappingsOutsideAllowLists', () => {
  const mapping = (uuid: string, EventSourceArn: string, destination?: string): StoredMapping =>
    storedMapping(uuid, {
      EventSourceArn,
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      settings: destination === undefined ? {} : { DestinationConfig: { OnFailure: { Destination: destination } } },
    });


  it('one warning per mapping outside a list, naming it, its ARNs and the settings', () => {
    const { logger, lines } = capture();
    const allowed = new AllowedResources({ sources: { allow: [QUEUE] }, destinations: { allow: [DLQ] } });
    warnAboutMappingsOutsideAllowLists(allowed, [mapping('m1', QUEUE, DLQ), mapping('m2', OTHER_QUEUE), mapping('m3', OTHER_QUEUE, OTHER_QUEUE), mapping('m4', QUEUE, OTHER_QUEUE)], logger);
    expect(lines.map(({ level, msg, mappingId, eventSourceArn, destination, settings, function: fn }) => ({ level, msg, mappingId, eventSourceArn, destination, settings, fn }))).toEqual([
      {
        level: 40,
        msg: 'mapping m2 uses what sources.allow does not allow; it keeps running until deleted or repointed',
        mappingId: 'm2',
        eventSourceArn: OTHER_QUEUE,
        destination: undefined,
        settings: ['sources.allow'],
        fn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      },
      {
        level: 40,
        msg: 'mapping m3 uses what sources.allow and destinations.allow does not allow; it keeps running until deleted or repointed',
        mappingId: 'm3',
        eventSourceArn: OTHER_QUEUE,
        destination: OTHER_QUEUE,
        settings: ['sources.allow', 'destinations.allow'],
        fn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      },
      {
        level: 40,
        msg: 'mapping m4 uses what destinations.allow does not allow; it keeps running until deleted or repointed',
        mappingId: 'm4',
        eventSourceArn: QUEUE,
        destination: OTHER_QUEUE,
        settings: ['destinations.allow'],
        fn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      },
    ]);
  });

  it('with neither list set, nothing is outside', () => {
    const { logger, lines } = capture();
    warnAboutMappingsOutsideAllowLists(new AllowedResources({ sources: {}, destinations: {} }), [mapping('m1', OTHER_QUEUE, OTHER_QUEUE)], logger);
    expect(lines).toEqual([]);
  });

  it('only a destination list set: a mapping is judged by its destination', () => {
    const { logger, lines } = capture();
    warnAboutMappingsOutsideAllowLists(new AllowedResources({ sources: {}, destinations: { allow: [DLQ] } }), [mapping('m1', OTHER_QUEUE, OTHER_QUEUE)], logger);
    expect(lines.map((l) => l.settings)).toEqual([['destinations.allow']]);
  });
});
