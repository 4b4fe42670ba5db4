// trace.test.ts — Chrome trace conversion: processes per host, tracks, complete events, instants,
// rounded µs timestamps, and slices that nest on every track (also on the traces of the shipped
// scenarios, through the CLI).

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelEvent } from '../../sim/events/events.js';
import { toChromeTrace, type ChromeTrace } from '../../metrics/trace.js';
import { registerTraceCommand } from '../../sim/cli/commands/trace.js';
import { runCommand } from './cliHarness.js';

const ROOT = join(import.meta.dirname, '..', '..');

type Ev = ChromeTrace['traceEvents'][number];

/** Integer ns of a µs timestamp, and whether the µs value is that ns exactly (≤ 3 decimals). */
function nsOf(us: number): { ns: number; exact: boolean } {
  const ns = Math.round(us * 1000);
  return { ns, exact: ns / 1000 === us };
}

/** Slices on one track that partly overlap (neither nests in the other), as "a | b" lines. */
function partialOverlaps(slices: readonly Ev[]): string[] {
  const s = slices
    .map((e) => ({ e, start: nsOf(e.ts!).ns, end: nsOf(e.ts!).ns + nsOf(e.dur ?? 0).ns }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const bad: string[] = [];
  const stack: typeof s = [];
  for (const x of s) {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= x.start) stack.pop();
    const top = stack[stack.length - 1];
    if (top && x.end > top.end) bad.push(`${top.e.name} [${top.start}, ${top.end}] | ${x.e.name} [${x.start}, ${x.end}]`);
    stack.push(x);
  }
  return bad;
}

/** Every check the trace of a run must pass; returns the problems found. */
function traceProblems(trace: ChromeTrace): string[] {
  const problems: string[] = [];
  const tracks = new Map<string, Ev[]>();
  for (const e of trace.traceEvents) {
    if (e.ph === 'M') continue;
    for (const [k, v] of [['ts', e.ts], ['dur', e.dur]] as const) {
      if (v !== undefined && !nsOf(v).exact) problems.push(`${e.name}: ${k} ${v} is not rounded to the ns`);
    }
    if (e.ph !== 'X') continue;
    const key = `${e.pid}/${e.tid}`;
    if (!tracks.has(key)) tracks.set(key, []);
    tracks.get(key)!.push(e);
  }
  for (const [key, slices] of tracks) for (const o of partialOverlaps(slices)) problems.push(`track ${key}: ${o}`);
  // The viewers nest slices in file order: a parent must come before its children.
  let prev = -Infinity;
  for (const e of trace.traceEvents) {
    if (e.ph === 'M') continue;
    if (e.ts! < prev) problems.push(`${e.name} at ${e.ts} comes after ${prev}`);
    prev = e.ts!;
  }
  return problems;
}

const events: ModelEvent[] = [
  { kind: 'phase', t: 1_000, edge: 'begin', name: 'downtime1' },
  { kind: 'phase', t: 1_500, edge: 'begin', name: 'downtime1.suspend', device: 'src:vdpa1' },
  { kind: 'msg', t: 2_750, dur: 1_250, device: 'src:vdpa1', type: 'SUSPEND' },
  { kind: 'phase', t: 3_000, edge: 'end', name: 'downtime1.suspend', device: 'src:vdpa1' },
  { kind: 'mapWork', t: 9_000, dur: 4_000, device: 'src:vdpa0', asid: 0, what: 'setMapRebuild', mkeysCreated: 3 },
  { kind: 'pin', t: 9_500, dur: 500, device: 'src:vdpa0', pages: -512 },
  { kind: 'fault', t: 9_600, device: 'src:vdpa0', vq: 1, asid: 0, iova: 0x1000, access: 'write', reason: 'no mapping' },
  { kind: 'probe', t: 9_700, device: 'vdpa0', delivered: true },
  { kind: 'probe', t: 9_701, device: 'vdpa0', delivered: false, count: 4 },
  { kind: 'note', t: 9_800, text: 'CVQ replay: 12 commands' },
  { kind: 'phase', t: 10_123.4, edge: 'end', name: 'downtime1' },
  { kind: 'phase', t: 11_000, edge: 'begin', name: 'precopy' },
  { kind: 'note', t: 12_000, text: 'end' },
  // On the destination: a deferred MKEY destruction spans a SET_STATUS and a rebuild (asynchronous
  // work), and a second one overlaps the first.
  { kind: 'msg', t: 20_000, dur: 10_000, device: 'dst:vdpa0', type: 'SET_STATUS', value: 0x0f },
  { kind: 'mapWork', t: 25_000, dur: 10_000, device: 'dst:vdpa0', asid: 0, what: 'mrDestroy', mkeysDestroyed: 2 },
  { kind: 'mapWork', t: 27_000, dur: 4_000, device: 'dst:vdpa0', asid: 0, what: 'mrDestroy', mkeysDestroyed: 1 },
  { kind: 'mapWork', t: 30_000, dur: 8_000, device: 'dst:vdpa0', asid: 0, what: 'mrDestroy', mkeysDestroyed: 1 },
  { kind: 'mapWork', t: 24_000.75, dur: 3_000.25, device: 'dst:vdpa0', asid: 0, what: 'setMapRebuild' },
];

describe('toChromeTrace', () => {
  const trace = toChromeTrace(events, { title: 's/v #0', metadata: { seed: 1 } });
  const byName = (n: string) => trace.traceEvents.find((e) => e.name === n)!;
  const meta = (name: string) => trace.traceEvents.filter((e) => e.ph === 'M' && e.name === name);
  const thread = (pid: number, name: string) => meta('thread_name').find((e) => e.pid === pid && e.args!.name === name)?.tid;

  it('one process for the migration and one per host, named and in order', () => {
    expect(meta('process_name').map((e) => [e.pid, e.args!.name])).toEqual([
      [1, 'migration s/v #0'],
      [2, 'source host'],
      [3, 'destination host'],
    ]);
    expect(meta('process_sort_index').map((e) => e.args!.sort_index)).toEqual([0, 2, 3]);
    expect(trace.metadata.seed).toBe(1);
  });

  it('one track per device in its host, the device-less events on the migration track', () => {
    expect(meta('thread_name').map((e) => [e.pid, e.args!.name])).toEqual([
      [1, 'VMM / migration'],
      [1, 'vdpa0 (guest probe flow)'],
      [2, 'src:vdpa0'],
      [2, 'src:vdpa1'],
      [3, 'dst:vdpa0'],
      [3, 'dst:vdpa0 async work'],
      [3, 'dst:vdpa0 async work (2)'],
    ]);
    expect(byName('downtime1')).toMatchObject({ pid: 1, tid: thread(1, 'VMM / migration') });
    expect(byName('SUSPEND')).toMatchObject({ pid: 2, tid: thread(2, 'src:vdpa1') });
  });

  it('turns phases into complete events with µs timestamps rounded to the ns', () => {
    expect(byName('downtime1')).toMatchObject({ ph: 'X', ts: 1, dur: 9.123, cat: 'phase' });
    expect(byName('downtime1.suspend')).toMatchObject({ ts: 1.5, dur: 1.5 });
    expect(byName('precopy')).toMatchObject({ ts: 11, dur: 19, args: { unclosed: true } });
    expect(byName('setMapRebuild')).toMatchObject({ ts: 5, dur: 4 });
  });

  it('messages, map work and pinning end at their report time', () => {
    expect(byName('SUSPEND')).toMatchObject({ ph: 'X', cat: 'msg', ts: 1.5, dur: 1.25 });
    expect(byName('setMapRebuild')).toMatchObject({ args: { mkeysCreated: 3 } });
    expect(byName('unpin')).toMatchObject({ ts: 9, dur: 0.5, args: { pages: 512 } });
  });

  it('faults, notes and lost probes are instants; delivered probes are left out', () => {
    expect(byName('fault: no mapping')).toMatchObject({ ph: 'i', s: 't', pid: 2, ts: 9.6 });
    expect(byName('CVQ replay: 12 commands')).toMatchObject({ ph: 'i', pid: 1 });
    expect(trace.traceEvents.filter((e) => e.cat === 'probe')).toEqual([expect.objectContaining({ name: 'probe lost', args: { count: 4 } })]);
  });

  it('asynchronous device work goes on async tracks; overlapping async work on a second one', () => {
    const destroys = trace.traceEvents.filter((e) => e.name === 'mrDestroy');
    const async1 = thread(3, 'dst:vdpa0 async work');
    const async2 = thread(3, 'dst:vdpa0 async work (2)');
    expect(destroys.map((e) => [e.ts, e.tid])).toEqual([
      [15, async1],
      [22, async2],
      [23, async2],
    ]);
    const sync = thread(3, 'dst:vdpa0');
    expect(trace.traceEvents.filter((e) => e.pid === 3 && e.tid === sync && e.ph === 'X').map((e) => e.name)).toEqual(['SET_STATUS', 'setMapRebuild']);
    // Rounded to the ns at both edges: 21 000.5 → 21 001, 24 000.75 → 24 001.
    expect(trace.traceEvents.find((e) => e.pid === 3 && e.name === 'setMapRebuild')).toMatchObject({ ts: 21.001, dur: 3 });
  });

  it('every track nests, timestamps are rounded and sorted, and it serializes to JSON', () => {
    expect(traceProblems(trace)).toEqual([]);
    expect((JSON.parse(JSON.stringify(trace)) as { traceEvents: unknown[] }).traceEvents.length).toBe(trace.traceEvents.length);
  });

  it('the checker finds a partial overlap', () => {
    const bad: Ev[] = [
      { name: 'a', ph: 'X', pid: 1, tid: 1, ts: 0, dur: 2 },
      { name: 'b', ph: 'X', pid: 1, tid: 1, ts: 1, dur: 2 },
      { name: 'c', ph: 'X', pid: 1, tid: 2, ts: 1.0000001, dur: 1 },
    ];
    expect(traceProblems({ traceEvents: bad, displayTimeUnit: 'ns', metadata: {} })).toEqual([
      'c: ts 1.0000001 is not rounded to the ns',
      'track 1/1: a [0, 2000] | b [1000, 3000]',
    ]);
  });
});

describe('svqsim trace on the shipped scenarios', () => {
  const scenarios = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'));

  it.each(scenarios)('%s: slices nest on every track, timestamps are rounded, one pid per host', async (file) => {
    const r = await runCommand(registerTraceCommand, ['trace', join('scenarios', file)], ROOT);
    expect(r.code, r.stderr).toBe(0);
    const trace = JSON.parse(r.stdout) as ChromeTrace;
    expect(traceProblems(trace)).toEqual([]);
    const processes = new Map(trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => [e.args!.name as string, e.pid]));
    expect([...processes.keys()].slice(1)).toEqual(['source host', 'destination host']);
    expect(new Set(processes.values()).size).toBe(3);
    // Each device's events are in its host's process.
    const threads = trace.traceEvents.filter((e) => e.name === 'thread_name');
    for (const t of threads) {
      const name = t.args!.name as string;
      if (name.startsWith('src:')) expect(t.pid).toBe(processes.get('source host'));
      if (name.startsWith('dst:')) expect(t.pid).toBe(processes.get('destination host'));
    }
    expect(threads.some((t) => t.pid === processes.get('source host'))).toBe(true);
    expect(threads.some((t) => t.pid === processes.get('destination host'))).toBe(true);
    // Deferred MKEY destruction (mlx5-like devices) is never on a device's call track.
    const asyncTracks = new Set(threads.filter((t) => / async work/.test(t.args!.name as string)).map((t) => `${t.pid}/${t.tid}`));
    for (const e of trace.traceEvents.filter((x) => x.name === 'mrDestroy')) expect(asyncTracks.has(`${e.pid}/${e.tid}`)).toBe(true);
  });

  it('deferred MKEY destruction that overlaps the calls goes on the async tracks', async () => {
    // The reference scenario with the MR GC work run at once (mrGcDelayNs 0), so destroys overlap calls.
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-trace-'));
    const text = readFileSync(join(ROOT, 'scenarios', 'reference-128g.yaml'), 'utf8').replace(/ {4}profile: mlx5\n/g, '    profile: mlx5\n    costs: { mrGcDelayNs: 0 }\n');
    writeFileSync(join(dir, 'ref.yaml'), text);
    const r = await runCommand(registerTraceCommand, ['trace', join(dir, 'ref.yaml')], ROOT);
    const trace = JSON.parse(r.stdout) as ChromeTrace;
    const destroys = trace.traceEvents.filter((e) => e.name === 'mrDestroy');
    expect(destroys.length).toBeGreaterThan(0);
    // Put back on the call tracks they would overlap: the checker would object.
    const sync = new Map(trace.traceEvents.filter((e) => e.name === 'thread_name' && !/ async work/.test(e.args!.name as string)).map((e) => [`${e.pid}/${e.args!.name as string}`, e.tid]));
    const merged = trace.traceEvents.map((e) => {
      if (e.name !== 'mrDestroy') return e;
      const track = trace.traceEvents.find((t) => t.name === 'thread_name' && t.pid === e.pid && t.tid === e.tid)!.args!.name as string;
      return { ...e, tid: sync.get(`${e.pid}/${track.replace(/ async work.*$/, '')}`)! };
    });
    expect(traceProblems({ ...trace, traceEvents: merged }).length).toBeGreaterThan(0);
  });
});
