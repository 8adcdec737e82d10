/**
 * Seeded generator of malformed requests to Sluice's Lambda API, as raw HTTP/1.1 bytes:
 * random methods, mangled routes (UUIDs, ARNs, percent-encoding, long segments), broken
 * headers and framing (bad or lying Content-Length, chunked garbage, huge headers), and
 * bodies a JSON parser or validator may choke on (deep nesting, `__proto__`, wrong types,
 * huge numbers, invalid UTF-8, truncated JSON).
 *
 *   const cases = generateFuzzCases(seed, 1000, { queueArn, mappingUuid, mappingArn });
 *
 * The same seed gives the same cases, so a failing run replays. Emulator-free.
 */
import { randomBytes } from 'node:crypto';

/** What valid routes look like in this Sluice: an existing queue and mapping to aim at. */
export interface FuzzTargets {
  queueArn: string;
  mappingUuid: string;
  mappingArn: string;
}

export interface FuzzCase {
  /** e.g. `#17 body:deep-array PUT /2015-03-31/...`: enough to find the generator branch. */
  label: string;
  method: string;
  request: Buffer;
  /** The request announces bytes it never sends: only the server's timeout ends it. */
  stalls: boolean;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  constructor(private readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  /** Deterministic bytes (crypto's randomBytes is not seeded). */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
  uuid(): string {
    const hex = () => this.int(0, 15).toString(16);
    const group = (n: number) => Array.from({ length: n }, hex).join('');
    return `${group(8)}-${group(4)}-4${group(3)}-${this.pick(['8', '9', 'a', 'b'])}${group(3)}-${group(12)}`;
  }
}

const ESM = '/2015-03-31/event-source-mappings';
const TAGS = '/2017-03-31/tags';

interface RawParts {
  method: string;
  target: string;
  headers?: [string, string][];
  body?: Buffer;
  /** `auto`: the body's length; `none`: no Content-Length; otherwise the values sent as is. */
  contentLength?: 'auto' | 'none' | string[];
  version?: string;
  /** Bytes after the head, instead of `body` (framing cases). */
  rawBody?: Buffer;
}

function rawRequest(parts: RawParts): Buffer {
  const lines = [`${parts.method} ${parts.target} ${parts.version ?? 'HTTP/1.1'}`];
  const headers = parts.headers ?? [];
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) lines.push('Host: 127.0.0.1');
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const body = parts.body ?? Buffer.alloc(0);
  const contentLength = parts.contentLength ?? (body.length > 0 ? 'auto' : 'none');
  if (contentLength === 'auto') lines.push(`Content-Length: ${body.length}`);
  else if (contentLength !== 'none') for (const value of contentLength) lines.push(`Content-Length: ${value}`);
  lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), parts.rawBody ?? body]);
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const text = (value: string) => Buffer.from(value, 'utf8');

