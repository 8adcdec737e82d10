/**
 * What a failed Redis connection or command means, in plain words: one place for the
 * start-up message ("connection refused (host:port)") and for telling "Redis cannot serve
 * now" (the API answers 503) from a bug (500).
 */

/** Why a connection to `host:port` failed, from the socket error ioredis reported. */
export function describeConnectionFailure(error: Error | undefined, host: string, port: number, connectTimeoutMs: number): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const at = `${host}:${port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused (${at})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${host})`;
    case 'ETIMEDOUT':
      return `no answer within ${connectTimeoutMs} ms (${at})`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection reset (${at})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return `host unreachable (${at})`;
  }
  // Redis answered but refused us (e.g. WRONGPASS, NOAUTH): its own words say why.
  return error ? `${error.message} (${at})` : `no answer (${at})`;
}

/** Redis replies that mean "cannot serve now" rather than "this command is wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|MISCONF|READONLY|TRYAGAIN|OOM)\b/;

/** ioredis' own messages for a command that never got an answer. */
const NO_ANSWER = new Map<string, string>([
  ['Command timed out', 'no answer in time'],
  ['Connection is closed.', 'connection closed'],
  ["Stream isn't writeable and enableOfflineQueue options is false", 'not connected'],
]);

/**
 * Whether a command failed because Redis could not serve it (down, frozen, loading, out
 * of memory), as opposed to a fault of Sluice's.
 */
export function isRedisUnavailable(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError' || NO_ANSWER.has(error.message)) return true;
  return error.name === 'ReplyError' && UNAVAILABLE_REPLIES.test(error.message);
}

/** Plain words for an error `isRedisUnavailable` accepted. */
export function describeUnavailable(error: Error): string {
  if (error.name === 'MaxRetriesPerRequestError') return 'connection lost, reconnecting';
  return NO_ANSWER.get(error.message) ?? error.message;
}
