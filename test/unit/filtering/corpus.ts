/** Loads the EventBridge pattern corpus (test/fixtures/event-patterns, see its NOTICE.md). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import JSON5 from 'json5';

/** Kept inside the repository, so a fresh clone runs these tests with nothing beside it. */
export const CORPUS_DIR = fileURLToPath(new URL('../../fixtures/event-patterns/', import.meta.url));

export type CorpusOutcome = 'match' | 'no-match' | 'invalid';

export interface CorpusCase {
  /** File name without extension, e.g. `content_prefix_NEG`. */
  readonly name: string;
  readonly event: unknown;
  /** The pattern as the JSON text Lambda would receive in `Pattern`. */
  readonly patternText: string;
  /** What AWS did, from the file-name convention. */
  readonly awsOutcome: CorpusOutcome;
}

function outcomeOf(name: string): CorpusOutcome {
  if (name.endsWith('_EXC')) return 'invalid';
  if (name.endsWith('_NEG')) return 'no-match';
  return 'match';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function loadCorpus(): CorpusCase[] {
  if (!existsSync(CORPUS_DIR)) throw new Error(`event-pattern corpus not found at ${CORPUS_DIR}`);
  const files = readdirSync(CORPUS_DIR).sort();
  const cases: CorpusCase[] = [];
  for (const file of files.filter((f) => f.endsWith('.json5'))) {
    const parsed: unknown = JSON5.parse(readFileSync(CORPUS_DIR + file, 'utf8'));
    if (!isRecord(parsed) || !('Event' in parsed) || !('EventPattern' in parsed)) {
      throw new Error(`${file}: expected {Event, EventPattern}`);
    }
    const name = file.slice(0, -'.json5'.length);
    cases.push({
      name,
      event: parsed['Event'],
      // Re-serialised: the corpus patterns hold no repeated keys, so nothing is lost.
      patternText: JSON.stringify(parsed['EventPattern']),
      awsOutcome: outcomeOf(name),
    });
  }
  // The one case kept as plain JSON, because its pattern repeats a key and
  // only the raw text shows that (§2: the last one wins).
  const base = 'complex_multi_key_event';
  cases.push({
    name: base,
    event: JSON.parse(readFileSync(`${CORPUS_DIR}${base}.json`, 'utf8')),
    patternText: readFileSync(`${CORPUS_DIR}${base}_pattern.json`, 'utf8'),
    awsOutcome: 'match',
  });
  return cases;
}

/** Every file in the corpus directory, so a test can prove none was left unread. */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR).filter((f) => f !== 'NOTICE.md');
}