/** Bodies a JSON parser, the null-stripping walk or the validator may choke on. */
function bodyGenerators(r: Random, t: FuzzTargets): [string, () => Buffer][] {
  const valid = () => ({ FunctionName: 'my-function', EventSourceArn: t.queueArn, Enabled: false });
  const deep = (depth: number, open: string, close: string, leaf = '1') => `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
  const deepValue = () => {
    const depth = r.pick([500, 1_000, 10_000, 50_000, 200_000]);
    return r.chance(0.5) ? deep(depth, '[', ']') : deep(depth, '{"a":', '}', r.pick(['1', 'null', '[]']));
  };
  const fields = [
    'FunctionName', 'EventSourceArn', 'Enabled', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'StartingPosition',
    'StartingPositionTimestamp', 'ParallelizationFactor', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds',
    'BisectBatchOnFunctionError', 'TumblingWindowInSeconds', 'DestinationConfig', 'FunctionResponseTypes', 'FilterCriteria',
    'ScalingConfig', 'ProvisionedPollerConfig', 'KMSKeyArn', 'MetricsConfig', 'Tags', 'Topics', 'SelfManagedEventSource',
  ];
  const oddValues: unknown[] = [
    '10', 'yes', true, false, null, [], {}, [null], [1, 2], { Filters: {} }, { Filters: [{ Pattern: {} }] }, { OnFailure: [] },
    1.5, -1, 0, 2 ** 53 + 1, -(2 ** 31) - 1, 1e308, '', 'x'.repeat(5_000), { MaximumConcurrency: '2' }, { a: { b: { c: {} } } },
  ];
  const hugeNumbers = ['1e400', '-1e400', '123456789012345678901234567890', '1e-400', '-0', '1.0000000000000002', '9007199254740993', '0x10', 'NaN', 'Infinity'];
  return [
    ['deep-body', () => text(deepValue())],
    ['deep-member', () => text(`{"FunctionName":"my-function","EventSourceArn":"${t.queueArn}","${r.pick(fields)}":${deepValue()}}`)],
    ['deep-filter', () => text(`{"FilterCriteria":{"Filters":[{"Pattern":"{}","x":${deepValue()}}]}}`)],
    ['deep-nulls', () => text(deep(r.pick([1_000, 20_000, 100_000]), '{"a":null,"b":', '}', 'null'))],
    ['proto', () => text(`{"__proto__":{"${r.pick(fields)}":${JSON.stringify(r.pick(oddValues))}},"FunctionName":"my-function","EventSourceArn":"${t.queueArn}"}`)],
    ['proto-nested', () => text(`{"${r.pick(['FilterCriteria', 'DestinationConfig', 'ScalingConfig', 'Tags'])}":{"__proto__":{"Filters":5,"OnFailure":1,"MaximumConcurrency":0,"x":1}}}`)],
    ['constructor', () => text(`{"constructor":{"prototype":{"BatchSize":0}},"FunctionName":"my-function"}`)],
    ['wrong-type', () => json({ ...valid(), [r.pick(fields)]: r.pick(oddValues) })],
    ['many-wrong-types', () => json(Object.fromEntries(fields.map((f) => [f, r.pick(oddValues)])))],
    ['huge-number', () => text(`{"FunctionName":"my-function","EventSourceArn":"${t.queueArn}","${r.pick(['BatchSize', 'StartingPositionTimestamp', 'MaximumRetryAttempts', 'ParallelizationFactor'])}":${r.pick(hugeNumbers)}}`)],
    ['invalid-utf8', () => Buffer.concat([text('{"FunctionName":"my-'), r.pick([Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), r.bytes(r.int(1, 50))]), text(`","EventSourceArn":"${t.queueArn}"}`)])],
    ['lone-surrogate', () => text(`{"FunctionName":"my-\\ud800","Tags":{"\\udfff":"\\ud83d"}}`)],
    ['truncated', () => { const full = JSON.stringify({ ...valid(), BatchSize: 5, FilterCriteria: { Filters: [{ Pattern: '{"body":{"a":["b"]}}' }] }, Tags: { a: 'b' } }); return text(full.slice(0, r.int(0, full.length - 1))); }],
    ['not-an-object', () => text(r.pick(['', ' ', 'null', 'true', '1', '"str"', '[]', '[{}]', '{}', '\ufeff{}', '{}{}', '{"a":1}garbage', '\u0000', '{"a":1,}', "{'a':1}", '{a:1}']))],
    ['random-bytes', () => r.bytes(r.int(1, 2_000))],
    ['too-large', () => text(`{"FunctionName":"${'x'.repeat(r.int(1_048_560, 1_100_000))}"}`)],
    ['many-keys', () => json(Object.fromEntries(Array.from({ length: r.int(1_000, 60_000) }, (_, i) => [`k${i}`, i])))],
    ['many-tags', () => json({ ...valid(), Tags: Object.fromEntries(Array.from({ length: r.int(40, 5_000) }, (_, i) => [`k${i}`, 'v'])) })],
    ['many-filters', () => json({ ...valid(), FilterCriteria: { Filters: Array.from({ length: r.int(4, 10_000) }, () => ({ Pattern: '{"body":{"a":["b"]}}' })) } })],
    ['odd-pattern', () => json({ ...valid(), FilterCriteria: { Filters: [{ Pattern: r.pick(['{"__proto__":{"a":["b"]}}', deep(5_000, '{"a":', '}', '["b"]'), '{"body":{"a":[{"numeric":[">",1e400]}]}}', '{"a":[{"prefix":{}}]}', '[]', 'x'.repeat(5_000)]) }] } })],
    ['duplicate-keys', () => text(`{"BatchSize":1,"BatchSize":"x","FunctionName":"my-function","FunctionName":null,"EventSourceArn":"${t.queueArn}"}`)],
    ['long-strings', () => json({ FunctionName: 'f'.repeat(r.int(65, 200_000)), EventSourceArn: `arn:aws:sqs:us-east-1:123456789012:${'q'.repeat(r.int(1, 100_000))}`, KMSKeyArn: 'k'.repeat(r.int(0, 10_000)) })],
    ['valid', () => json({ ...valid(), BatchSize: r.int(-5, 20_000), MaximumBatchingWindowInSeconds: r.int(-1, 400) })],
  ];
}

