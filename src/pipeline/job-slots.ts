/**
 * The process's job slots (`pipeline.workerConcurrency`): shared by the jobs run right
 * where they were submitted and the BullMQ jobs this process's worker took from the queue,
 * so together they never exceed the cap.
 *
 * A submitter only takes a slot that is free now (`tryTake`): when none is, its job goes
 * to the BullMQ queue, where any process's worker may run it. A BullMQ job waits for its
 * slot (`take`), first come first served; a slot given back goes to a waiting BullMQ job
 * before any submitter, so jobs from other processes are not starved by this one's.
 * (p-queue schedules tasks but cannot say "a slot is free right now, else go elsewhere".)
 */
export class JobSlots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly capacity: number) {}

  /** Takes a slot if one is free now and nobody waits for one. */
  tryTake(): boolean {
    if (this.used >= this.capacity || this.waiting.length > 0) return false;
    this.used++;
    return true;
  }

  /** Resolves once a slot is this caller's. */
  take(): Promise<void> {
    if (this.tryTake()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter: `used` stays as it is.
    if (next) next();
    else this.used = Math.max(0, this.used - 1);
  }
}
