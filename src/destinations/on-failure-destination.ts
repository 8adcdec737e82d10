/**
 * Delivery of on-failure records (streams.md §14.2):
 *
 * | Destination               | Call                                    | Content                                 |
 * | ------------------------- | --------------------------------------- | --------------------------------------- |
 * | SQS queue `arn:aws:sqs:`  | GetQueueUrl (cached), then SendMessage  | MessageBody = the record's JSON         |
 * | SNS topic `arn:aws:sns:`  | Publish                                 | Message = the record's JSON, no Subject |
 * | S3 bucket `arn:aws:s3:::` | PutObject (S3ObjectWriter; default SDK) | the record plus `payload` (§14.2 key)   |
 *
 * A failed call is tried again after 1 s, 2 s and 4 s (chosen: four calls in all). FIFO
 * queues and topics are refused without a call. The outcome says whether the record was
 * delivered and, if not, the error code for `LastProcessingResult` (api.md §6.2); the
 * caller then drops the records, logs the record and counts it (metrics.md), and moves on.
 *
 * No p-queue here (issue #12 asked where it fits): sends are not bounded in-process because
 * nothing needs bounding. A send is awaited by the shard lane that discarded the records,
 * before it may checkpoint past them (at-least-once), so at most one send per lane is in
 * flight and the lanes are already bounded (shards leased × ParallelizationFactor). A shared
 * queue would only make one shard's slow destination delay other shards' checkpoints.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PublishCommand } from '@aws-sdk/client-sns';
import { backoffSchedule } from '../aws/backoff.js';
import type { AwsClients } from '../aws/clients.js';
import { parseDestinationArn, type DestinationArn, type DestinationType } from './destination-arn.js';
import {
  DestinationDeliveryError,
  DestinationErrorCode,
  deliveryErrorCode,
  deliveryErrorMessage,
  destinationProblem,
} from './errors.js';
import { buildS3OnFailureObject, type OnFailureRecord } from './on-failure-record.js';
import { createS3ObjectWriter, type S3ObjectWriter } from './s3-object-writer.js';

export type { S3ObjectWriter } from './s3-object-writer.js';

export interface OnFailureDestinationsOptions {
  /** SQS and SNS clients, per region of the destination ARN; the S3 client of the default writer. */
  clients: Pick<AwsClients, 'get'>;
  /**
   * S3 PutObject. Default: PutObject through `clients.get('s3')`; `null` turns S3
   * destinations off (they then fail with `S3DestinationNotConfigured`).
   */
  s3?: S3ObjectWriter | null;
  /** Waits before the 2nd, 3rd, ... call of a failed delivery. Default [1000, 2000, 4000] (§14.2). */
  retryDelaysMs?: readonly number[];
  /** Injected for tests; default node:timers/promises setTimeout honouring the signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface DeliverContext {
  /** The mapping's UUID: part of an S3 object key. */
  mappingId?: string;
  /** The event of the discarded records, `{"Records":[...]}` as the target received them; S3 only, built on demand. */
  payload?: () => string;
  /** Aborted (shutdown, lease lost): no further tries; the outcome says `aborted`. */
  signal?: AbortSignal;
}

export type DeliveryOutcome =
  | { delivered: true; destinationType: DestinationType; calls: number }
  | {
      delivered: false;
      destinationType?: DestinationType;
      /** Service calls made (0 when Sluice refused the destination itself). */
      calls: number;
      /** The last failure's code: `QueueDoesNotExist`, `NotFound`, `ECONNREFUSED`, `FifoDestinationNotSupported`... */
      errorCode: string;
      errorMessage: string;
      /** The signal stopped the tries: the batch has not ended, do not move the checkpoint. */
      aborted: boolean;
      /** `PROBLEM: Error sending to on-failure destination: <errorCode>` (api.md §6.2). */
      lastProcessingResult: string;
    };

/** Three tries again after 1 s, 2 s and 4 s (streams.md §14.2), from the one backoff formula. */
const DEFAULT_RETRY_DELAYS_MS: readonly number[] = backoffSchedule({ firstMs: 1000, maxMs: 4000 }, 3);

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => sleepFor(ms, undefined, { signal }).then(() => undefined);

/** Errors after which a cached queue URL may be stale (queue deleted and recreated). */
const staleQueueUrl = /NonExistentQueue|QueueDoesNotExist/;

export class OnFailureDestinations {
  private readonly queueUrls = new Map<string, string>();
  private readonly retryDelaysMs: readonly number[];
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly s3: S3ObjectWriter | null;

