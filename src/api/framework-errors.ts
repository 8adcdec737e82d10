/**
 * Answers for requests no operation gets to read: what Node's HTTP parser refuses
 * (`clientError`: malformed HTTP, headers too large, a request that does not arrive in
 * time), paths the router cannot decode or that are too long for it, unknown routes, and
 * bodies fastify refuses. Each leaves in Lambda's error shape (api.md §8) with an
 * `x-amzn-RequestId`, never as a framework's own reply.
 *
 * Error types and statuses here are chosen where the spec is silent: a request Lambda's
 * operations cannot read is `InvalidRequestContentException` ("the request body could not
 * be parsed as JSON, or a request header is invalid", Lambda's own description), at the
 * HTTP status that says why (400, 408, 417, 431); an invalid Content-Type is Lambda's
 * `UnsupportedMediaTypeException` (415); an unknown route `UnknownOperationException` (404).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LambdaApiError, invalidRequestContent, mappingNotFound, requestTooLarge } from '../mappings/errors.js';
import { notATaggableResource } from '../mappings/tag-service.js';
import type { Logger } from '../observability/logger.js';
import { lambdaErrorBody, sendLambdaError } from './error-response.js';
import { ESM_PATH, MAX_BODY_BYTES, TAGS_PATH } from './protocol.js';

const malformedRequest = (detail: string, status = 400) => new LambdaApiError('InvalidRequestContentException', `Malformed HTTP request: ${detail}`, status);

const unknownOperation = (method: string, path: string) => new LambdaApiError('UnknownOperationException', `Unknown operation ${method} ${path}`);

/**
 * The error for a path the router could not take apart (bad percent-encoding, a `{UUID}`
 * longer than the router allows), as the operation it names would have answered: a
 * mapping id that cannot exist is V1, a tag resource that cannot be an ARN is V47.
 */
export function unroutablePathError(method: string, url: string): LambdaApiError {
  const path = url.split('?')[0]!;
  const segment = (prefix: string) => (path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined);
  const uuid = segment(ESM_PATH);
  if (uuid !== undefined && !uuid.includes('/') && ['GET', 'HEAD', 'PUT', 'DELETE'].includes(method)) return mappingNotFound();
  const arn = segment(TAGS_PATH);
  if (arn !== undefined && ['GET', 'HEAD', 'POST', 'DELETE'].includes(method)) return notATaggableResource(arn);
  return unknownOperation(method, path);
}

/** fastify `frameworkErrors`: FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH (and async constraint errors, unused). */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // onRequest hooks do not run for these requests: the request id is set here.
  reply.header('x-amzn-RequestId', request.id);
  request.log.info({ code: error.code, url: request.url }, 'request path not routable');
  void sendLambdaError(reply, unroutablePathError(request.method, request.url));
}

export function answerNotFound(request: FastifyRequest, reply: FastifyReply): void {
  void sendLambdaError(reply, unknownOperation(request.method, request.url.split('?')[0]!));
}

/**
 * Errors fastify raises while reading a body, as Lambda errors; undefined for anything
 * else (a bug: the caller answers ServiceException).
 */
export function lambdaErrorForFastifyError(error: FastifyError): LambdaApiError | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return requestTooLarge(MAX_BODY_BYTES);
  if (error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return invalidRequestContent('invalid Content-Length');
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new LambdaApiError('UnsupportedMediaTypeException', 'The Content-Type header is not a valid media type.');
  const status = error.statusCode ?? 0;
  if (status >= 400 && status < 500) return malformedRequest(error.message, status);
  return undefined;
}

/** The answer to a request Node's HTTP server could not parse or did not receive in time. */
export function clientErrorAnswer(error: NodeJS.ErrnoException & { reason?: string }, requestTimeoutMs: number): LambdaApiError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new LambdaApiError('RequestTimeoutException', `The request did not arrive in full within ${requestTimeoutMs} ms.`);
    case 'HPE_HEADER_OVERFLOW':
      return new LambdaApiError('RequestTooLargeException', `Request line and headers must be smaller than ${http.maxHeaderSize} bytes.`, 431);
    default:
      return malformedRequest(error.reason ?? error.message);
  }
}

/** A whole HTTP answer, for sockets no fastify reply exists on. */
export function rawErrorResponse(error: LambdaApiError, requestId: string = randomUUID()): string {
  const body = lambdaErrorBody(error);
  return (
    `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `x-amzn-RequestId: ${requestId}\r\nx-amzn-ErrorType: ${error.type}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * fastify `clientErrorHandler` (Node's `clientError`): answers in Lambda's shape, then
 * drops the connection. As Node's own handler does, nothing is written once an answer
 * on this socket has begun, so the peer never sees two interleaved responses.
 */
export function createClientErrorHandler(logger: Logger, requestTimeoutMs: number) {
  return (error: NodeJS.ErrnoException & { reason?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = clientErrorAnswer(error, requestTimeoutMs);
    const level = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'warn' : 'info';
    logger[level]({ code: error.code, status: answer.status, remoteAddress: socket.remoteAddress, cause: answer.message }, 'request refused before routing');
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) socket.write(rawErrorResponse(answer));
    socket.destroy(error);
  };
}

/**
 * `Expect` other than `100-continue`: Node would answer a bare 417 itself (RFC 9110 lets
 * a server refuse expectations it does not support).
 */
export function answerUnsupportedExpectation(request: http.IncomingMessage, response: http.ServerResponse): void {
  const error = malformedRequest(`unsupported Expect header '${String(request.headers.expect)}'`, 417);
  response.writeHead(error.status, { 'content-type': 'application/json', 'x-amzn-RequestId': randomUUID(), 'x-amzn-ErrorType': error.type, connection: 'close' });
  response.end(lambdaErrorBody(error));
}
