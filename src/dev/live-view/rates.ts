/**
 * Records per second per mapping over the last 10 s, from the growing `invoked` counter the
 * view samples at each redraw: (count now - count at the oldest sample within the window)
 * / the time between them. A mapping sampled once has no rate yet.
 */
export const RATE_WINDOW_MS = 10_000;

interface Sample {
  at: number;
  count: number;
}

export class RateWindow {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly windowMs = RATE_WINDOW_MS) {}

  /** Adds a sample of `key`'s counter taken at `at` (ms, monotonic) and returns its rate per second. */
  record(key: string, at: number, count: number): number | undefined {
    const kept = (this.samples.get(key) ?? []).filter((sample) => at - sample.at <= this.windowMs);
    // A counter that went down was reset (a new process registry): start over from here.
    const series = kept.length > 0 && kept.at(-1)!.count > count ? [] : kept;
    series.push({ at, count });
    this.samples.set(key, series);
    const first = series[0]!;
    if (series.length < 2 || at === first.at) return undefined;
    return ((count - first.count) * 1000) / (at - first.at);
  }

  /** Forgets keys not in `keep` (deleted mappings). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.samples.keys()) if (!keep.has(key)) this.samples.delete(key);
  }
}
