/**
 * A shutdown that ends on time whatever Redis does (down, empty, slow): the close steps
 * run in order under one deadline; at the deadline the step running and those not yet
 * run let go at once (connections dropped, jobs aborted) and the shutdown fails naming
 * what did not finish.
 */

export interface CloseStep {
  /** What the step does, as the report names it: "stopping pollers". */
  name: string;
  run(): Promise<unknown>;
  /** What it still waits for, said when the deadline passes (e.g. "2 batch jobs running"). */
  pending?(): string | undefined;
  /** At the deadline: let go without waiting (disconnect, abort). */
  force?(): void;
}

export class ShutdownTimeoutError extends Error {
  override name = 'ShutdownTimeoutError';

  constructor(
    readonly timeoutMs: number,
    /** The steps that did not finish, with what they waited for. */
    readonly unfinished: string[],
  ) {
    super(`shutdown did not finish within ${timeoutMs} ms: ${unfinished.join('; ')}`);
  }
}

/** Runs `steps` in order (a failing step does not stop the others) and ends within `timeoutMs`. */
export async function closeWithin(steps: readonly CloseStep[], timeoutMs: number): Promise<void> {
  let current = 0;
  let overtime = false;
  const sequence = (async () => {
    for (; current < steps.length && !overtime; current++) await steps[current]!.run().catch(() => undefined);
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'overtime'>((resolve) => (timer = setTimeout(() => resolve('overtime'), timeoutMs)));
  const outcome = await Promise.race([sequence, deadline]);
  clearTimeout(timer);
  if (outcome !== 'overtime') return;
  overtime = true;
  const unfinished = steps.slice(current);
  const report = unfinished.map((step) => {
    const pending = step.pending?.();
    return pending ? `${step.name} (${pending})` : step.name;
  });
  for (const step of unfinished) {
    try {
      step.force?.();
    } catch {
      // letting go must not fail; the report says what was left
    }
  }
  throw new ShutdownTimeoutError(timeoutMs, report);
}
