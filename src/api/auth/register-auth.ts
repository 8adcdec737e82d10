/**
 * Who may call which route of the API server (README "Authentication"):
 *
 *   /healthz, /readyz          always open (probes)
 *   Lambda's API, unknown      `sigv4`: a valid signature; `none`: open
 *   /metrics, /sluice/v1/*     `sigv4`: a signature or the browser credential;
 *                              `none`: open. `openMetrics: true` opens /metrics in any mode
 *   /ui (bull-board, its API), the browser credential whenever one is configured;
 *   / (the dashboard page)     `sigv4` without one: refused (never served unauthenticated)
 *
 * Routes are told apart by the route fastify matched, not by the URL text, so no spelling
 * of a path (percent-encoding, trailing slash) reaches a route under another rule.
 * Signatures are checked in `preParsing`: the payload hash needs the body's bytes, and
 * route-level hooks (the PUT route's V1 lookup) run after this global one, so an
 * unauthenticated caller learns nothing about what is stored.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LambdaApiError, requestTooLarge } from '../../mappings/errors.js';
import { MAX_BODY_BYTES } from '../protocol.js';
import { BASIC_REALM, BrowserCredential, isBasicAuthorization } from './browser-credential.js';
import { SigV4Verifier } from './sigv4-verifier.js';

export interface ApiAuthSettings {
  mode?: 'sigv4' | 'none' | undefined;
  keys: Readonly<Record<string, string>>;
  openMetrics: boolean;
  browser: { username?: string | undefined; password?: string | undefined };
}

type RouteKind = 'open' | 'lambda' | 'operator' | 'browser';

const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

function routeKind(route: string | undefined, openMetrics: boolean): RouteKind {
  if (route === undefined) return 'lambda'; // unknown routes: answered 404 only to callers who may call
  if (OPEN_ROUTES.has(route)) return 'open';
  if (route === '/metrics') return openMetrics ? 'open' : 'operator';
  if (route === '/' || route === '/ui' || route.startsWith('/ui/')) return 'browser';
  if (route.startsWith('/sluice/')) return 'operator';
  return 'lambda';
}

export function registerApiAuth(app: FastifyInstance, auth: ApiAuthSettings, region: string): void {
  const { username, password } = auth.browser;
  const browser = username !== undefined && password !== undefined ? new BrowserCredential(username, password) : undefined;
  const verifier = auth.mode === 'sigv4' ? new SigV4Verifier(auth.keys, region) : undefined;
  /** Requests whose signature preParsing must check. */
  const toVerify = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    const kind = routeKind(request.routeOptions.url, auth.openMetrics);
    if (kind === 'open') return;
    const authorization = request.headers.authorization;
    if (kind === 'browser') {
      if (browser) return browser.accepts(authorization) ? undefined : askForBrowserCredential(request, reply);
      if (verifier) return refuseBrowser(request, reply);
      return;
    }
    if (!verifier) return;
    if (kind === 'operator' && browser && isBasicAuthorization(authorization)) {
      return browser.accepts(authorization) ? undefined : askForBrowserCredential(request, reply);
    }
    toVerify.add(request);
  });

  if (!verifier) return;
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!toVerify.has(request)) return payload;
    let body: Buffer | undefined;
    const readBody = async () => (body = await readWhole(payload, request));
    try {
      const accessKeyId = await verifier.verify({ method: request.method, url: request.raw.url ?? '/', headers: request.headers, body: readBody });
      // Not `accessKeyId`: the logger redacts that key everywhere (src/observability/logger.ts);
      // the id a caller claims is no secret and is what an operator needs to see.
      request.log.debug({ callerAccessKeyId: accessKeyId }, 'request signature verified');
    } catch (error) {
      if (error instanceof LambdaApiError && error.status === 403) {
        request.log.warn(
          { method: request.method, url: request.url, remoteAddress: request.ip, errorType: error.type, callerAccessKeyId: accessKeyIdOf(request.headers.authorization), cause: error.message },
          'API request refused: not authenticated',
        );
      }
      throw error;
    }
    // The body was consumed to hash it: the parsers read the same bytes from a new stream.
    const replay = new PassThrough();
    replay.end(body ?? Buffer.alloc(0));
    return replay;
  });
}

async function readWhole(payload: NodeJS.ReadableStream, request: FastifyRequest): Promise<Buffer> {
  // V2a before reading what could never be accepted (the same limit fastify applies: the
  // route's own where it has one, e.g. an invocation's 6 MB payload).
  const limit = request.routeOptions.bodyLimit ?? MAX_BODY_BYTES;
  if (Number(request.headers['content-length'] ?? 0) > limit) throw requestTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > limit) throw requestTooLarge(limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The key id a refused caller claimed (never the secret or the signature), for the log. */
function accessKeyIdOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}

/** 401 with a Basic challenge: the browser asks its user, then retries with the credential. */
function askForBrowserCredential(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (request.headers.authorization) {
    request.log.warn({ method: request.method, url: request.url, remoteAddress: request.ip, cause: 'wrong browser credential' }, 'request refused: not authenticated');
  }
  return reply
    .code(401)
    .header('WWW-Authenticate', `Basic realm="${BASIC_REALM}", charset="UTF-8"`)
    .type('text/plain; charset=utf-8')
    .send('Authentication required: this page needs the browser credential (api.auth.browser.username and password).\n');
}

/** sigv4 mode without a browser credential: browsers cannot sign, so the page is never served. */
function refuseBrowser(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  request.log.warn({ method: request.method, url: request.url, remoteAddress: request.ip, cause: 'no browser credential configured' }, 'request refused: /ui and the dashboard need api.auth.browser');
  return reply
    .code(403)
    .type('text/plain; charset=utf-8')
    .send('Forbidden: api.auth.mode is sigv4 and no browser credential is configured; set api.auth.browser.username and password to open /ui and the dashboard.\n');
}
