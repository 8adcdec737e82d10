/**
 * The process around `sluice loadtest`: its streams, environment and clock, and Ctrl-C.
 * The first Ctrl-C aborts the run, which stops sending and removes what it created (the
 * report of what it measured is still written); a second one leaves at once.
 */
import type { Endpoints, SluiceClient } from '../plan.js';
import { EXIT, runLoadtestCommand, type RunLoadtest } from './command.js';
import type { LoadtestCliOptions } from './options.js';

export interface Runner {
  runLoadtest: RunLoadtest;
  createSluiceClient: (endpoints: Endpoints) => SluiceClient;
}

/**
 * A repeat this soon after the first signal is the same Ctrl-C: under `npx` it reaches the
 * process twice, from the terminal and forwarded by npm (as in `sluice dev`, src/cli/main.ts).
 */
export const SAME_SIGNAL_MS = 1000;

export interface InterruptHandlerOptions {
  abort: () => void;
  exit: (code: number) => void;
  say: (text: string) => void;
  now: () => number;
}

export function createInterruptHandler(options: InterruptHandlerOptions): () => void {
  let firstAt: number | undefined;
  return () => {
    const now = options.now();
    if (firstAt === undefined) {
      firstAt = now;
      options.say('\nstopping: removing what the run created (Ctrl-C again to quit at once, leaving it)\n');
      options.abort();
      return;
    }
    if (now - firstAt > SAME_SIGNAL_MS) options.exit(EXIT.interrupted);
  };
}

export async function runFromCliWith(options: LoadtestCliOptions, runner: Runner): Promise<number> {
  const controller = new AbortController();
  const onSignal = createInterruptHandler({
    abort: () => controller.abort(),
    exit: (code) => process.exit(code),
    say: (text) => process.stderr.write(text),
    now: Date.now,
  });
  const signals = ['SIGINT', 'SIGTERM'] as const;
  for (const signal of signals) process.on(signal, onSignal);
  try {
    return await runLoadtestCommand(options, {
      ...runner,
      stdout: process.stdout,
      stderr: process.stderr,
      isTTY: process.stdout.isTTY === true,
      env: process.env,
      cwd: process.cwd(),
      now: Date.now,
      signal: controller.signal,
    });
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
}
