/**
 * Verifies AWS Signature Version 4 on an incoming request as AWS does: the credential
 * scope (date, the configured region, service `lambda`, `aws4_request`), `X-Amz-Date`
 * within 15 minutes of now, the payload hash, and the signature over the canonical
 * request. The expected signature is computed by the SDK's own signer
 * (@smithy/signature-v4): the request is rebuilt from what arrived (method, path as sent,
 * query, the signed headers only, the body bytes) and signed with the caller's secret at
 * the caller's date, so canonicalisation is exactly the SDK's. Only the `Authorization`
 * header form is accepted (chosen): presigned URLs (`X-Amz-Signature` in the query) are
 * no way to call a control-plane API.
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { incompleteSignature, missingAuthentication, invalidSignature, signatureMismatch, unrecognizedClient } from './auth-errors.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'lambda';
/** AWS accepts a request signed up to 15 minutes before or after its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const CONTENT_SHA256 = 'x-amz-content-sha256';

/** What verification needs from a request, as it arrived on the wire. */
export interface IncomingSignedRequest {
  method: string;
  /** The request target as sent: percent-encoded path and raw query string. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Read only once the headers passed (an unknown caller's body is never read). */
  body: () => Promise<Uint8Array>;
}

interface AuthorizationParts {
  accessKeyId: string;
  scope: { date: string; region: string; service: string; terminator: string };
  signedHeaders: string[];
  signature: string;
}

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the signer takes (smithy `Checksum`). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : bytesOf(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

const bytesOf = (data: ArrayBuffer | ArrayBufferView) =>
  ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

export class SigV4Verifier {
  constructor(
    private readonly keys: Readonly<Record<string, string>>,
    private readonly region: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The caller's access key id, or throws the Lambda error AWS would answer with. */
  async verify(request: IncomingSignedRequest): Promise<string> {
    const authorization = header(request.headers, 'authorization');
    if (!authorization) throw missingAuthentication();
    const parts = parseAuthorization(authorization);
    const secret = Object.hasOwn(this.keys, parts.accessKeyId) ? this.keys[parts.accessKeyId] : undefined;
    if (secret === undefined) throw unrecognizedClient();
    // Configured keys are long-term keys: a session token cannot have been issued with one
    // (typically AWS_SESSION_TOKEN left in the caller's environment). AWS refuses it alike.
    if (header(request.headers, 'x-amz-security-token') !== undefined) throw unrecognizedClient();
    const amzDate = header(request.headers, 'x-amz-date');
    if (amzDate === undefined) throw incompleteSignature("Authorization header requires existence of a 'X-Amz-Date' header.");
    const signingDate = parseBasicIsoDate(amzDate);
    this.checkScope(parts, amzDate);
    this.checkClock(signingDate);
    if (!parts.signedHeaders.includes('host')) throw invalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.");

    const body = await request.body();
    const bodyHash = createHash('sha256').update(body).digest('hex');
    // The signer trusts a payload hash header; the body it claims to hash must be this one.
    const claimedHash = header(request.headers, CONTENT_SHA256);
    if (claimedHash !== undefined && claimedHash !== bodyHash) throw signatureMismatch();

    const expected = await this.expectedSignature({ ...request, body }, parts, secret, signingDate);
    const given = Buffer.from(parts.signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw signatureMismatch();
    return parts.accessKeyId;
  }

  private checkScope({ scope }: AuthorizationParts, amzDate: string): void {
    if (scope.date !== amzDate.slice(0, 8)) {
      throw invalidSignature(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      );
    }
    if (scope.region !== this.region) throw invalidSignature(`Credential should be scoped to a valid region, not '${scope.region}'. `);
    if (scope.service !== SERVICE) throw invalidSignature(`Credential should be scoped to correct service: '${SERVICE}'. `);
    if (scope.terminator !== 'aws4_request') throw invalidSignature(`Credential should be scoped with a valid terminator: 'aws4_request', not '${scope.terminator}'. `);
  }

  private checkClock(signingDate: Date): void {
    const now = this.now();
    const at = signingDate.getTime();
    const window = MAX_CLOCK_SKEW_MS / 60_000;
    if (at < now - MAX_CLOCK_SKEW_MS) {
      throw invalidSignature(`Signature expired: ${basicIso(at)} is now earlier than ${basicIso(now - MAX_CLOCK_SKEW_MS)} (${basicIso(now)} - ${window} min.)`);
    }
    if (at > now + MAX_CLOCK_SKEW_MS) {
      throw invalidSignature(`Signature not yet current: ${basicIso(at)} is still later than ${basicIso(now + MAX_CLOCK_SKEW_MS)} (${basicIso(now)} + ${window} min.)`);
    }
  }

  private async expectedSignature(request: Omit<IncomingSignedRequest, 'body'> & { body: Uint8Array }, parts: AuthorizationParts, secret: string, signingDate: Date): Promise<Buffer> {
    const [path = '/', rawQuery = ''] = splitOnce(request.url, '?');
    const headers: Record<string, string> = {};
    for (const name of parts.signedHeaders) {
      const value = header(request.headers, name);
      if (value !== undefined) headers[name] = value;
    }
    const signer = new SignatureV4({
      credentials: { accessKeyId: parts.accessKeyId, secretAccessKey: secret },
      region: parts.scope.region,
      service: SERVICE,
      sha256: NodeSha256,
      // Sign exactly the caller's headers: no x-amz-content-sha256 of the signer's own.
      applyChecksum: false,
    });
    const signed = await signer.sign(
      { method: request.method, protocol: 'http:', hostname: '', path, query: parseQuery(rawQuery), headers, body: request.body },
      // The caller's list wins over the signer's idea of what is signable (e.g. user-agent).
      { signingDate, signableHeaders: new Set(parts.signedHeaders) },
    );
    const signature = /Signature=([0-9a-f]+)$/.exec(String(signed.headers.authorization))?.[1] ?? '';
    return Buffer.from(signature, 'utf8');
  }
}

/** `AWS4-HMAC-SHA256 Credential=<id>/<date>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<hex>` */
function parseAuthorization(value: string): AuthorizationParts {
  const [algorithm = '', rest = ''] = splitOnce(value.trim(), ' ');
  if (algorithm !== ALGORITHM) throw incompleteSignature(`Unsupported authorization type: only ${ALGORITHM} (AWS Signature Version 4) is accepted.`);
  const fields = new Map<string, string>();
  for (const item of rest.split(',')) {
    const [name = '', field] = splitOnce(item.trim(), '=');
    if (field !== undefined) fields.set(name, field);
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !fields.get(name));
  if (missing.length > 0) throw incompleteSignature(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  const credential = fields.get('Credential')!.split('/');
  if (credential.length !== 5) throw incompleteSignature("Credential should be '<access key id>/<date>/<region>/<service>/aws4_request'.");
  const [accessKeyId, date, region, service, terminator] = credential as [string, string, string, string, string];
  return {
    accessKeyId,
    scope: { date, region, service, terminator },
    signedHeaders: fields.get('SignedHeaders')!.toLowerCase().split(';'),
    signature: fields.get('Signature')!,
  };
}

/** `20261205T163000Z` */
function parseBasicIsoDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${value}'.`);
  const [, year, month, day, hour, minute, second] = match.map<number>(Number);
  return new Date(Date.UTC(year!, month! - 1, day, hour, minute, second));
}

const basicIso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}

/**
 * The raw query as the signer's map (it re-encodes and sorts). Decoded without turning
 * `+` into a space: SDKs encode spaces as %20, and a literal `+` is signed as `%2B`.
 */
function parseQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const [name = '', value = ''] = splitOnce(pair, '=').map((part) => decode(part ?? '')) as [string, string];
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component; // not decodable: signed as sent, so the signature will not match
  }
}
