/**
 * What the SQS side sends, and how many message calls run at once.
 *
 * `SqsClientLike` is the one SDK method the SQS source uses, so its parts can be driven by a
 * scripted client in unit tests (the emulator cannot fail on cue).
 *
 * `MessageCalls` bounds the DeleteMessageBatch and ChangeMessageVisibilityBatch calls of one
 * poller in this process (p-queue): a batch of 10 000 messages is 1 000 calls of 10, and a
 * window's deletes, the filter's deletes and visibility extensions of several batches may
 * overlap; unbounded, they would open that many requests at once against the SDK's socket
 * pool and SQS's rate limits. Receives are not queued here: they are bounded by the
 * mapping's concurrency slots already (concurrency-slots.ts).
 */
import PQueue from 'p-queue';
import type { SQSClient } from '@aws-sdk/client-sqs';

export type SqsClientLike = Pick<SQSClient, 'send'>;

/**
 * Message calls one poller runs at once (chosen): ten calls of ten messages each keep a
 * 1 000-message batch's deletes to a few round trips without crowding the SDK's default
 * 50 sockets, which every mapping of the process and its receives share.
 */
export const MESSAGE_CALL_CONCURRENCY = 10;

export type MessageCalls = Pick<PQueue, 'add'>;

export function messageCalls(concurrency = MESSAGE_CALL_CONCURRENCY): PQueue {
  return new PQueue({ concurrency });
}

/**
 * The client, counting every call by its API action (`ReceiveMessageCommand` →
 * `ReceiveMessage`) for `sluice_source_requests_total{operation}`: one wrapper, so no call
 * site can forget to count.
 */
export function countingSqs(sqs: SqsClientLike, count: (operation: string) => void): SqsClientLike {
  const send = (command: object, ...rest: unknown[]): unknown => {
    count(command.constructor.name.replace(/Command$/, ''));
    return (sqs.send as (...args: unknown[]) => unknown)(command, ...rest);
  };
  return { send: send as SqsClientLike['send'] };
}
