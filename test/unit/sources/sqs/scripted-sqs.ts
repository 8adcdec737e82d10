/**
 * An SQS client answering by script, for the SQS source's unit tests: every command sent is
 * kept (name and input), and `answer` decides what each returns or throws.
 */
import type { SqsClientLike } from '../../../../src/sources/sqs/sqs-calls.js';

export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

export type Answer = (command: SentCommand) => unknown;

export function scriptedSqs(answer: Answer = () => ({})): { sqs: SqsClientLike; sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> => {
    const entry = { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
    sent.push(entry);
    return answer(entry);
  };
  return { sqs: { send }, sent };
}

export const QUEUE_URL = 'http://sqs.local/000000000000/orders';

/** GetQueueUrl / GetQueueAttributes as SQS answers them for a queue with this visibility. */
export function queueLookup(command: SentCommand, visibilitySeconds = 30): unknown {
  if (command.name === 'GetQueueUrl') return { QueueUrl: QUEUE_URL };
  if (command.name === 'GetQueueAttributes') return { Attributes: { VisibilityTimeout: String(visibilitySeconds) } };
  return undefined;
}
