/**
 * HTTP requests to Sluice's own routes (`/sluice/v1/...`, `/metrics`) signed with SigV4
 * (service `lambda`) exactly as @aws-sdk/client-lambda signs the Lambda API, so whatever
 * `api.auth` lets a user's Lambda calls through lets these through too. Used by the commands
 * that drive Sluice from outside (`sluice loadtest`, `sluice redrive`).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';

export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface SignedFetchOptions {
  /** Sluice's API, e.g. http://127.0.0.1:9070 (a path is kept as the routes' base). */
  endpoint: string;
  region: string;
  /** Static credentials; default the SDK's chain as a Lambda client of that region resolves it. */
  credentials?: Credentials;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export interface SignedRequest {
  method: 'GET' | 'POST';
  /** Below the endpoint's own path, e.g. `/sluice/v1/store`. */
  path: string;
  query?: Record<string, string>;
  body?: string;
}

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the signer takes (smithy `Checksum`). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : ArrayBuffer.isView(secret) ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength) : Buffer.from(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

/**
 * The credentials to sign with: the static ones given, else the SDK's default chain as a
 * Lambda client of that region resolves it (environment, profile, SSO, container,
 * instance...). Taken from a LambdaClient rather than importing
 * @aws-sdk/credential-provider-node (chosen): that package is only a transitive dependency,
 * while the Lambda client is one of ours and resolves the very chain Lambda API calls use.
 */
function credentialSource(options: SignedFetchOptions): () => Promise<Credentials> {
  if (options.credentials) {
    const fixed = options.credentials;
    return async () => fixed;
  }
  const lambda = new LambdaClient({ region: options.region, endpoint: options.endpoint });
  return () => lambda.config.credentials();
}

/** A function sending signed requests to `options.endpoint`; it throws only when Sluice cannot be reached. */
export function createSignedFetch(options: SignedFetchOptions): (request: SignedRequest) => Promise<Response> {
  const base = new URL(options.endpoint);
  const basePath = base.pathname.replace(/\/+$/, '');
  const signer = new SignatureV4({ credentials: credentialSource(options), region: options.region, service: 'lambda', sha256: NodeSha256 });
  const timeoutMs = options.timeoutMs ?? 30_000;
  // No credentials anywhere in the chain: unsigned requests (enough for `api.auth.mode: none`;
  // a Sluice that asks for signatures answers 403 saying so), decided once.
  let canSign = true;
  return async ({ method, path, query = {}, body }) => {
    const fullPath = `${basePath}${path}`;
    const host = base.host;
    const request = {
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path: fullPath,
      query,
      headers: { host, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) } as Record<string, string>,
      ...(body !== undefined ? { body } : {}),
    };
    let headers = request.headers;
    if (canSign) {
      try {
        headers = (await signer.sign(request)).headers;
      } catch {
        canSign = false;
      }
    }
    const search = new URLSearchParams(query).toString();
    const url = `${base.protocol}//${host}${fullPath}${search ? `?${search}` : ''}`;
    const sent = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'host'));
    return fetch(url, { method, headers: sent, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(timeoutMs) });
  };
}

/**
 * What a refused call to Sluice said, from Lambda's error shape (api/error-response.ts): the
 * type from `x-amzn-errortype`, the message from the JSON body (`message` or `Message`),
 * else the start of the body as it came. For every command that calls Sluice's own routes.
 */
export function readRefusal(response: Response, body: string): { type?: string; message: string } {
  const type = response.headers.get('x-amzn-errortype')?.split(':')[0] || undefined;
  let message = body.slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { message?: string; Message?: string };
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // not JSON: the text as it came
  }
  return { ...(type ? { type } : {}), message };
}
