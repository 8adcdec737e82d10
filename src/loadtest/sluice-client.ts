/**
 * The SluiceClient of plan.ts: Sluice's own routes a load test reads, called from outside
 * like any client, signed with SigV4 (service `lambda`) exactly as @aws-sdk/client-lambda
 * signs the Lambda API, so whatever `api.auth` lets the user's Lambda calls through lets
 * these through too.
 *
 *   readTrace   GET /sluice/v1/event-source-mappings/{UUID}/trace (api/trace-routes.ts)
 *   readMetrics GET /metrics (Prometheus text)
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Endpoints, SluiceClient } from './plan.js';
import type { InvocationTrace } from './run-data.js';

/**
 * Entries per trace read (chosen: the route's default, not its maximum): an entry holds up to
 * BatchSize ids (10 000 for streams), so a page stays a few MB at worst. A reader catching up
 * calls again while full pages come back.
 */
export const TRACE_PAGE = 1000;
const REQUEST_TIMEOUT_MS = 30_000;

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
type CredentialSource = () => Promise<Credentials>;

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

/** A refused or failed call to Sluice, with what to do about it. */
export class SluiceClientError extends Error {
  override name = 'SluiceClientError';
  constructor(
    message: string,
    readonly status: number,
    readonly errorType?: string,
  ) {
    super(message);
  }
}

/**
 * The credentials to sign with: the endpoints' static ones (the sandbox's), else the SDK's
 * default chain as a Lambda client of that region resolves it (environment, profile, SSO,
 * container, instance...). Taken from a LambdaClient rather than importing
 * @aws-sdk/credential-provider-node (chosen): that package is only a transitive dependency,
 * while the Lambda client is one of ours and resolves the very chain the run's own Lambda
 * calls use.
 */
function credentialSource(endpoints: Endpoints): CredentialSource {
  if (endpoints.credentials) {
    const fixed = endpoints.credentials;
    return async () => fixed;
  }
  const lambda = new LambdaClient({ region: endpoints.region, endpoint: endpoints.lambda });
  return () => lambda.config.credentials();
}

/** GET of one of Sluice's routes (`path` below the endpoint's own path), signed; the body, or a SluiceClientError. */
export type SignedGet = (path: string, query: Record<string, string>) => Promise<string>;

/** Signed GETs of Sluice's routes (also used by `sluice mappings`, src/cli/mappings-command.ts). */
export function createSignedGet(endpoints: Endpoints): SignedGet {
  const base = new URL(endpoints.lambda);
  const basePath = base.pathname.replace(/\/+$/, '');
  const credentials = credentialSource(endpoints);
  const signer = new SignatureV4({ credentials, region: endpoints.region, service: 'lambda', sha256: NodeSha256 });

  /** The body of a signed GET of `path` (below the endpoint's own path), or a SluiceClientError. */
  async function get(path: string, query: Record<string, string>): Promise<string> {
    const fullPath = `${basePath}${path}`;
    const host = base.host;
    const signed = await signer.sign({
      method: 'GET',
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path: fullPath,
      query,
      headers: { host },
    });
    const search = new URLSearchParams(query).toString();
    const url = `${base.protocol}//${host}${fullPath}${search ? `?${search}` : ''}`;
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'host'));
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new SluiceClientError(`could not reach Sluice at ${endpoints.lambda}: ${(error as Error).message}`, 0);
    }
    const body = await response.text();
    if (!response.ok) throw refusal(path, response, body, endpoints);
    return body;
  }
  return get;
}

export function createSluiceClient(endpoints: Endpoints): SluiceClient {
  const get = createSignedGet(endpoints);
  return {
    async readTrace(mappingUuid: string, cursor?: string): Promise<{ entries: InvocationTrace[]; cursor: string | undefined }> {
      const query: Record<string, string> = { limit: String(TRACE_PAGE) };
      if (cursor !== undefined) query.cursor = cursor;
      const body = await get(`/sluice/v1/event-source-mappings/${encodeURIComponent(mappingUuid)}/trace`, query);
      const page = JSON.parse(body) as { Entries?: InvocationTrace[]; NextCursor?: string | null };
      return { entries: page.Entries ?? [], cursor: page.NextCursor ?? cursor };
    },
    async readMetrics(): Promise<string> {
      return get('/metrics', {});
    },
  };
}

/** What a refused call means, in words a load-test user can act on. */
function refusal(path: string, response: Response, body: string, endpoints: Endpoints): SluiceClientError {
  const type = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? undefined;
  let message = body.slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { message?: string; Message?: string };
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // not JSON: the text as it came
  }
  const what = `GET ${path} at ${endpoints.lambda} answered ${response.status}${type ? ` ${type}` : ''}: ${message}`;
  if (response.status === 401 || response.status === 403) {
    return new SluiceClientError(
      `${what}. Sluice refused the credentials: sign with a key its api.auth.keys lists (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile), in region ${endpoints.region}.`,
      response.status,
      type,
    );
  }
  if (response.status === 404) {
    const hint =
      type === 'ResourceNotFoundException'
        ? 'the mapping does not exist (deleted, or created on another Sluice)'
        : 'this endpoint has no such route: is it a Sluice recent enough to serve invocation traces, and is /metrics enabled?';
    return new SluiceClientError(`${what}. ${hint}`, 404, type);
  }
  return new SluiceClientError(what, response.status, type);
}
