/**
 * "Did you mean": for a config key Sluice does not know, the known key beside it (same
 * parent) nearest by edit distance, so `redis.ulr` points at `redis.url`.
 */
import { closestMatch } from 'leven';
import { configReferenceRows } from './reference.js';

/** The segment the reference writes for a map's entries (`functions.<name>.http`). */
const ANY_NAME = '<name>';

let knownPaths: string[][] | undefined;

/** Every key the schema knows, as segments, with all their parents (`aws.services.sqs`). */
function allKnownPaths(): string[][] {
  if (knownPaths) return knownPaths;
  const paths = new Map<string, string[]>();
  for (const { key } of configReferenceRows()) {
    const segments = key.split('.');
    for (let length = 1; length <= segments.length; length++) paths.set(segments.slice(0, length).join('.'), segments.slice(0, length));
  }
  return (knownPaths = [...paths.values()]);
}

/**
 * Farthest a suggestion may be: a third of the key's length, at least 2 (Levenshtein counts
 * two swapped letters as 2, the most common typo). Siblings are few, so this rarely misleads.
 */
const maxDistanceFor = (segment: string): number => Math.max(2, Math.floor(segment.length / 3));

/** The known key nearest to the unknown `path` (dotted, the user's map names kept), if one is near. */
export function suggestKey(path: readonly string[]): string | undefined {
  const parent = path.slice(0, -1);
  const unknown = path.at(-1);
  if (unknown === undefined) return undefined;
  const siblings = allKnownPaths()
    .filter((known) => known.length === path.length && parent.every((segment, i) => known[i] === segment || known[i] === ANY_NAME))
    .map((known) => known.at(-1)!)
    .filter((segment) => segment !== ANY_NAME);
  const nearest = closestMatch(unknown, siblings, { maxDistance: maxDistanceFor(unknown) });
  return nearest === undefined ? undefined : [...parent, nearest].join('.');
}
