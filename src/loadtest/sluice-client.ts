/**
 * The SluiceClient of plan.ts: Sluice's own routes a load test reads, called from outside
 * like any client, signed with SigV4 (service `lambda`) exactly as @aws-sdk/client-lambda
 * signs the Lambda API, so whatever `api.auth` lets the user's Lambda calls through lets
 * these through too.
 *
 *   readTrace   GET /sluice/v1/event-source-mappings/{UUID}/trace (api/trace-routes.ts)
 *   readMetrics GET /metrics (Prometheus text)
 */
import { createSignedFetch, readRefusal } from '../aws/signed-fetch.js';
import type { Endpoints, SluiceClient } from './plan.js';
import type { InvocationTrace } from './run-data.js';

/**
 * Entries per trace read (chosen: the route's default, not its maximum): an entry holds up to
 * BatchSize ids (10 000 for streams), so a page stays a few MB at worst. A reader catching up
 * calls again while full pages come back.
 */
export const TRACE_PAGE = 1000;
const REQUEST_TIMEOUT_MS = 30_000;

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

/** GET of one of Sluice's routes (`path` below the endpoint's own path), signed; the body, or a SluiceClientError. */
export type SignedGet = (path: string, query: Record<string, string>) => Promise<string>;

/** Signed GETs of Sluice's routes (also used by `sluice mappings shards`, src/cli/mappings-command.ts). */
export function createSignedGet(endpoints: Endpoints): SignedGet {
  const signedFetch = createSignedFetch({
    endpoint: endpoints.lambda,
    region: endpoints.region,
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...(endpoints.credentials ? { credentials: endpoints.credentials } : {}),
  });
  return async (path, query) => {
    let response: Response;
    try {
      response = await signedFetch({ method: 'GET', path, query });
    } catch (error) {
      throw new SluiceClientError(`could not reach Sluice at ${endpoints.lambda}: ${(error as Error).message}`, 0);
    }
    const body = await response.text();
    if (!response.ok) throw refusal(path, response, body, endpoints);
    return body;
  };
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
  const { type, message } = readRefusal(response, body);
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
