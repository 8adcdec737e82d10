/**
 * A function's `memorySize` as a handler worker's V8 heap limits (Worker `resourceLimits`).
 *
 * Lambda's memorySize caps the whole execution environment; a worker thread can only cap
 * its V8 heap, so the heap is what memorySize buys here (Buffers and ArrayBuffers live
 * outside it, as does the code of the handler, so a worker's real footprint is somewhat
 * larger). Decision: the heap is split between the young generation (short-lived objects)
 * and the old generation so that the two add up to memorySize, rather than setting only
 * the old generation and letting V8 add its default young generation (up to 48 MB on 64-bit)
 * on top: a 128 MB function would then get about 176 MB. The young generation gets 1/16,
 * at least 4 MB: V8's own ratio for small heaps (about 1/40) makes scavenges frequent, and
 * 1/16 keeps them cheap while leaving 15/16 to long-lived data. Code space is left to V8
 * (a few MB, not handler data).
 */
import type { ResourceLimits } from 'node:worker_threads';

const YOUNG_GENERATION_SHARE = 16;
const MIN_YOUNG_GENERATION_MB = 4;

export function heapLimitsFor(memorySizeMb: number): ResourceLimits {
  const young = Math.max(MIN_YOUNG_GENERATION_MB, Math.floor(memorySizeMb / YOUNG_GENERATION_SHARE));
  return { maxYoungGenerationSizeMb: young, maxOldGenerationSizeMb: memorySizeMb - young };
}
