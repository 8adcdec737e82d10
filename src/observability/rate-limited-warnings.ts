/**
 * Warnings that repeat, logged without flooding: a broken target or an unreachable source
 * fails on every retry, and one line per failure would bury everything else. Per key (a
 * mapping and a cause), the first occurrence is logged at once; later ones within the
 * interval are only counted, and when the interval ends one line says how many there were
 * ("... (57 more times in the last 60 s)"). An interval without repeats ends the episode:
 * the next occurrence is again logged at once.
 */
import type { Logger } from './logger.js';

export const DEFAULT_WARNING_INTERVAL_MS = 60_000;

export type WarningLevel = 'warn' | 'error';

export interface RateLimitedWarning {
  /** What makes two occurrences "the same": e.g. mapping UUID and cause. */
  key: string;
  /** Structured fields of the line (the latest occurrence's go into the count line). */
  fields: Record<string, unknown>;
  message: string;
  /** Where the line goes; by default the logger the instance was made with. */
  logger?: Logger;
  /** Default `warn`. */
  level?: WarningLevel;
  /** The mapping it is about: its written lines go to `onLogged` (the dashboard's recent failures). */
  mappingId?: string;
}

/** A line as written: the first occurrence (`repeats` 0) or an interval's count line. */
export interface LoggedWarning {
  mappingId?: string;
  level: WarningLevel;
  fields: Record<string, unknown>;
  message: string;
  repeats: number;
}

export interface RateLimitedWarningsOptions {
  intervalMs?: number;
  /** Told every line written (not the occurrences only counted), e.g. observability/activity.ts. */
  onLogged?: (line: LoggedWarning) => void;
}

interface Episode {
  /** Occurrences since the last line was written. */
  repeats: number;
  latest: Required<Omit<RateLimitedWarning, 'key' | 'mappingId'>> & { mappingId?: string };
  timer: NodeJS.Timeout;
  /** Epoch ms the current interval began. */
  since: number;
}

export class RateLimitedWarnings {
  private readonly episodes = new Map<string, Episode>();
  private readonly intervalMs: number;

  private readonly onLogged?: (line: LoggedWarning) => void;

  constructor(
    private readonly logger: Logger,
    options: RateLimitedWarningsOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_WARNING_INTERVAL_MS;
    if (options.onLogged) this.onLogged = options.onLogged;
  }

  /** Logs the warning now if its key is quiet, else counts it for the interval's count line. */
  warn(warning: RateLimitedWarning): void {
    const latest = {
      fields: warning.fields,
      message: warning.message,
      logger: warning.logger ?? this.logger,
      level: warning.level ?? 'warn',
      ...(warning.mappingId !== undefined ? { mappingId: warning.mappingId } : {}),
    };
    const episode = this.episodes.get(warning.key);
    if (episode) {
      episode.repeats++;
      episode.latest = latest;
      return;
    }
    latest.logger[latest.level](latest.fields, latest.message);
    this.tell(latest, latest.message, 0);
    this.episodes.set(warning.key, { repeats: 0, latest, timer: this.startInterval(warning.key), since: Date.now() });
  }

  /** Writes the count lines still pending and forgets every key (a poller stops). */
  close(): void {
    for (const [key, episode] of this.episodes) {
      clearTimeout(episode.timer);
      this.writeRepeats(episode);
      this.episodes.delete(key);
    }
  }

  private startInterval(key: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.endInterval(key), this.intervalMs);
    // A pending count line must not keep a stopping process alive.
    timer.unref();
    return timer;
  }

  private endInterval(key: string): void {
    const episode = this.episodes.get(key);
    if (!episode) return;
    if (episode.repeats === 0) {
      this.episodes.delete(key);
      return;
    }
    this.writeRepeats(episode);
    episode.repeats = 0;
    episode.timer = this.startInterval(key);
    episode.since = Date.now();
  }

  private writeRepeats(episode: Episode): void {
    if (episode.repeats === 0) return;
    const { logger, level, fields, message } = episode.latest;
    // The interval's length, or less when close() cuts it short.
    const seconds = Math.max(1, Math.round(Math.min(this.intervalMs, Date.now() - episode.since) / 1000));
    const line = `${message} (${episode.repeats} more ${episode.repeats === 1 ? 'time' : 'times'} in the last ${seconds} s)`;
    logger[level]({ ...fields, repeats: episode.repeats }, line);
    this.tell(episode.latest, line, episode.repeats);
  }

  private tell(latest: Episode['latest'], message: string, repeats: number): void {
    if (!this.onLogged) return;
    try {
      this.onLogged({ ...(latest.mappingId !== undefined ? { mappingId: latest.mappingId } : {}), level: latest.level, fields: latest.fields, message, repeats });
    } catch (error) {
      // A listener's failure must not stop the warning itself (it was written above).
      latest.logger.error({ err: error }, 'recording a warning failed');
    }
  }
}

/**
 * An `error` listener for errors that repeat on every reconnect attempt (BullMQ's
 * connections while Redis is down): the outage is told once, then counted.
 */
export function rateLimitedErrorListener(warnings: RateLimitedWarnings, message: string): (error: Error) => void {
  return (error) => warnings.warn({ key: message, fields: { err: error }, message });
}
