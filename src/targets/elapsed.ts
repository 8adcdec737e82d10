/** Milliseconds since `start` (a performance.now() reading), to 0.01 ms: every outcome's `durationMs`. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
