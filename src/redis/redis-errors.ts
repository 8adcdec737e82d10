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
  const tls = describeTlsFailure(error);
  if (tls) return `${tls} (${at})`;
  // Redis answered but refused us (e.g. WRONGPASS, NOAUTH): its own words say why.
  return error ? `${error.message} (${at})` : `no answer (${at})`;
}

/** Node's codes for a server certificate it does not trust. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

/**
 * A failed TLS handshake in one line, with the setting that fixes it. OpenSSL's own
 * messages span lines and name its source files; its `reason` says the same in words.
 */
function describeTlsFailure(error: Error | undefined): string | undefined {
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  if (typeof code !== 'string') return undefined;
  if (UNTRUSTED_CERTIFICATE.has(code)) return `the server certificate is not trusted (${error!.message}): set redis.tls.ca to the CA that signed it`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server certificate does not name this host (${error!.message}): connect by a name it lists or set redis.tls.servername`;
  if (code === 'CERT_HAS_EXPIRED') return 'the server certificate has expired';
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return 'the server requires a client certificate: set redis.tls.cert and redis.tls.key';
  if (code.startsWith('ERR_SSL_')) return `TLS handshake failed: ${typeof reason === 'string' ? reason : code}`;
  return undefined;
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
