/**
 * The live view of `sluice dev` as pure functions over a real prom-client registry's
 * getMetricsAsJSON() output (metric names and labels of spec/metrics.md), and the terminal
 * writer in both modes.
 */
import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Registry } from 'prom-client';
import { dashboardRows, formatAge, renderRowLine, renderTable, type MappingStatus } from '../../../src/dev/live-view/dashboard.js';
import { TerminalView, type ViewFrame } from '../../../src/dev/live-view/terminal-view.js';
import { RateWindow } from '../../../src/dev/live-view/rates.js';

const SQS_UUID = '11111111-1111-4111-8111-111111111111';
const KINESIS_UUID = '22222222-2222-4222-8222-222222222222';
const FUNCTION = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

const MAPPINGS: MappingStatus[] = [
  { uuid: SQS_UUID, eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:orders', functionArn: FUNCTION('example-sqs'), state: 'Enabled' },
  { uuid: KINESIS_UUID, eventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks', functionArn: FUNCTION('example-kinesis'), state: 'Updating' },
];

/** A registry shaped like Sluice's (metrics.md §2–§5), with the given samples. */
function registryWith(samples: { polled?: Record<string, number>; invoked?: Record<string, number>; failed?: Record<string, number>; ages?: Array<[string, string, number]> }) {
  const registry = new Registry();
  const labelNames = ['mapping', 'source_type', 'function'] as const;
  const counters = {
    polled: new Counter({ name: 'sluice_polled_events_total', help: 'p', labelNames, registers: [registry] }),
    invoked: new Counter({ name: 'sluice_invoked_events_total', help: 'i', labelNames, registers: [registry] }),
    failed: new Counter({ name: 'sluice_failed_invoke_events_total', help: 'f', labelNames, registers: [registry] }),
  };
  const age = new Gauge({ name: 'sluice_iterator_age_milliseconds', help: 'a', labelNames: [...labelNames, 'shard'], registers: [registry] });
  // A metric the view does not read, with the same labels: must not leak into the rows.
  new Counter({ name: 'sluice_deleted_events_total', help: 'd', labelNames, registers: [registry] }).inc({ mapping: SQS_UUID, source_type: 'sqs', function: 'x' }, 1000);
  const typeOf = (uuid: string) => (uuid === SQS_UUID ? 'sqs' : 'kinesis');
  for (const key of ['polled', 'invoked', 'failed'] as const) {
    for (const [uuid, value] of Object.entries(samples[key] ?? {})) {
      // Two series per mapping (two function labels, as after an update): the view sums them.
      counters[key].inc({ mapping: uuid, source_type: typeOf(uuid), function: 'a' }, value - 1);
      counters[key].inc({ mapping: uuid, source_type: typeOf(uuid), function: 'b' }, 1);
    }
  }
  for (const [uuid, shard, ms] of samples.ages ?? []) age.set({ mapping: uuid, source_type: typeOf(uuid), function: 'a', shard }, ms);
  return registry;
}

describe('dashboardRows', () => {
  it('sums each counter per mapping and takes the oldest shard as iterator age', async () => {
    const registry = registryWith({
      polled: { [SQS_UUID]: 7, [KINESIS_UUID]: 30 },
      invoked: { [SQS_UUID]: 5, [KINESIS_UUID]: 28 },
      failed: { [SQS_UUID]: 2, [KINESIS_UUID]: 3 },
      ages: [
        [KINESIS_UUID, 'shardId-000000000000', 120],
        [KINESIS_UUID, 'shardId-000000000001', 4500],
      ],
    });
    const rows = dashboardRows(MAPPINGS, await registry.getMetricsAsJSON());
    expect(rows).toEqual([
      { uuid: SQS_UUID, source: 'sqs', resource: 'orders', functionName: 'example-sqs', state: 'Enabled', polled: 7, invoked: 5, failed: 2 },
      { uuid: KINESIS_UUID, source: 'kinesis', resource: 'clicks', functionName: 'example-kinesis', state: 'Updating', polled: 30, invoked: 28, failed: 3, iteratorAgeMs: 4500 },
    ]);
  });

  it('a mapping without series has counted nothing; without a registry counts are unknown', async () => {
    const empty = await new Registry().getMetricsAsJSON();
    expect(dashboardRows(MAPPINGS.slice(0, 1), empty)[0]).toMatchObject({ polled: 0, invoked: 0, failed: 0 });
    expect(dashboardRows(MAPPINGS.slice(0, 1), empty)[0]).not.toHaveProperty('iteratorAgeMs');
    const unknown = dashboardRows(MAPPINGS.slice(0, 1), undefined)[0]!;
    expect([unknown.polled, unknown.invoked, unknown.failed]).toEqual([undefined, undefined, undefined]);
  });

  it('names a DynamoDB stream by its table, also with DynamoDB Local\'s region', () => {
    const [row] = dashboardRows(
      [{ uuid: 'u', eventSourceArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2026-01-01T00:00:00.000', functionArn: FUNCTION('f'), state: 'Enabled' }],
      undefined,
    );
    expect(row).toMatchObject({ source: 'dynamodb', resource: 'orders', functionName: 'f' });
  });
});

describe('rendering', () => {
  const rows = [
    { uuid: SQS_UUID, source: 'sqs', resource: 'orders', functionName: 'example-sqs', state: 'Enabled', polled: 7, invoked: 5, failed: 2 },
    {
      uuid: KINESIS_UUID,
      source: 'kinesis',
      resource: 'clicks',
      functionName: 'example-kinesis',
      state: 'Enabled',
      polled: 1234,
      invoked: 1200,
      failed: 0,
      iteratorAgeMs: 4500,
      ratePerSecond: 120.4,
      failures: { name: 'clicks-failures', depth: 3 },
    },
  ] as const;

  it('a table: columns padded to their widest cell, numbers right-aligned; rates and the DLQ / on-failure depth', () => {
    expect(renderTable(rows)).toEqual([
      'SOURCE   RESOURCE  FUNCTION         STATE    POLLED  INVOKED  FAILED  ITERATOR AGE  REC/S (10 s)  DLQ / ON-FAILURE',
      'sqs      orders    example-sqs      Enabled       7        5       2             -             -  -',
      'kinesis  clicks    example-kinesis  Enabled    1234     1200       0         4.5 s           120  3 clicks-failures',
    ]);
  });

  it('a plain line per row', () => {
    expect(renderRowLine(rows[1])).toBe(
      `mapping ${KINESIS_UUID} kinesis clicks -> example-kinesis: state=Enabled polled=1234 invoked=1200 failed=0 iterator_age=4.5s rate=120/s failures=clicks-failures:3`,
    );
    expect(renderRowLine({ ...rows[0], ratePerSecond: 0.25, failures: { name: 'orders-bucket', depth: 'n/a' } })).toMatch(/ rate=0\.3\/s failures=orders-bucket:n\/a$/);
  });

  it('ages in ms, s, min', () => {
    expect([formatAge(undefined), formatAge(12.4), formatAge(999), formatAge(1000), formatAge(59_949), formatAge(180_000)]).toEqual(['-', '12 ms', '999 ms', '1.0 s', '59.9 s', '3 min']);
  });
});

describe('TerminalView', () => {
  const frame = (invoked: number, logTail: string[] = []): ViewFrame => ({
    header: ['Sluice sandbox ready'],
    rows: [
      { uuid: SQS_UUID, source: 'sqs', resource: 'orders', functionName: 'f', state: 'Enabled', polled: invoked, invoked, failed: 0 },
      { uuid: KINESIS_UUID, source: 'kinesis', resource: 'clicks', functionName: 'g', state: 'Enabled', polled: 0, invoked: 0, failed: 0 },
    ],
    footer: ['send with: sluice send sqs hi'],
    logTail,
  });
  const capture = (tty: { isTTY: boolean; columns?: number; rows?: number }) => {
    const writes: string[] = [];
    return { writes, out: { ...tty, write: (text: string) => writes.push(text) } };
  };

  it('without a terminal: header and footer once, then a line per row that changed, no escape codes', () => {
    const { writes, out } = capture({ isTTY: false });
    const view = new TerminalView(out);
    view.update(frame(0));
    view.update(frame(0, ['a log line']));
    view.update(frame(3));
    const text = writes.join('');
    expect(text).not.toContain('\x1b');
    expect(text.split('\n')).toEqual([
      'Sluice sandbox ready',
      'send with: sluice send sqs hi',
      `mapping ${SQS_UUID} sqs orders -> f: state=Enabled polled=0 invoked=0 failed=0 iterator_age=- rate=-/s failures=-`,
      `mapping ${KINESIS_UUID} kinesis clicks -> g: state=Enabled polled=0 invoked=0 failed=0 iterator_age=- rate=-/s failures=-`,
      `mapping ${SQS_UUID} sqs orders -> f: state=Enabled polled=3 invoked=3 failed=0 iterator_age=- rate=-/s failures=-`,
      '',
    ]);
  });

  it('on a terminal: redraws in place only when the frame changed, logs cut to the screen, lines to its width', () => {
    const { writes, out } = capture({ isTTY: true, columns: 100, rows: 14 });
    const view = new TerminalView(out);
    const logs = Array.from({ length: 20 }, (_, i) => `log line ${i} ${'x'.repeat(150)}`);
    view.update(frame(0, logs));
    const first = writes[0]!;
    expect(first.startsWith('\x1b[J')).toBe(true); // nothing above to erase yet
    const lines = first.slice('\x1b[J'.length).trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(13);
    expect(lines.every((line) => line.length <= 99)).toBe(true);
    expect(lines.at(-1)).toMatch(/^log line 19 x+…$/);

    view.update(frame(0, logs));
    expect(writes).toHaveLength(1);
    view.update(frame(2, logs));
    expect(writes).toHaveLength(2);
    expect(writes[1]!.startsWith(`\x1b[${lines.length}F\x1b[J`)).toBe(true);
  });

  it('a terminal that reports 0 columns and rows (size unknown) gets the default size, not 18-character lines', () => {
    const logs = Array.from({ length: 5 }, (_, i) => `log line ${i}`);
    const drawn = (size: { columns?: number; rows?: number }) => {
      const { writes, out } = capture({ isTTY: true, ...size });
      new TerminalView(out).update(frame(0, logs));
      return writes[0]!;
    };
    const unknownSize = drawn({ columns: 0, rows: 0 });
    expect(unknownSize).toBe(drawn({}));
    expect(unknownSize).toContain('ITERATOR AGE');
    expect(unknownSize).toContain('send with: sluice send sqs hi');
    expect(unknownSize).toContain('log line 4');
  });
});

describe('RateWindow', () => {
  it('records per second over the last 10 s of samples; none from one sample; a counter reset starts over', () => {
    const window = new RateWindow(10_000);
    expect(window.record('m', 0, 100)).toBeUndefined();
    expect(window.record('m', 1000, 110)).toBe(10);
    expect(window.record('m', 5000, 150)).toBe(10);
    // The sample at 0 is now older than the window: (250 - 110) over 11 s - 1 s.
    expect(window.record('m', 11_000, 250)).toBe(14);
    expect(window.record('m', 12_000, 5)).toBeUndefined();
    expect(window.record('m', 13_000, 7)).toBe(2);
    window.retain(new Set());
    expect(window.record('m', 14_000, 9)).toBeUndefined();
  });
});
