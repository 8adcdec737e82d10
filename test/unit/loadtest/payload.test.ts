/** Record bodies: padded to a size, templated, or cycled from a JSON Lines file. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPayload, parseJsonLines, renderTemplate, sizedBody } from '../../../src/loadtest/payload.js';

describe('payload', () => {
  it('size: a JSON body of exactly the asked bytes', () => {
    for (const bytes of [100, 256, 1024, 10_000]) {
      const body = sizedBody('abcd1234', 42, bytes);
      expect(Buffer.byteLength(body)).toBe(bytes);
      expect(JSON.parse(body)).toMatchObject({ seq: 42, run: 'abcd1234' });
    }
    // Smaller than the bare object: the bare object.
    expect(JSON.parse(sizedBody('r', 1, 5))).toEqual({ seq: 1, run: 'r', pad: '' });
  });

  it('template: {{seq}}, {{uuid}} and {{now}} per record', () => {
    const body = renderTemplate('{"n":{{seq}},"id":"{{uuid}}","t":{{ now }},"s":"{{other}}"}', 7, () => 1234);
    const parsed = JSON.parse(body) as { n: number; id: string; t: number; s: string };
    expect(parsed.n).toBe(7);
    expect(parsed.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed.t).toBe(1234);
    expect(parsed.s).toBe('{{other}}');
    expect(renderTemplate('{{uuid}}', 1)).not.toBe(renderTemplate('{{uuid}}', 1));
  });

  it('file: JSON Lines cycled, blank lines skipped, a bad line named', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lt-payload-'));
    const file = path.join(dir, 'records.jsonl');
    await writeFile(file, '{"a":1}\n\n{"a":2}\r\n{"a":3}\n');
    const payload = await createPayload({ kind: 'file', path: file }, 'run');
    expect([0, 1, 2, 3, 4].map((seq) => payload.body(seq))).toEqual(['{"a":1}', '{"a":2}', '{"a":3}', '{"a":1}', '{"a":2}']);
    expect(payload.maxBytes).toBe(7);
    expect(() => parseJsonLines('{"a":1}\n{oops\n', 'f.jsonl')).toThrow(/f\.jsonl, line 2: not JSON/);
    expect(() => parseJsonLines('\n\n', 'f.jsonl')).toThrow(/no records/);
  });

  it('createPayload: size and template specs', async () => {
    expect(Buffer.byteLength((await createPayload({ kind: 'size', bytes: 512 }, 'run')).body(3))).toBe(512);
    const sized = await createPayload({ kind: 'size', bytes: 512 }, 'run');
    expect(sized.maxBytes).toBeGreaterThanOrEqual(512);
    expect(sized.maxBytes).toBeLessThan(600);
    const templated = await createPayload({ kind: 'template', template: 'x{{seq}}-{{uuid}}' }, 'run');
    expect(templated.body(9)).toMatch(/^x9-[0-9a-f-]{36}$/);
    expect(templated.maxBytes).toBe(1 + 16 + 1 + 36);
  });
});
