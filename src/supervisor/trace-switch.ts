/**
 * The invocation trace of one mapping in this process (mappings/invocation-trace.ts): on
 * while the mapping's `sluice:trace` tag holds a capacity. The supervisor sets `capacity`
 * when the mapping's runner starts and at every change notification of the mapping (a
 * TagResource or UntagResource of the tag sends one), so the pollers, which read it at every
 * attempt, follow the tag without a restart.
 */
import type { TraceEntry } from '../mappings/invocation-trace.js';
import type { TraceStore } from '../mappings/trace-store.js';
import type { Logger } from '../observability/logger.js';
import { RateLimitedWarnings } from '../observability/rate-limited-warnings.js';
import type { AttemptTracer } from '../sources/invocation-attempts.js';

export class TraceSwitch implements AttemptTracer {
  /** Entries to keep; undefined: the mapping is not traced. */
  capacity: number | undefined;
  private readonly warnings: RateLimitedWarnings;

  constructor(
    private readonly store: Pick<TraceStore, 'append'>,
    private readonly mappingId: string,
    logger: Logger,
  ) {
    this.warnings = new RateLimitedWarnings(logger);
  }

  /**
   * Writes without waiting: the trace is a measurement, and a batch never waits for it nor
   * fails because of it (chosen); a failed write is warned about, once a minute at most.
   */
  append(capacity: number, entry: TraceEntry): void {
    this.store.append(this.mappingId, capacity, entry).catch((error: unknown) =>
      this.warnings.warn({
        key: `${this.mappingId}|trace`,
        fields: { mappingId: this.mappingId, err: error },
        message: `could not append to the invocation trace of mapping ${this.mappingId}: ${(error as Error).message}; the trace misses this attempt`,
      }),
    );
  }

  /** Writes the count lines still pending (the mapping's runner stops). */
  close(): void {
    this.warnings.close();
  }
}
