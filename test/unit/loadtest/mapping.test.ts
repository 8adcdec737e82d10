/** The CreateEventSourceMapping input a run sends: trace tag, StartingPosition, destination. */
import { describe, expect, it } from 'vitest';
import { mappingInput, traceCap } from '../../../src/loadtest/mapping.js';
import { MAX_TRACE_ENTRIES } from '../../../src/mappings/invocation-trace.js';
import type { LoadtestPlan } from '../../../src/loadtest/plan.js';
import type { RunResources } from '../../../src/loadtest/resources.js';

const plan = (overrides: Partial<LoadtestPlan> = {}): LoadtestPlan => ({
  source: 'kinesis',
  resource: { kind: 'create' },
  functionName: 'noop',
  mapping: { BatchSize: 100, Tags: { team: 'a' } },
  onFailure: false,
  load: { kind: 'count', count: 10, rate: 1 },
  payload: { kind: 'size', bytes: 10 },
  maxInFlight: 1,
  graceMs: 1,
  endpoints: { region: 'us-east-1', lambda: 'http://x' },
  ...overrides,
});

const resources = (overrides: Partial<RunResources> = {}): RunResources => ({
  eventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  target: { kind: 'kinesis', streamName: 's' },
  created: true,
  createdNames: [],
  release: async () => [],
  ...overrides,
});

describe('mappingInput', () => {
  it("carries the plan's fields, the user's tags and the trace tag", () => {
    expect(mappingInput(plan(), resources(), 10_000)).toMatchObject({
      FunctionName: 'noop',
      EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      BatchSize: 100,
      Tags: { team: 'a', 'sluice:trace': String(traceCap(10_000)) },
    });
  });

  it('StartingPosition: TRIM_HORIZON for a created stream, LATEST for an existing one, none for SQS, the plan’s own kept', () => {
    expect(mappingInput(plan(), resources(), 1).StartingPosition).toBe('TRIM_HORIZON');
    expect(mappingInput(plan(), resources({ created: false }), 1).StartingPosition).toBe('LATEST');
    expect(mappingInput(plan({ source: 'sqs' }), resources(), 1).StartingPosition).toBeUndefined();
    expect(mappingInput(plan({ mapping: { StartingPosition: 'LATEST' } }), resources(), 1).StartingPosition).toBe('LATEST');
  });

  it('the on-failure destination the run created', () => {
    expect(mappingInput(plan(), resources({ onFailureDestinationArn: 'arn:aws:sqs:us-east-1:0:q' }), 1).DestinationConfig).toEqual({ OnFailure: { Destination: 'arn:aws:sqs:us-east-1:0:q' } });
  });

  it('traceCap: a margin above the planned records, within the trace maximum', () => {
    expect(traceCap(0)).toBe(1_000);
    expect(traceCap(10_000)).toBe(16_000);
    expect(traceCap(10_000_000)).toBe(MAX_TRACE_ENTRIES);
  });
});
