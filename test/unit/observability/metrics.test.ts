import { describe, expect, it } from 'vitest';
import { errorLabel, SluiceMetrics, type MappingLabels } from '../../../src/observability/metrics.js';

const sqs: MappingLabels = { mapping: 'm-1', sourceType: 'sqs', function: 'arn:aws:lambda:us-east-1:000000000000:function:f' };
const kinesis: MappingLabels = { mapping: 'm-2', sourceType: 'kinesis', function: 'arn:aws:lambda:us-east-1:000000000000:function:g' };
const sqsLabels = 'mapping="m-1",source_type="sqs",function="arn:aws:lambda:us-east-1:000000000000:function:f"';
const kinesisLabels = 'mapping="m-2",source_type="kinesis",function="arn:aws:lambda:us-east-1:000000000000:function:g"';

/** The sample lines of one metric name (without HELP / TYPE). */
const samples = (text: string, name: string): string[] => text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

describe('SluiceMetrics', () => {
  it('writes counters with the per-mapping labels, and an empty poll adds nothing', async () => {
    const metrics = new SluiceMetrics();
    metrics.polled(sqs, 7);
    metrics.polled(sqs, 0);
    metrics.polled(sqs, 3);
    metrics.filteredOut(sqs, 2);
    metrics.deleted(sqs, 5);
    const text = await metrics.text();
    expect(text).toContain('# TYPE sluice_polled_events_total counter');
    expect(samples(text, 'sluice_polled_events_total')).toEqual([`sluice_polled_events_total{${sqsLabels}} 10`]);
    expect(samples(text, 'sluice_filtered_out_events_total')).toEqual([`sluice_filtered_out_events_total{${sqsLabels}} 2`]);
    expect(samples(text, 'sluice_deleted_events_total')).toEqual([`sluice_deleted_events_total{${sqsLabels}} 5`]);
  });

  it('records an invocation attempt: outcome, invoked and failed events, the histograms', async () => {
    const metrics = new SluiceMetrics();
    metrics.invocationAttempt(sqs, { outcome: 'success', records: 10, payloadBytes: 2000, durationSeconds: 0.02 });
    metrics.invocationAttempt(sqs, { outcome: 'function_error', records: 4, payloadBytes: 900, durationSeconds: 0.3 });
    metrics.invocationAttempt(sqs, { outcome: 'throttled', records: 4, payloadBytes: 900 });
    const text = await metrics.text();
    expect(samples(text, 'sluice_invocations_total').sort()).toEqual(
      [
        `sluice_invocations_total{${sqsLabels},outcome="success"} 1`,
        `sluice_invocations_total{${sqsLabels},outcome="function_error"} 1`,
        `sluice_invocations_total{${sqsLabels},outcome="throttled"} 1`,
      ].sort(),
    );
    expect(samples(text, 'sluice_invoked_events_total')).toEqual([`sluice_invoked_events_total{${sqsLabels}} 18`]);
    expect(samples(text, 'sluice_failed_invoke_events_total')).toEqual([`sluice_failed_invoke_events_total{${sqsLabels}} 8`]);
    // Duration only for the two attempts that reached the target.
    expect(text).toContain(`sluice_invocation_duration_seconds_count{${sqsLabels}} 2`);
    expect(text).toContain(`sluice_invocation_duration_seconds_bucket{le="0.025",${sqsLabels}} 1`);
    expect(text).toContain(`sluice_invocation_duration_seconds_bucket{le="900",${sqsLabels}} 2`);
    expect(text).toContain(`sluice_batch_records_count{${sqsLabels}} 3`);
    expect(text).toContain(`sluice_batch_records_bucket{le="5",${sqsLabels}} 2`);
    expect(text).toContain(`sluice_batch_records_bucket{le="10",${sqsLabels}} 3`);
    expect(text).toContain(`sluice_batch_records_sum{${sqsLabels}} 18`);
    expect(text).toContain(`sluice_batch_payload_bytes_bucket{le="1024",${sqsLabels}} 2`);
    expect(text).toContain(`sluice_batch_payload_bytes_bucket{le="4096",${sqsLabels}} 3`);
    expect(text).toContain(`sluice_batch_payload_bytes_bucket{le="6291456",${sqsLabels}} 3`);
  });

  it('uses the spec buckets', async () => {
    const metrics = new SluiceMetrics();
    metrics.invocationAttempt(sqs, { outcome: 'success', records: 1, payloadBytes: 1, durationSeconds: 0.001 });
    const text = await metrics.text();
    const les = (name: string) => [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"`, 'gm'))].map((m) => m[1]);
    expect(les('sluice_invocation_duration_seconds')).toEqual(
      ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '300', '900', '+Inf'],
    );
    expect(les('sluice_batch_records')).toEqual(['1', '2', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '+Inf']);
    expect(les('sluice_batch_payload_bytes')).toEqual(['1024', '4096', '16384', '65536', '262144', '1048576', '4194304', '6291456', '+Inf']);
  });

  it('counts invocations in flight', async () => {
    const metrics = new SluiceMetrics();
    const first = metrics.invocationStarted(sqs);
    const second = metrics.invocationStarted(sqs);
    expect(samples(await metrics.text(), 'sluice_concurrent_invocations')).toEqual([`sluice_concurrent_invocations{${sqsLabels}} 2`]);
    first();
    first(); // ending twice counts once
    expect(samples(await metrics.text(), 'sluice_concurrent_invocations')).toEqual([`sluice_concurrent_invocations{${sqsLabels}} 1`]);
    second();
    expect(samples(await metrics.text(), 'sluice_concurrent_invocations')).toEqual([`sluice_concurrent_invocations{${sqsLabels}} 0`]);
  });

  it('sets the mapping state gauge to 1 for the current state only', async () => {
    const metrics = new SluiceMetrics();
    metrics.mappingState(sqs, 'Creating');
    metrics.mappingState(sqs, 'Enabled');
    const lines = samples(await metrics.text(), 'sluice_mapping_state');
    expect(lines).toHaveLength(7);
    expect(lines.filter((l) => l.endsWith(' 1'))).toEqual([`sluice_mapping_state{${sqsLabels},state="Enabled"} 1`]);
  });

  it('writes an unchanged state once, yet a change, a new function or a removal and return still show (issue #13)', async () => {
    const metrics = new SluiceMetrics();
    const current = async () => samples(await metrics.text(), 'sluice_mapping_state').filter((l) => l.endsWith(' 1'));
    metrics.mappingState(sqs, 'Enabled');
    metrics.mappingState(sqs, 'Enabled');
    metrics.mappingState(sqs, 'Disabled');
    expect(await current()).toEqual([`sluice_mapping_state{${sqsLabels},state="Disabled"} 1`]);
    // An Update moved the mapping to another function, same state: the new series, the old one gone.
    const moved = { ...sqs, function: 'arn:aws:lambda:us-east-1:000000000000:function:h' };
    metrics.mappingState(moved, 'Disabled');
    expect(await current()).toEqual([`sluice_mapping_state{${sqsLabels.replace('function:f', 'function:h')},state="Disabled"} 1`]);
    // Removed (deleted, say), then reported again in the same state: written again.
    metrics.removeMapping(sqs.mapping);
    expect(await current()).toEqual([]);
    metrics.mappingState(moved, 'Disabled');
    expect(await current()).toHaveLength(1);
  });

  it('keeps per-shard gauges until the shard is removed, and stream counters', async () => {
    const metrics = new SluiceMetrics();
    metrics.iteratorAge(kinesis, 'shardId-0', 1500);
    metrics.iteratorAge(kinesis, 'shardId-1', 20);
    metrics.checkpointLag(kinesis, 'shardId-0', 100);
    metrics.dropped(kinesis, 3);
    metrics.destinationDelivered(kinesis, 4);
    metrics.destinationDeliveryFailure(kinesis);
    metrics.sourceError(kinesis, 'ThrottlingException');
    metrics.shardLeases('m-2', 2);
    metrics.leaseChange('m-2', 'acquired');
    metrics.leaseChange('m-2', 'acquired');
    metrics.removeShard(kinesis, 'shardId-0');
    const text = await metrics.text();
    expect(samples(text, 'sluice_iterator_age_milliseconds')).toEqual([`sluice_iterator_age_milliseconds{${kinesisLabels},shard="shardId-1"} 20`]);
    expect(samples(text, 'sluice_shard_checkpoint_lag_records')).toEqual([]);
    expect(samples(text, 'sluice_dropped_events_total')).toEqual([`sluice_dropped_events_total{${kinesisLabels}} 3`]);
    expect(samples(text, 'sluice_on_failure_destination_delivered_events_total')).toEqual([
      `sluice_on_failure_destination_delivered_events_total{${kinesisLabels}} 4`,
    ]);
    expect(samples(text, 'sluice_destination_delivery_failures_total')).toEqual([`sluice_destination_delivery_failures_total{${kinesisLabels}} 1`]);
    expect(samples(text, 'sluice_source_errors_total')).toEqual([`sluice_source_errors_total{${kinesisLabels},error="ThrottlingException"} 1`]);
    expect(samples(text, 'sluice_shard_leases')).toEqual(['sluice_shard_leases{mapping="m-2"} 2']);
    expect(samples(text, 'sluice_shard_lease_changes_total')).toEqual(['sluice_shard_lease_changes_total{mapping="m-2",change="acquired"} 2']);
  });

  it('removes every series of a deleted mapping and leaves the others', async () => {
    const metrics = new SluiceMetrics();
    for (const labels of [sqs, kinesis]) {
      metrics.polled(labels, 1);
      metrics.mappingState(labels, 'Enabled');
      metrics.invocationAttempt(labels, { outcome: 'success', records: 1, payloadBytes: 10, durationSeconds: 0.1 });
      metrics.sqsDeleteFailed(labels, 'NetworkingError', 1);
    }
    const inFlight = metrics.invocationStarted(sqs);
    metrics.iteratorAge(kinesis, 'shardId-0', 5);
    metrics.shardLeases('m-2', 1);
    metrics.leaseChange('m-2', 'lost');
    metrics.removeMapping('m-2');
    inFlight();
    const text = await metrics.text();
    expect(text).not.toContain('m-2');
    expect(samples(text, 'sluice_polled_events_total')).toEqual([`sluice_polled_events_total{${sqsLabels}} 1`]);
    metrics.removeMapping('m-1');
    expect(await metrics.text()).not.toContain('m-1');
  });

  it('does not bring back the in-flight gauge of a mapping removed meanwhile', async () => {
    const metrics = new SluiceMetrics();
    const end = metrics.invocationStarted(sqs);
    metrics.removeMapping('m-1');
    end();
    expect(await metrics.text()).not.toContain('m-1');
  });

  it('keeps separate registries per instance', async () => {
    const a = new SluiceMetrics();
    const b = new SluiceMetrics();
    a.polled(sqs, 1);
    expect(samples(await b.text(), 'sluice_polled_events_total')).toEqual([]);
  });
});

describe('errorLabel', () => {
  it('labels SDK errors by their code and every failure without an answer NetworkingError', async () => {
    const { ProvisionedThroughputExceededException } = await import('@aws-sdk/client-kinesis');
    const { QueueDoesNotExist } = await import('@aws-sdk/client-sqs');
    expect(errorLabel(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }))).toBe('ProvisionedThroughputExceededException');
    expect(errorLabel(Object.assign(new QueueDoesNotExist({ message: 'gone', $metadata: {} }), { Code: 'AWS.SimpleQueueService.NonExistentQueue' }))).toBe(
      'AWS.SimpleQueueService.NonExistentQueue',
    );
    expect(errorLabel(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('NetworkingError');
    // The SDK wraps the socket error: the errno is on `cause` (read once by aws/sdk-errors).
    expect(errorLabel(Object.assign(new Error('socket hang up'), { name: 'SocketWrapper', cause: { code: 'ECONNRESET' } }))).toBe('NetworkingError');
    expect(errorLabel(Object.assign(new Error('late'), { name: 'RequestTimeoutException' }))).toBe('NetworkingError');
    expect(errorLabel(new Error('plain'))).toBe('UnknownError');
  });
});
