/**
 * Handlers that misbehave, for the chaos suite's handler-fault scenario. Each export
 * takes an SQS or Kinesis event whose records are JSON `{id, poison, sink}`: a healthy
 * record is reported done to the recording target at `sink`; a poison record first
 * reports the attempt, then the handler faults in its own way, as user code does:
 *   throws   an error (Lambda: a function error, "Unhandled")
 *   hangs    a promise that never settles (Lambda: Task timed out)
 *   exits    process.exit(3) (in Sluice's worker thread: that worker ends, Sluice lives)
 *   loops    a busy loop that never yields (only terminating the worker stops it)
 *   oom      allocates until its worker's heap (the function's memorySize) is exhausted
 * The handlers take records one at a time (the scenario's mappings use BatchSize 1).
 */
// Node loads fetch (undici) on first use. A worker replaced after a fault would otherwise
// load it inside the next invocation's 1 s timeout, and on a loaded machine time out
// before reporting its attempt: the attempt happened, the sink never heard of it. Loading
// it here (a data: URL: no network) puts that in the worker's init, which the timeout does
// not count (as Lambda's).
await (await fetch('data:,warm')).arrayBuffer();

async function report(sink, kind, id) {
  const response = await fetch(sink, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, id }) });
  if (!response.ok) throw new Error(`sink answered ${response.status}`);
}

function dataOf(record) {
  return JSON.parse(record.kinesis ? Buffer.from(record.kinesis.data, 'base64').toString('utf8') : record.body);
}

function faulty(fault) {
  return async (event) => {
    for (const record of event.Records) {
      const { id, poison, sink } = dataOf(record);
      if (!poison) {
        await report(sink, 'done', id);
        continue;
      }
      await report(sink, 'attempt', id);
      await fault();
    }
  };
}

export const throws = faulty(() => {
  throw new Error('chaos: this handler throws on poison records');
});

export const hangs = faulty(() => new Promise(() => {}));

export const exits = faulty(() => process.exit(3));

export const loops = faulty(() => {
  for (;;);
});

export const oom = faulty(() => {
  const hoard = [];
  // Arrays of numbers, kept: the heap fills until V8 ends the worker (Runtime.OutOfMemory).
  for (;;) hoard.push(new Array(1_000_000).fill(hoard.length));
});
