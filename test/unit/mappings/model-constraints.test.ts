/**
 * Phase C (api.md §9, V4–V16): each model constraint's exact item, its boundary (± 1), and
 * that all items of one body are reported together in the field order of §3.
 */
import { describe, expect, it } from 'vitest';
import {
  constraintItem,
  formatValue,
  maxItemsConstraintItems,
  modelConstraintItems,
  tagConstraintItems,
} from '../../../src/mappings/model-constraints.js';
import type { MappingSettings } from '../../../src/mappings/model.js';

const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders';
const valid: MappingSettings = { FunctionName: 'handler', EventSourceArn: QUEUE };
const itemsFor = (extra: MappingSettings, requireFunctionName = true): string[] =>
  modelConstraintItems({ ...valid, ...extra }, requireFunctionName);

const FUNCTION_PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`;
const ARN_PATTERN = String.raw`arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;
const DESTINATION_PATTERN = String.raw`^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;
const KMS_PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()`;
const TAG_PATTERN = String.raw`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`;

describe('formatValue / constraintItem: values printed as Lambda (Java) prints them', () => {
  it('prints lists as [a, b], maps as {k=v}, nested, and scalars as strings', () => {
    expect(formatValue(['a', 'b'])).toBe('[a, b]');
    expect(formatValue([])).toBe('[]');
    expect(formatValue({ k: 'v', n: 1 })).toBe('{k=v, n=1}');
    expect(formatValue({ list: ['x', { y: true }] })).toBe('{list=[x, {y=true}]}');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(7)).toBe('7');
  });

  it('quotes the value, and prints a missing one as a bare null', () => {
    expect(constraintItem(0, 'batchSize', 'C')).toBe("Value '0' at 'batchSize' failed to satisfy constraint: C");
    expect(constraintItem(undefined, 'functionName', 'C')).toBe("Value null at 'functionName' failed to satisfy constraint: C");
    expect(constraintItem(null, 'functionName', 'C')).toBe("Value null at 'functionName' failed to satisfy constraint: C");
    expect(constraintItem(['A'], 'p', 'C')).toBe("Value '[A]' at 'p' failed to satisfy constraint: C");
  });
});

