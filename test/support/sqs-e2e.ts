/**
 * Helpers for the SQS end-to-end tests (test/e2e/sqs-*.test.ts): one recording target per
 * file answering per queue, mappings through the Lambda API, and what the recorded
 * invocations say (records, overlaps, receive counts).
 */
import {
  CreateEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { sqsClient } from './clients.js';
import { pollUntil } from './poll.js';
import type { RecordedRequest, RecordingTarget, ResponseFn, TargetResponse } from './recording-target.js';
import { waitForState } from './sluice.js';

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, unknown>;
  md5OfBody: string;
  eventSource: string;
  eventSourceARN: string;
  awsRegion: string;
}

/** The records of one recorded invocation (empty when the body is not an SQS event). */
export const recordsIn = (request: RecordedRequest): SqsRecord[] => (request.body as { Records?: SqsRecord[] } | undefined)?.Records ?? [];

/** The queue an invocation came from (every record of a batch has the same). */
export const queueArnOf = (request: RecordedRequest): string | undefined => recordsIn(request)[0]?.eventSourceARN;

/**
 * A recording target shared by the tests of a file, each test with its own queue: answers
 * with the behaviour registered for the invocation's queue (200 with an empty body when
 * none), and lists invocations per queue.
 */
export class QueueRouter {
  private readonly behaviours = new Map<string, ResponseFn>();

  constructor(readonly target: RecordingTarget) {
    target.respondWith((request) => this.answer(request));
  }

  /** How the target answers invocations from `queueArn`; `index` counts that queue's invocations. */
  on(queueArn: string, behaviour: TargetResponse | ResponseFn): void {
    this.behaviours.set(queueArn, typeof behaviour === 'function' ? behaviour : () => behaviour);
  }

  /** Invocations from `queueArn`, in arrival order. */
  invocations(queueArn: string): RecordedRequest[] {
    return this.target.requests.filter((r) => queueArnOf(r) === queueArn);
  }

  records(queueArn: string): SqsRecord[] {
    return this.invocations(queueArn).flatMap(recordsIn);
  }

  /** Resolves with the invocations once `n` came from the queue. */
  async waitForInvocations(queueArn: string, n: number, timeoutMs = 10_000): Promise<RecordedRequest[]> {
    return pollUntil(() => (this.invocations(queueArn).length >= n ? this.invocations(queueArn) : undefined), {
      timeoutMs,
      description: `${n} invocation(s) from ${queueArn}`,
    });
  }

  /** Resolves once `n` records came from the queue. */
  async waitForRecords(queueArn: string, n: number, timeoutMs = 10_000): Promise<SqsRecord[]> {
    return pollUntil(() => (this.records(queueArn).length >= n ? this.records(queueArn) : undefined), {
      timeoutMs,
      description: `${n} record(s) from ${queueArn}`,
    });
  }

  /**
   * Resolves once the target has heard nothing from the queue for `ms` (from the last
   * invocation's arrival or end, or from now when there was none).
   */
  async quietFor(queueArn: string, ms: number, timeoutMs = 10_000): Promise<void> {
    const since = Date.now();
    await pollUntil(
      () => {
        const last = Math.max(since, ...this.invocations(queueArn).map((r) => Math.max(r.receivedAt, r.respondedAt ?? Date.now())));
        return Date.now() - last >= ms;
      },
      { timeoutMs, description: `no invocation from ${queueArn} for ${ms} ms` },
    );
  }

  private answer(request: RecordedRequest): TargetResponse | Promise<TargetResponse> {
    const arn = queueArnOf(request);
    const behaviour = arn ? this.behaviours.get(arn) : undefined;
    if (!behaviour) return {};
    const index = this.invocations(arn!).indexOf(request);
    return behaviour(request, index);
  }
}

/** Sends the bodies (or entries) in batches of 10, in order; resolves with their MessageIds in order. */
export async function sendInOrder(
  queueUrl: string,
  messages: (string | Omit<SendMessageBatchRequestEntry, 'Id'>)[],
  client: SQSClient = sqsClient(),
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < messages.length; i += 10) {
    const entries = messages.slice(i, i + 10).map((m, j) => (typeof m === 'string' ? { Id: String(j), MessageBody: m } : { Id: String(j), ...m }));
    const result = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
    const byId = new Map((result.Successful ?? []).map((s) => [s.Id!, s.MessageId!]));
    ids.push(...entries.map((e) => byId.get(e.Id)!));
  }
  return ids;
}

/** Creates a mapping and waits until it settled (Enabled, or Disabled when created disabled). */
export async function createMapping(lambda: LambdaClient, input: CreateEventSourceMappingCommandInput): Promise<string> {
  const { UUID } = await lambda.send(new CreateEventSourceMappingCommand(input));
  await waitForState(lambda, UUID!, input.Enabled === false ? 'Disabled' : 'Enabled');
  return UUID!;
}

export async function lastProcessingResult(lambda: LambdaClient, uuid: string): Promise<string | undefined> {
  return (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).LastProcessingResult;
}

/** Waits until the mapping's LastProcessingResult is `expected`. */
export async function waitForProcessingResult(lambda: LambdaClient, uuid: string, expected: string, timeoutMs = 10_000): Promise<void> {
  await pollUntil(async () => (await lastProcessingResult(lambda, uuid)) === expected, {
    timeoutMs,
    description: `LastProcessingResult "${expected}" on ${uuid}`,
  });
}

export { maxOverlap } from './recording-target.js';

/** Receives everything visible in the queue (test side), without deleting it. */
export async function peekAll(queueUrl: string, client: SQSClient = sqsClient()): Promise<{ body: string; receiveCount: string }[]> {
  const out: { body: string; receiveCount: string }[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60, MessageSystemAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return out;
    out.push(...Messages.map((m) => ({ body: m.Body!, receiveCount: m.Attributes?.ApproximateReceiveCount ?? '' })));
  }
}
