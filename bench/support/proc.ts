/**
 * CPU and memory of another process, read from /proc (Linux): each contender of `npm run
 * bench` runs in its own process and is measured from outside, the same way for all.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) `pid` has spent so far, ms. */
export function cpuMs(pid: number): number {
  // Fields 14 and 15 (utime, stime); the command name (field 2) may hold spaces, so split after its ')'.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Resident set size of `pid`, bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Samples `pid`'s RSS every `intervalMs` until stopped; `stop()` answers the peak and the last sample. */
export function sampleRss(pid: number, intervalMs = 500): { stop: () => { peak: number; last: number } } {
  let peak = 0;
  let last = 0;
  const sample = () => {
    try {
      last = rssBytes(pid);
      peak = Math.max(peak, last);
    } catch {
      // The process is gone: keep what was sampled.
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { peak, last };
    },
  };
}
