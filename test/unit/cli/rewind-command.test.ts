/** `sluice mappings rewind`'s options turned into the API's request body, and what it says of answers it cannot read (cli/rewind-command.ts). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RewindCommandError, rewindBody, runRewindCommand } from '../../../src/cli/rewind-command.js';

describe('rewindBody', () => {
  it.each([
    ['trim-horizon', { Position: 'TRIM_HORIZON' }],
    ['TRIM_HORIZON', { Position: 'TRIM_HORIZON' }],
    ['latest', { Position: 'LATEST' }],
    ['2026-12-06T10:00:00.250Z', { Position: 'AT_TIMESTAMP', Timestamp: 1796551200.25 }],
  ])('--to %s', (to, body) => {
    expect(rewindBody(to, undefined)).toEqual(body);
  });

  it('--shard ID=SEQ, repeated', () => {
    expect(rewindBody(undefined, ['shardId-000000000000=123', 'shardId-000000000001=000000000000000000004'])).toEqual({
      Shards: { 'shardId-000000000000': '123', 'shardId-000000000001': '000000000000000000004' },
    });
  });

  it.each([
    ['neither', undefined, undefined, 'give either --to'],
    ['both', 'latest', ['s=1'], 'give either --to'],
    ['a word', 'yesterday', undefined, '--to must be trim-horizon, latest or an ISO time'],
    ['a date that is not one', '2026-13-45T99:00:00Z', undefined, '--to must be'],
    ['a shard without a sequence number', undefined, ['shardId-000000000000'], '--shard must be SHARD_ID=SEQUENCE_NUMBER'],
    ['a sequence number that is not decimal', undefined, ['s=12a'], '--shard must be'],
  ])('refuses %s (exit 2)', (_what, to, shards, message) => {
    let caught: unknown;
    try {
      rewindBody(to, shards);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RewindCommandError);
    expect((caught as RewindCommandError).exitCode).toBe(2);
    expect((caught as Error).message).toContain(message);
  });
});

describe('runRewindCommand', () => {
  it('an answer that is not JSON (a proxy page, say) is one RewindCommandError line, exit 1', async () => {
    const server = http.createServer((_request, response) => response.writeHead(202, { 'content-type': 'text/html' }).end('<html>gateway</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const endpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const failure = await runRewindCommand('m-uuid', { to: 'latest', wait: false, timeoutMs: 1000, endpointUrl, region: 'us-east-1' }, () => undefined).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RewindCommandError);
    expect((failure as RewindCommandError).exitCode).toBe(1);
    expect((failure as Error).message).toBe('POST /sluice/v1/event-source-mappings/m-uuid/rewind answered 202 with a body that is not JSON: <html>gateway</html>');
  });
});