  constructor(private readonly options: OnFailureDestinationsOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.sleep = options.sleep ?? defaultSleep;
    this.s3 = options.s3 === undefined ? createS3ObjectWriter(options.clients) : options.s3;
  }

  /** Sends `record` to `destinationArn`, trying again per §14.2. Never throws. */
  async deliver(destinationArn: string, record: OnFailureRecord, context: DeliverContext = {}): Promise<DeliveryOutcome> {
    const destination = parseDestinationArn(destinationArn);
    if (!destination) {
      return refused(undefined, DestinationErrorCode.UnsupportedType, `Unsupported destination type for OnFailure: ${destinationArn}`);
    }
    if (destination.fifo) {
      return refused(destination.type, DestinationErrorCode.FifoNotSupported, `FIFO ${destination.type === 'sqs' ? 'queues' : 'topics'} are not supported as on-failure destinations: ${destinationArn}`);
    }
    let send: () => Promise<void>;
    try {
      send = this.sender(destination, record, context);
    } catch (error) {
      return refused(destination.type, deliveryErrorCode(error), deliveryErrorMessage(error));
    }

    let calls = 0;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.retryDelaysMs.length; attempt++) {
      if (attempt > 0) {
        if (context.signal?.aborted) break;
        await this.sleep(this.retryDelaysMs[attempt - 1]!, context.signal).catch(() => undefined);
        if (context.signal?.aborted) break;
      }
      calls++;
      try {
        await send();
        return { delivered: true, destinationType: destination.type, calls };
      } catch (error) {
        lastError = error;
        if (error instanceof DestinationDeliveryError && error.permanent) break;
        if (destination.type === 'sqs' && staleQueueUrl.test(deliveryErrorCode(error))) this.queueUrls.delete(destination.arn);
      }
    }
    const errorCode = deliveryErrorCode(lastError);
    return {
      delivered: false,
      destinationType: destination.type,
      calls,
      errorCode,
      errorMessage: deliveryErrorMessage(lastError),
      aborted: context.signal?.aborted ?? false,
      lastProcessingResult: destinationProblem(errorCode),
    };
  }

  /** One delivery call for `destination`; throws DestinationDeliveryError when it cannot be made at all. */
  private sender(destination: DestinationArn, record: OnFailureRecord, context: DeliverContext): () => Promise<void> {
    const body = JSON.stringify(record);
    switch (destination.type) {
      case 'sqs':
        return async () => {
          const sqs = this.options.clients.get('sqs', destination.region);
          const queueUrl = await this.queueUrl(destination);
          await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        };
      case 'sns':
        return async () => {
          const sns = this.options.clients.get('sns', destination.region);
          await sns.send(new PublishCommand({ TopicArn: destination.arn, Message: body }));
        };
      case 's3': {
        const writer = this.s3;
        if (!writer) {
          throw new DestinationDeliveryError(DestinationErrorCode.S3NotConfigured, `No S3 client configured for on-failure destination ${destination.arn}`, true);
        }
        if (!context.payload || !context.mappingId) {
          throw new DestinationDeliveryError(DestinationErrorCode.S3PayloadMissing, `An S3 on-failure destination needs the mapping id and the records' payload`, true);
        }
        const object = buildS3OnFailureObject(record, { mappingId: context.mappingId, payload: context.payload() });
        return () => writer.putObject({ bucket: destination.name, key: object.key, body: object.body, contentType: object.contentType });
      }
    }
  }

  private async queueUrl(destination: DestinationArn): Promise<string> {
    const cached = this.queueUrls.get(destination.arn);
    if (cached) return cached;
    const sqs = this.options.clients.get('sqs', destination.region);
    const answer = await sqs.send(new GetQueueUrlCommand({ QueueName: destination.name, QueueOwnerAWSAccountId: destination.account }));
    if (!answer.QueueUrl) throw new DestinationDeliveryError(DestinationErrorCode.InvalidResponse, `GetQueueUrl ${destination.arn} returned no QueueUrl`, false);
    this.queueUrls.set(destination.arn, answer.QueueUrl);
    return answer.QueueUrl;
  }
}

function refused(destinationType: DestinationType | undefined, errorCode: string, errorMessage: string): DeliveryOutcome {
  return {
    delivered: false,
    ...(destinationType ? { destinationType } : {}),
    calls: 0,
    errorCode,
    errorMessage,
    aborted: false,
    lastProcessingResult: destinationProblem(errorCode),
  };
}
