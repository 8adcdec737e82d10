/**
 * `GET /sluice/v1/event-source-mappings/{UUID}/shards` and `sluice mappings shards` with two
 * `sluice start` processes (real child processes of the built CLI; `npm run build` first) on
 * a 2-shard Kinesis stream: each process holds one shard, and either process's route shows
 * both holders, the checkpoints after records were processed, what the holders published
 * (iterator age, lanes) and both workers. An SQS mapping is refused with a 400, an unknown
 * UUID with a 404, in Lambda's error shape.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { allocateRedisDb, createQueue, createRedis, createStream, pollUntil, startRecordingTarget } from '../support/index.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/endpoints.js';
import { lambdaClientFor } from '../support/sluice.js';
import { SLUICE_BIN, startTwoSluiceProcesses } from '../support/sluice-process.js';
import { putKinesis } from '../support/streams-e2e.js';
import type { ShardsBody } from '../../src/api/shards-route.js';

const shardsOf = (url: string, uuid: string) => fetch(`${url}/sluice/v1/event-source-mappings/${uuid}/shards`);

describe('the shards of a stream mapping, on two processes', () => {
  it('shows both lease holders, checkpoints, published status and workers; refuses SQS and unknown mappings', async () => {
    const target = await startRecordingTarget();
    onTestFinished(() => target.close());
    const db = await allocateRedisDb();
    const redis = createRedis({ db });
    onTestFinished(() => redis.disconnect());
    const config = {
      functions: { fn: { http: target.url, timeout: 3 } },
      streams: { leaseMs: 2000 },
      supervisor: { workerTimeoutMs: 2000, heartbeatIntervalMs: 500, reconcileIntervalMs: 1000, shutdownTimeoutMs: 3000 },
    };
    const [a, b] = await startTwoSluiceProcesses(db, config, redis);
    const lambda = lambdaClientFor(a.url);
    onTestFinished(() => lambda.destroy());

    const stream = await createStream({ shardCount: 2 });
    onTestFinished(stream.cleanup);
    const { UUID, EventSourceMappingArn } = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: stream.streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 10 }),
    );
    const uuid = UUID!;
    // Records go in once each process holds one shard: iterator age comes with a batch, so a
    // shard whose lease moved after its records were read would show none (its new holder
    // has invoked nothing yet), and the check below could not be met.
    await pollUntil(
      async () => {
        const response = await shardsOf(b.url, uuid);
        if (response.status !== 200) return undefined;
        const holders = new Set(((await response.json()) as ShardsBody).Shards.map((s) => s.LeaseHolder?.split('-')[0]));
        return holders.size === 2 && !holders.has(undefined);
      },
      { description: 'each process holding one shard', timeoutMs: 20_000 },
    );
    const put = await putKinesis(
      stream.streamName,
      Array.from({ length: 20 }, (_, i) => ({ key: `key-${i}`, data: `{"n":${i}}` })),
    );
    const lastOf = (shardId: string) => put.filter((r) => r.shardId === shardId).at(-1)?.sequenceNumber ?? null;
    const pids = [a.process.pid, b.process.pid];

    // Read through the other process than the one that created the mapping: any process shows the whole cluster.
    const body = await pollUntil(
      async () => {
        const response = await shardsOf(b.url, uuid);
        if (response.status !== 200) throw new Error(`shards answered ${response.status}: ${await response.text()}`);
        const view = (await response.json()) as ShardsBody;
        const holders = new Set(view.Shards.map((s) => s.LeaseHolder));
        // Lanes as published after the last batch: a status published while it ran still says 1 in flight.
        const done = view.Shards.every((s) => s.Checkpoint === lastOf(s.ShardId) && s.IteratorAgeMs !== null && s.Lanes?.InFlight === 0 && s.Lanes.Buffered === 0);
        return view.Shards.length === 2 && holders.size === 2 && !holders.has(null) && done ? view : undefined;
      },
      { description: 'two shards held by two processes, checkpointed at their last record, status published', timeoutMs: 20_000 },
    );
    expect(body.UUID).toBe(uuid);
    expect(body.EventSourceMappingArn).toBe(EventSourceMappingArn);
    expect(body.Shards.map((s) => s.ShardId).sort()).toEqual(stream.shardIds);
    for (const shard of body.Shards) {
      expect(shard).toMatchObject({ ParentShardId: null, Status: 'OPEN', Lanes: { InFlight: 0, Buffered: 0 } });
      expect(shard.LeaseExpiresAt).toBeGreaterThan(Date.now() - 2000);
      expect(shard.IteratorAgeMs).toBeGreaterThanOrEqual(0);
    }
    // The holders are the two processes (worker ids start with the pid).
    expect(body.Shards.map((s) => Number(s.LeaseHolder!.split('-')[0])).sort()).toEqual([...pids].sort());
    expect(body.Workers.map((w) => w.Pid).sort()).toEqual([...pids].sort());
    expect(body.Workers.map((w) => w.WorkerId).sort()).toEqual(body.Shards.map((s) => s.LeaseHolder).sort());
    for (const worker of body.Workers) expect(worker.Host).not.toBe('unknown');

    // The CLI prints the same as a table, signed like any client.
    const { stdout } = await promisify(execFile)(process.execPath, [SLUICE_BIN, 'mappings', 'shards', uuid, '--endpoint-url', a.url], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: TEST_REGION },
    });
    const lines = stdout.split('\n');
    for (const shard of body.Shards) {
      const line = lines.find((l) => l.startsWith(shard.ShardId));
      expect(line).toContain('OPEN');
      expect(line).toContain(shard.Checkpoint);
      expect(line).toContain(shard.LeaseHolder);
    }
    for (const worker of body.Workers) expect(stdout).toContain(worker.WorkerId);

    // SQS: 400 in Lambda's shape; an unknown mapping: 404.
    const queue = await createQueue();
    onTestFinished(queue.cleanup);
    const sqs = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fn', EventSourceArn: queue.queueArn }));
    const refused = await shardsOf(a.url, sqs.UUID!);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-amzn-errortype')).toBe('InvalidParameterValueException');
    expect(await refused.json()).toMatchObject({ message: 'Shards are only defined for stream event sources (Kinesis, DynamoDB Streams)' });
    const unknown = await shardsOf(a.url, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  }, 60_000);
});
