/**
 * A warning for errors that repeat on every reconnect attempt (BullMQ's connections while
 * Redis is down): the first is logged at once, the repeats as a count once per interval,
 * so an outage is told without flooding the log.
 */
import type { Logger } from '../observability/logger.js';

export const REPEAT_INTERVAL_MS = 30_000;

export function throttledWarning(logger: Logger, message: string, intervalMs = REPEAT_INTERVAL_MS): (error: Error) => void {
  let lastLoggedAt = 0;
  let repeats = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastLoggedAt < intervalMs) {
      repeats++;
      return;
    }
    logger.warn({ err: error, ...(repeats > 0 ? { repeatsSinceLastLog: repeats } : {}) }, message);
    lastLoggedAt = now;
    repeats = 0;
  };
}