/** Path segments for `{UUID}` and `{ARN}` that a router or decoder may choke on. */
function mangledSegments(r: Random, t: FuzzTargets): string[] {
  return [
    t.mappingUuid,
    t.mappingUuid.toUpperCase(),
    r.uuid(),
    'x'.repeat(r.int(99, 120)),
    'a'.repeat(r.int(200, 6_000)),
    '%', '%2', '%zz', '%25', '%25E0', '%E0%A4%A', '%00', '%FF', '%C0%AF', '%ED%A0%80', '%2F', '%2e%2e', '..', '.',
    `${t.mappingUuid}%00`, `${t.mappingUuid}/extra/segments`, `${t.mappingUuid};x=1`, `${t.mappingUuid}%`,
    encodeURIComponent(t.mappingArn),
    t.mappingArn,
    `${encodeURIComponent(t.mappingArn)}%3Aalias`,
    encodeURIComponent(encodeURIComponent(t.mappingArn)),
    encodeURIComponent(`arn:aws:lambda:us-east-1:123456789012:function:${'f'.repeat(r.int(1, 3_000))}`),
    encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:layer:my-layer'),
    encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp-1'),
    encodeURIComponent(t.mappingArn.toUpperCase()),
    `arn%3Aaws%3Alambda%3A${'%zz'.repeat(r.int(1, 50))}`,
    '\u00e9\u4e2d',
    '%F0%9F%92%A9',
  ];
}

function queries(r: Random): string[] {
  return [
    '', '?', '?MaxItems=0', '?MaxItems=abc', '?MaxItems=1e5', '?MaxItems=-1', '?MaxItems=99999999999999999999', '?MaxItems=1&MaxItems=2',
    '?Marker=%ZZ', '?Marker=garbage', `?Marker=${'A'.repeat(r.int(1, 6_000))}`, '?FunctionName=%', '?EventSourceArn=%E0',
    `?tagKeys=${Array.from({ length: r.int(1, 1_000) }, (_, i) => `k${i}`).join('&tagKeys=')}`, '?a[b][c]=1', '?__proto__[x]=1', '?=&&=',
  ];
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'FOO', 'get', 'PROPFIND', 'M-SEARCH'];

function routes(r: Random, t: FuzzTargets): string[] {
  const segment = r.pick(mangledSegments(r, t));
  return [
    `${ESM}/${segment}`,
    `${ESM}/${segment}`,
    `${TAGS}/${segment}`,
    `${TAGS}/${segment}`,
    `${ESM}${r.pick(['', '/'])}`,
    `${ESM}//${segment}`,
    `${ESM}/${t.mappingUuid}/${segment}`,
    `/2015-03-31/functions/${segment}`,
    `/${segment}`,
    '/',
    '*',
    `http://127.0.0.1${ESM}/${t.mappingUuid}`,
    `/${'p'.repeat(r.int(5_000, 20_000))}`,
    `${TAGS}`,
    `${TAGS}/`,
  ];
}

function headerSets(r: Random): [string, [string, string][]][] {
  return [
    ['content-type', [['Content-Type', r.pick(['application/json', 'text/plain', 'application/x-amz-json-1.1', 'application/json; charset=utf-16', ';;;', '', 'multipart/form-data; boundary=x', '*/*', 'application/json; charset="', 'a'.repeat(3_000)])]]],
    ['huge-header', [['X-Big', 'b'.repeat(r.int(17_000, 70_000))]]],
    ['many-headers', Array.from({ length: r.int(200, 3_000) }, (_, i) => [`X-H${i}`, 'v'] as [string, string])],
    ['duplicate-headers', [['Content-Type', 'application/json'], ['Content-Type', 'text/plain'], ['X-Amz-Date', 'a'], ['X-Amz-Date', 'b'], ['Authorization', 'x'], ['Authorization', 'y']]],
    ['bad-header-name', [[r.pick(['Bad Header', 'X-\u0001', '(x)', 'é', ':']), 'v']]],
    ['bad-header-value', [['X-Value', r.pick(['a\u0000b', 'a\u007fb', 'é\u00ff'])]]],
    ['folded-header', [['X-Folded', 'a\r\n b']]],
    ['expect', [['Expect', r.pick(['100-continue', 'garbage', '200-ok'])]]],
    ['no-host', [['Host', '']]],
    ['transfer-encoding', [['Transfer-Encoding', r.pick(['gzip', 'chunked, gzip', 'identity', 'x'])]]],
    ['content-encoding', [['Content-Encoding', r.pick(['gzip', 'br', 'deflate'])]]],
    ['request-id', [['x-amzn-RequestId', r.pick(['', 'x'.repeat(5_000), '../../etc'])]]],
    ['auth', [['Authorization', `AWS4-HMAC-SHA256 ${'x'.repeat(r.int(0, 8_000))}`]]],
  ];
}