describe('modelConstraintItems', () => {
  it('finds nothing in a valid body with every member at a legal value', () => {
    expect(
      itemsFor({
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 0,
        StartingPosition: 'TRIM_HORIZON',
        ParallelizationFactor: 10,
        MaximumRetryAttempts: -1,
        MaximumRecordAgeInSeconds: -1,
        TumblingWindowInSeconds: 900,
        DestinationConfig: { OnFailure: { Destination: '' } },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: 'x'.repeat(4096) }] },
        ScalingConfig: { MaximumConcurrency: 2 },
        ProvisionedPollerConfig: { MinimumPollers: 200, MaximumPollers: 10000 },
        KMSKeyArn: '',
        MetricsConfig: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
        Tags: { team: 'a b_c.d:/=+-@', empty: '' },
      }),
    ).toEqual([]);
  });

  describe('FunctionName (V4–V6)', () => {
    it('V4: missing on Create is "must not be null"; missing on Update is fine', () => {
      expect(modelConstraintItems({ EventSourceArn: QUEUE }, true)).toEqual([
        "Value null at 'functionName' failed to satisfy constraint: Member must not be null",
      ]);
      expect(modelConstraintItems({ EventSourceArn: QUEUE }, false)).toEqual([]);
    });

    it('V5: 256 characters pass, 257 fail with the length item (and the pattern is still checked)', () => {
      expect(itemsFor({ FunctionName: 'f'.repeat(256) })).toEqual([]);
      const long = 'f'.repeat(257);
      expect(itemsFor({ FunctionName: long })).toEqual([
        `Value '${long}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256`,
      ]);
    });

    it('an empty name fails the minimum length only, not the pattern', () => {
      expect(itemsFor({ FunctionName: '' })).toEqual([
        "Value '' at 'functionName' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ]);
    });

    it('V6: a name outside the pattern quotes the pattern', () => {
      expect(itemsFor({ FunctionName: 'bad name!' })).toEqual([
        `Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FUNCTION_PATTERN}`,
      ]);
    });
  });

  describe('EventSourceArn (V7)', () => {
    it.each(['not-an-arn', 'arn:aws:sqs:us-east-1:12345678901:q', 'arn:gcp:sqs:us-east-1:123456789012:q', 'arn:aws::us-east-1:123456789012:q', 'xarn:aws:sqs:us-east-1:123456789012:q'])(
      '%s fails with AWS pattern quoted',
      (arn) => {
        expect(itemsFor({ EventSourceArn: arn })).toEqual([
          `Value '${arn}' at 'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ARN_PATTERN}`,
        ]);
      },
    );

    it('accepts an emulator region token (ddblocal) and no ARN at all', () => {
      expect(itemsFor({ EventSourceArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x' })).toEqual([]);
      expect(modelConstraintItems({ FunctionName: 'f' }, true)).toEqual([]);
    });
  });

  describe('V9: every integer member at its bounds and one beyond', () => {
    const ranges: [keyof MappingSettings, string, number, number][] = [
      ['BatchSize', 'batchSize', 1, 10000],
      ['MaximumBatchingWindowInSeconds', 'maximumBatchingWindowInSeconds', 0, 300],
      ['ParallelizationFactor', 'parallelizationFactor', 1, 10],
      ['MaximumRetryAttempts', 'maximumRetryAttempts', -1, 10000],
      ['MaximumRecordAgeInSeconds', 'maximumRecordAgeInSeconds', -1, 604800],
      ['TumblingWindowInSeconds', 'tumblingWindowInSeconds', 0, 900],
    ];
    it.each(ranges)('%s (%s) accepts %i..%i and rejects one beyond each end', (member, path, min, max) => {
      expect(itemsFor({ [member]: min })).toEqual([]);
      expect(itemsFor({ [member]: max })).toEqual([]);
      expect(itemsFor({ [member]: min - 1 })).toEqual([
        `Value '${min - 1}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
      ]);
      expect(itemsFor({ [member]: max + 1 })).toEqual([
        `Value '${max + 1}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
      ]);
    });

    it('scalingConfig.maximumConcurrency is 2..1000', () => {
      expect(itemsFor({ ScalingConfig: { MaximumConcurrency: 1000 } })).toEqual([]);
      expect(itemsFor({ ScalingConfig: { MaximumConcurrency: 1 } })).toEqual([
        "Value '1' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 2",
      ]);
      expect(itemsFor({ ScalingConfig: { MaximumConcurrency: 1001 } })).toEqual([
        "Value '1001' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value less than or equal to 1000",
      ]);
      expect(itemsFor({ ScalingConfig: {} })).toEqual([]);
    });

    it('provisionedPollerConfig: minimumPollers 1..200, maximumPollers 1..10000', () => {
      expect(itemsFor({ ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 1 } })).toEqual([]);
      expect(itemsFor({ ProvisionedPollerConfig: { MinimumPollers: 0, MaximumPollers: 10001 } })).toEqual([
        "Value '0' at 'provisionedPollerConfig.minimumPollers' failed to satisfy constraint: Member must have value greater than or equal to 1",
        "Value '10001' at 'provisionedPollerConfig.maximumPollers' failed to satisfy constraint: Member must have value less than or equal to 10000",
      ]);
      expect(itemsFor({ ProvisionedPollerConfig: { MinimumPollers: 201, MaximumPollers: 0 } })).toEqual([
        "Value '201' at 'provisionedPollerConfig.minimumPollers' failed to satisfy constraint: Member must have value less than or equal to 200",
        "Value '0' at 'provisionedPollerConfig.maximumPollers' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ]);
    });
  });

  it('V8: a StartingPosition outside the three values quotes the enum set', () => {
    for (const position of ['LATEST', 'AT_TIMESTAMP', 'TRIM_HORIZON']) expect(itemsFor({ StartingPosition: position })).toEqual([]);
    expect(itemsFor({ StartingPosition: 'latest' })).toEqual([
      "Value 'latest' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
    ]);
  });

  describe('V12: destinations', () => {
    it('accepts an ARN of 350 characters, rejects 351 with the length item only', () => {
      const prefix = 'arn:aws:sqs:us-east-1:123456789012:';
      const at350 = prefix + 'q'.repeat(350 - prefix.length);
      expect(itemsFor({ DestinationConfig: { OnFailure: { Destination: at350 } } })).toEqual([]);
      const at351 = at350 + 'q';
      expect(itemsFor({ DestinationConfig: { OnFailure: { Destination: at351 } } })).toEqual([
        `Value '${at351}' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must have length less than or equal to 350`,
      ]);
    });

    it('rejects a non-ARN on failure and on success, each at its own path', () => {
      expect(itemsFor({ DestinationConfig: { OnSuccess: { Destination: 'queue' }, OnFailure: { Destination: 'arn:aws:sqs' } } })).toEqual([
        `Value 'queue' at 'destinationConfig.onSuccess.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ${DESTINATION_PATTERN}`,
        `Value 'arn:aws:sqs' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ${DESTINATION_PATTERN}`,
      ]);
    });

    it('the whole value must match (anchored), and an iso region passes', () => {
      expect(itemsFor({ DestinationConfig: { OnFailure: { Destination: ' arn:aws:sqs:us-east-1:123456789012:q' } } })).toHaveLength(1);
      expect(itemsFor({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-iso-east-1:123456789012:q' } } })).toEqual([]);
      expect(itemsFor({ DestinationConfig: { OnFailure: {} } })).toEqual([]);
    });
  });

  describe('V10 / V11: enum lists', () => {
    it('FunctionResponseTypes: more than one item is a length item; an unknown value an enum item', () => {
      expect(itemsFor({ FunctionResponseTypes: [] })).toEqual([]);
      expect(itemsFor({ FunctionResponseTypes: ['ReportBatchItemFailures', 'ReportBatchItemFailures'] })).toEqual([
        "Value '[ReportBatchItemFailures, ReportBatchItemFailures]' at 'functionResponseTypes' failed to satisfy constraint: Member must have length less than or equal to 1",
      ]);
      expect(itemsFor({ FunctionResponseTypes: ['Other'] })).toEqual([
        "Value '[Other]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]",
      ]);
    });

    it('MetricsConfig.Metrics: 3 items pass, 4 fail on length, an unknown value on the enum', () => {
      expect(itemsFor({ MetricsConfig: { Metrics: ['EventCount', 'EventCount', 'ErrorCount', 'KafkaMetrics'] } })).toEqual([
        "Value '[EventCount, EventCount, ErrorCount, KafkaMetrics]' at 'metricsConfig.metrics' failed to satisfy constraint: Member must have length less than or equal to 3",
      ]);
      expect(itemsFor({ MetricsConfig: { Metrics: ['EventCount', 'Bogus'] } })).toEqual([
        "Value '[EventCount, Bogus]' at 'metricsConfig.metrics' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [EventCount, ErrorCount, KafkaMetrics]]",
      ]);
      expect(itemsFor({ MetricsConfig: {} })).toEqual([]);
    });
  });

  it('V13: a filter pattern of 4097 characters, numbered from 1 in the path', () => {
    const long = 'p'.repeat(4097);
    expect(itemsFor({ FilterCriteria: { Filters: [{ Pattern: '{}' }, { Pattern: long }, {}] } })).toEqual([
      `Value '${long}' at 'filterCriteria.filters.2.member.pattern' failed to satisfy constraint: Member must have length less than or equal to 4096`,
    ]);
  });

  it('V15: a KMS key that is not an ARN quotes the pattern; an ARN and "" pass', () => {
    expect(itemsFor({ KMSKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc' })).toEqual([]);
    expect(itemsFor({ KMSKeyArn: 'key/abc' })).toEqual([
      `Value 'key/abc' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${KMS_PATTERN}`,
    ]);
    expect(itemsFor({ KMSKeyArn: 'xarn:aws:kms:us-east-1:1:key' })).toHaveLength(1);
  });

  it('reports every violation of one body together, in the field order of §3', () => {
    expect(
      modelConstraintItems(
        { EventSourceArn: 'bad', BatchSize: 0, StartingPosition: 'X', KMSKeyArn: 'k', Tags: { '': 'v' } },
        true,
      ).map((item) => /at '([^']+)'/.exec(item)?.[1]),
    ).toEqual(['functionName', 'eventSourceArn', 'batchSize', 'startingPosition', 'kMSKeyArn', 'tags']);
  });
});

describe('tagConstraintItems (V14)', () => {
  const keyItem = (tags: string) =>
    `Value '${tags}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${TAG_PATTERN}]`;
  const valueItem = (tags: string) =>
    `Value '${tags}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: ${TAG_PATTERN}]`;

  it('no tags, and tags at the limits (key 128, value 256, unicode letters), give no item', () => {
    expect(tagConstraintItems(undefined)).toEqual([]);
    expect(tagConstraintItems({ ['k'.repeat(128)]: 'v'.repeat(256), 'équipe': 'données 1' })).toEqual([]);
  });

  it('an empty key, a key of 129, a key with a disallowed character: the key item', () => {
    expect(tagConstraintItems({ '': 'v' })).toEqual([keyItem('{=v}')]);
    const long = 'k'.repeat(129);
    expect(tagConstraintItems({ [long]: 'v' })).toEqual([keyItem(`{${long}=v}`)]);
    expect(tagConstraintItems({ 'a*b': 'v' })).toEqual([keyItem('{a*b=v}')]);
  });

  it('a value of 257 or with a disallowed character: the value item; both problems: both items', () => {
    const long = 'v'.repeat(257);
    expect(tagConstraintItems({ k: long })).toEqual([valueItem(`{k=${long}}`)]);
    expect(tagConstraintItems({ k: 'a#b' })).toEqual([valueItem('{k=a#b}')]);
    expect(tagConstraintItems({ 'a*': 'b#' })).toEqual([keyItem('{a*=b#}'), valueItem('{a*=b#}')]);
  });
});

describe('maxItemsConstraintItems (V16)', () => {
  it('accepts 1..10000 and nothing given, rejects 0 and 10001 with the exact item', () => {
    expect(maxItemsConstraintItems(undefined)).toEqual([]);
    expect(maxItemsConstraintItems(1)).toEqual([]);
    expect(maxItemsConstraintItems(10000)).toEqual([]);
    expect(maxItemsConstraintItems(0)).toEqual([
      "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ]);
    expect(maxItemsConstraintItems(10001)).toEqual([
      "Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000",
    ]);
  });
});
