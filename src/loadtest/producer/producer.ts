/**
 * The one scheduler: every tick it works out how many records the load shape has due
 * (schedule.ts), cuts what is due and not yet handed out into batches of the sender's size,
 * and starts them while fewer than `maxInFlight` requests are in flight (p-queue keeps the
 * bound; the producer only adds when a slot is free, so nothing queues up unseen).
 *
 * Holding the rate: a due record that cannot be started (in flight full) stays due and goes
 * out at the next free slot, so the run never sends less than planned; it only sends later.
 * When the records due but not started exceed about one second of the asked rate, the
 * producer is `behind` (chosen threshold: the issue's "~1 s of records"; below it a
 * scheduler tick or one slow request is normal jitter). Every sample says whether the
 * producer was behind at any moment since the previous sample.
 *
 * A partly filled batch is sent at once (chosen): waiting to fill it would add up to a
 * batch's worth of delay to the records' send times at low rates.
 */
import PQueue from 'p-queue';
import type { ProducerSample, SentRecord } from '../run-data.js';
import type { Schedule } from './schedule.js';
import { DEFAULT_RETRY, defaultSleep, sendWithRetries, type BatchPut, type OutgoingRecord, type RetryOptions } from './sender.js';

export interface ProducerOptions {
  schedule: Schedule;
  put: BatchPut;
  record(seq: number): OutgoingRecord;
  maxInFlight: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  /** (chosen) 10 ms: fine enough for 500-record batches at 50,000/s, cheap when idle. */
  tickMs?: number;
  sampleMs?: number;
  retry?: Omit<RetryOptions, 'now' | 'sleep'>;
}

export interface ProducerResult {
  startedAt: number;
  endedAt: number;
  sent: SentRecord[];
  samples: ProducerSample[];
  retried: number;
  failed: number;
  /** Distinct failure messages, the first few. */
  errors: string[];
  /** The run was aborted before everything due was sent. */
  aborted: boolean;
}

const MAX_ERRORS = 10;

export class Producer {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly queue: PQueue;
  private readonly sentRecords: SentRecord[] = [];
  private readonly samples: ProducerSample[] = [];
  private readonly errors = new Set<string>();
  private retried = 0;
  private failed = 0;
  private started: number | undefined;
  private behindNow = false;
  private behindSinceSample = false;
  private inFlightCount = 0;
  private maxInFlightSeen = 0;

  constructor(private readonly options: ProducerOptions) {
    if (!(options.maxInFlight >= 1)) throw new Error(`maxInFlight must be 1 or more (got ${options.maxInFlight})`);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.queue = new PQueue({ concurrency: options.maxInFlight });
  }

  /** Records that landed so far (grows while the run goes on). */
  get sent(): readonly SentRecord[] {
    return this.sentRecords;
  }

  get behind(): boolean {
    return this.behindNow;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** The most requests that were ever in flight at once (tests check the bound with it). */
  get peakInFlight(): number {
    return this.maxInFlightSeen;
  }

  get startedAt(): number | undefined {
    return this.started;
  }

  async run(): Promise<ProducerResult> {
    const { schedule, put, signal } = this.options;
    const tickMs = this.options.tickMs ?? 10;
    const sampleMs = this.options.sampleMs ?? 1_000;
    const retry: RetryOptions = { ...(this.options.retry ?? DEFAULT_RETRY), now: this.now, sleep: this.sleep };
    const startedAt = this.now();
    this.started = startedAt;
    let lastSample = startedAt;
    let handedOut = 0;
    while (handedOut < schedule.total && !signal?.aborted) {
      const elapsed = this.now() - startedAt;
      const due = schedule.dueBy(elapsed);
      while (handedOut < due && this.inFlightCount < this.options.maxInFlight) {
        const size = Math.min(put.maxBatch, due - handedOut);
        const batch = Array.from({ length: size }, (_, i) => this.options.record(handedOut + i));
        handedOut += size;
        this.startBatch(batch, retry);
      }
      // (chosen) Floor of one record: at rates under 1/s "one second of records" rounds to nothing.
      this.behindNow = due - handedOut > Math.max(1, schedule.rateAt(elapsed));
      if (this.behindNow) this.behindSinceSample = true;
      const at = this.now();
      if (at - lastSample >= sampleMs) {
        this.sample(at);
        lastSample = at;
      }
      if (handedOut < schedule.total) await this.sleep(tickMs);
    }
    await this.queue.onIdle();
    this.behindNow = false;
    const endedAt = this.now();
    this.sample(endedAt);
    return {
      startedAt,
      endedAt,
      sent: this.sentRecords,
      samples: this.samples,
      retried: this.retried,
      failed: this.failed,
      errors: [...this.errors],
      aborted: handedOut < schedule.total,
    };
  }

  private startBatch(batch: OutgoingRecord[], retry: RetryOptions): void {
    this.inFlightCount++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlightCount);
    void this.queue.add(async () => {
      try {
        const result = await sendWithRetries(this.options.put, batch, retry);
        this.sentRecords.push(...result.sent);
        this.retried += result.retried;
        this.failed += result.failed;
        for (const e of result.errors) if (this.errors.size < MAX_ERRORS) this.errors.add(e);
      } finally {
        this.inFlightCount--;
      }
    });
  }

  private sample(at: number): void {
    this.samples.push({ at, sent: this.sentRecords.length, behind: this.behindSinceSample });
    this.behindSinceSample = this.behindNow;
  }
}
