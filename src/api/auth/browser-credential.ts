/**
 * The credential of callers that cannot sign: browsers on `/ui` (and people with curl on
 * `/metrics`, `/sluice/v1/*`). HTTP Basic (chosen over a bearer token): every browser
 * asks for it by itself on a 401 with `WWW-Authenticate: Basic`, and automation (the
 * Prometheus `basic_auth` block, Playwright's `httpCredentials`, `curl -u`) sends it too.
 * Only worth having over TLS or on a trusted network: say so in the README.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const BASIC_REALM = 'sluice';

export class BrowserCredential {
  private readonly expected: Buffer;

  constructor(username: string, password: string) {
    this.expected = digest(`${username}:${password}`);
  }

  /** Whether an `Authorization` header carries this credential (compared in constant time). */
  accepts(authorization: string | undefined): boolean {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    if (!match) return false;
    // Digests of equal length, so neither the length nor the content of the secret leaks.
    return timingSafeEqual(digest(Buffer.from(match[1]!, 'base64').toString('utf8')), this.expected);
  }
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether an `Authorization` header is HTTP Basic (rather than a SigV4 signature). */
export const isBasicAuthorization = (authorization: string | undefined) => /^Basic\s/i.test(authorization ?? '');