/** Requests whose framing lies: Content-Length, chunks, a head or body that never ends. */
function framingCases(r: Random, target: string, body: Buffer): [string, RawParts, boolean][] {
  return [
    ['cl-short-body', { method: 'POST', target, contentLength: [String(body.length + r.int(1, 5_000))], body }, true],
    ['cl-long-body', { method: 'POST', target, contentLength: [String(Math.max(0, body.length - r.int(1, 5)))], body }, false],
    ['cl-invalid', { method: 'POST', target, contentLength: [r.pick(['-1', 'abc', '1e3', '0x10', '99999999999999999999', ' ', '5, 5', '+5'])], body }, false],
    ['cl-duplicate', { method: 'PUT', target, contentLength: [String(body.length), String(body.length + 1)], body }, false],
    ['chunked', { method: 'POST', target, headers: [['Transfer-Encoding', 'chunked']], contentLength: 'none', rawBody: Buffer.from(`${body.length.toString(16)}\r\n${body.toString('latin1')}\r\n0\r\n\r\n`, 'latin1') }, false],
    ['chunked-garbage', { method: 'POST', target, headers: [['Transfer-Encoding', 'chunked']], contentLength: 'none', rawBody: Buffer.from(r.pick(['zz\r\nabc\r\n0\r\n\r\n', '5\r\nab\r\n0\r\n\r\n', 'ffffffffffffffff\r\n', '-1\r\n\r\n'])) }, false],
    ['chunked-unfinished', { method: 'POST', target, headers: [['Transfer-Encoding', 'chunked']], contentLength: 'none', rawBody: Buffer.from('5\r\nabcde\r\n') }, true],
    ['te-and-cl', { method: 'POST', target, headers: [['Transfer-Encoding', 'chunked']], contentLength: [String(body.length)], rawBody: Buffer.from(`0\r\n\r\n`) }, false],
    ['http-version', { method: 'GET', target, version: r.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTX/1.1', '']) }, false],
  ];
}

/** `count` malformed requests aimed at Sluice's routes, the same for the same seed. */
export function generateFuzzCases(seed: number, count: number, targets: FuzzTargets): FuzzCase[] {
  const r = new Random(mulberry32(seed));
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r.pick(['route', 'route', 'header', 'body', 'body', 'body', 'framing'] as const);
    const bodyTarget = r.pick([`${ESM}/`, `${ESM}/${targets.mappingUuid}`, `${TAGS}/${encodeURIComponent(targets.mappingArn)}`]);
    const bodyMethod = bodyTarget.startsWith(TAGS) ? 'POST' : bodyTarget.endsWith('/') ? 'POST' : 'PUT';
    const [bodyName, makeBody] = r.pick(bodyGenerators(r, targets));
    let label: string;
    let parts: RawParts;
    let stalls = false;
    if (kind === 'route') {
      const method = r.pick(METHODS);
      const target = `${r.pick(routes(r, targets))}${r.pick(queries(r))}`;
      parts = { method, target, body: r.chance(0.3) ? makeBody() : undefined };
      label = `route ${method} ${target.slice(0, 120)}`;
    } else if (kind === 'header') {
      const [name, headers] = r.pick(headerSets(r));
      const method = r.pick(['GET', 'POST', 'PUT', 'DELETE']);
      const target = method === 'POST' ? bodyTarget : r.pick(routes(r, targets));
      parts = { method, target, headers, body: method === 'POST' || method === 'PUT' ? makeBody() : undefined };
      label = `header:${name} ${method} ${target.slice(0, 120)}`;
    } else if (kind === 'body') {
      parts = { method: bodyMethod, target: bodyTarget, headers: r.chance(0.8) ? [['Content-Type', 'application/json']] : [], body: makeBody() };
      label = `body:${bodyName} ${bodyMethod} ${bodyTarget}`;
    } else {
      const [name, framed, stall] = r.pick(framingCases(r, bodyTarget, makeBody()));
      parts = framed;
      stalls = stall;
      label = `framing:${name} ${framed.method} ${bodyTarget}`;
    }
    cases.push({ label: `#${i} ${label}`, method: parts.method, request: rawRequest(parts), stalls });
  }
  return cases;
}

/** A fresh seed when none is given (printed by the test so a failure replays). */
export const randomSeed = (): number => randomBytes(4).readUInt32LE(0);
