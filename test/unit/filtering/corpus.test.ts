/**
 * The EventBridge pattern corpus in test/fixtures/event-patterns (outcomes recorded
 * on AWS), run through the Lambda filter compiler. Patterns with operators Lambda lacks (§3: wildcard,
 * cidr, anything-but wrapping prefix/suffix/equals-ignore-case/wildcard) must
 * be refused at compile time whatever EventBridge did with them.
 */
import { describe, expect, it } from 'vitest';
import {
  compileFilterPattern,
  InvalidFilterPatternError,
  INVALID_FILTER_PATTERN_MESSAGE,
} from '../../../src/filtering/index.js';
import { corpusFiles, loadCorpus, type CorpusCase } from './corpus.js';

/** File families whose every case uses an operator Lambda filtering rejects (§3 "Not supported"). */
const UNSUPPORTED_FAMILIES: readonly { prefix: string; why: string }[] = [
  { prefix: 'content_anything_but_ignorecase', why: 'anything-but wrapping equals-ignore-case' },
  { prefix: 'content_anything_prefix', why: 'anything-but wrapping prefix' },
  { prefix: 'content_anything_suffix', why: 'anything-but wrapping suffix' },
  { prefix: 'content_anything_wildcard', why: 'anything-but wrapping wildcard' },
  { prefix: 'content_ip_address', why: 'cidr' },
  { prefix: 'content_wildcard', why: 'wildcard' },
];
/** Single cases that mix supported operators with one unsupported rule. */
const UNSUPPORTED_CASES: Readonly<Record<string, string>> = {
  complex_many_rules: 'detail.test4 uses anything-but wrapping prefix',
};

/**
 * Cases where the spec decides differently from EventBridge. EventBridge
 * flattens events and patterns into dot-joined paths, so a key "state.status"
 * and the nesting state → status collide. filtering.md §2 defines keys as
 * naming one field and objects as nesting into that field's value, with no
 * dot-joining, so Sluice does not match these.
 */
const SPEC_DEVIATIONS: Readonly<Record<string, string>> = {
  dot_joining_event: 'record key "state.status" is not the path state → status (§2)',
  dot_joining_pattern: 'pattern key "state.status" is not the path state → status (§2)',
};

function unsupportedReason(name: string): string | undefined {
  return (
    UNSUPPORTED_CASES[name] ??
    UNSUPPORTED_FAMILIES.find((family) => name.startsWith(family.prefix))?.why
  );
}

function compileOutcome(c: CorpusCase): 'invalid' | ((event: unknown) => boolean) {
  try {
    return compileFilterPattern(c.patternText);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFilterPatternError);
    expect((error as Error).message).toBe(INVALID_FILTER_PATTERN_MESSAGE);
    return 'invalid';
  }
}

const cases = loadCorpus();
const unsupported = cases.filter((c) => unsupportedReason(c.name) !== undefined);
const deviations = cases.filter((c) => SPEC_DEVIATIONS[c.name] !== undefined);
const supported = cases.filter((c) => !unsupported.includes(c) && !deviations.includes(c));

describe('event-pattern corpus', () => {
  it('reads every corpus file', () => {
    // 155 .json5 cases, plus one case made of the duplicate-key pair (event + pattern file).
    expect(corpusFiles()).toHaveLength(cases.length + 1);
    expect(cases.length).toBeGreaterThan(150);
    for (const name of [...Object.keys(UNSUPPORTED_CASES), ...Object.keys(SPEC_DEVIATIONS)]) {
      expect(cases.map((c) => c.name)).toContain(name);
    }
  });

  describe('cases with Lambda-supported operators behave as on AWS', () => {
    it.each(supported.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const outcome = compileOutcome(c);
      if (c.awsOutcome === 'invalid') {
        expect(outcome).toBe('invalid');
        return;
      }
      expect(outcome).not.toBe('invalid');
      if (outcome === 'invalid') return;
      expect(outcome(c.event)).toBe(c.awsOutcome === 'match');
    });
  });

  describe('cases using operators Lambda does not support are refused', () => {
    it.each(unsupported.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(compileOutcome(c)).toBe('invalid');
    });
  });

  describe('cases where filtering.md differs from EventBridge (dot-joined keys)', () => {
    it.each(deviations.map((c) => [c.name, c] as const))('%s does not match', (name, c) => {
      expect(c.awsOutcome).toBe('match');
      const outcome = compileOutcome(c);
      expect(outcome).not.toBe('invalid');
      if (outcome === 'invalid') return;
      expect(outcome(c.event), SPEC_DEVIATIONS[name]).toBe(false);
    });
  });

  it('complex_many_rules matches once its one unsupported rule is removed', () => {
    const c = cases.find((x) => x.name === 'complex_many_rules')!;
    const pattern = JSON.parse(c.patternText) as { detail: Record<string, unknown> };
    delete pattern.detail['test4'];
    expect(compileFilterPattern(JSON.stringify(pattern))(c.event)).toBe(true);
  });

  it('keeps the split of supported and unsupported cases stable', () => {
    // Guards the test's own bookkeeping: a family prefix that stopped matching
    // (or started matching too much) would silently move cases around.
    expect({
      supported: supported.length,
      unsupported: unsupported.length,
      deviations: deviations.length,
    }).toEqual({ supported: 84, unsupported: 70, deviations: 2 });
  });
});
