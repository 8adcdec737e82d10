/**
 * Record bodies from the plan's PayloadSpec: `body(seq)` returns the string a record carries.
 *
 * - size: a JSON object `{"seq":…,"run":…,"pad":"xxx…"}` padded so the body is exactly the
 *   asked number of UTF-8 bytes (or the unpadded object when the size is smaller than that).
 * - template: `{{seq}}`, `{{uuid}}` and `{{now}}` (epoch ms) replaced per record.
 * - file: JSON Lines, one body per non-empty line, cycled when the run sends more records
 *   than the file holds; each line must parse as JSON (its line number is named if not).
 *
 * The body carries no id the trace needs: ids come from what the source answers (SQS
 * MessageId, Kinesis shard + sequence number) or from the DynamoDB key (src/loadtest/producer).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PayloadSpec } from './plan.js';

export interface Payload {
  body(seq: number): string;
  /** An upper bound of a body's UTF-8 bytes (sizes the producer's batches under the APIs' request limits). */
  maxBytes: number;
}

export function sizedBody(runId: string, seq: number, bytes: number): string {
  const bare = JSON.stringify({ seq, run: runId, pad: '' });
  const padding = Math.max(0, bytes - Buffer.byteLength(bare));
  return JSON.stringify({ seq, run: runId, pad: 'x'.repeat(padding) });
}

export function renderTemplate(template: string, seq: number, now: () => number = Date.now): string {
  return template.replace(/\{\{\s*(seq|uuid|now)\s*\}\}/g, (_, name: string) =>
    name === 'seq' ? String(seq) : name === 'uuid' ? randomUUID() : String(now()),
  );
}

/** The non-empty lines of a JSON Lines text; throws naming the first line that is not JSON. */
export function parseJsonLines(text: string, source = 'payload file'): string[] {
  const lines: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      JSON.parse(line);
    } catch (error) {
      throw new Error(`${source}, line ${index + 1}: not JSON (${(error as Error).message})`);
    }
    lines.push(line);
  });
  if (lines.length === 0) throw new Error(`${source}: no records (it has no non-empty line)`);
  return lines;
}

export async function createPayload(spec: PayloadSpec, runId: string, now: () => number = Date.now): Promise<Payload> {
  switch (spec.kind) {
    case 'size':
      return { body: (seq) => sizedBody(runId, seq, spec.bytes), maxBytes: Buffer.byteLength(sizedBody(runId, Number.MAX_SAFE_INTEGER, spec.bytes)) };
    case 'template': {
      // The widest values: a 16-digit seq, a 36-character UUID, a 13-digit epoch ms.
      const widest = spec.template.replace(/\{\{\s*(seq|uuid|now)\s*\}\}/g, (_, name: string) => '9'.repeat(name === 'seq' ? 16 : name === 'uuid' ? 36 : 13));
      return { body: (seq) => renderTemplate(spec.template, seq, now), maxBytes: Buffer.byteLength(widest) };
    }
    case 'file': {
      const lines = parseJsonLines(await readFile(spec.path, 'utf8'), spec.path);
      return { body: (seq) => lines[seq % lines.length]!, maxBytes: lines.reduce((max, line) => Math.max(max, Buffer.byteLength(line)), 0) };
    }
  }
}
