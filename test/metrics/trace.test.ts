// trace.test.ts — Chrome trace conversion: tracks, complete events, instants, µs timestamps.

import { describe, expect, it } from 'vitest';
import type { ModelEvent } from '../../sim/events/events.js';
import { toChromeTrace } from '../../metrics/trace.js';

const events: ModelEvent[] = [
  { kind: 'phase', t: 1_000, edge: 'begin', name: 'downtime1' },
  { kind: 'phase', t: 1_500, edge: 'begin', name: 'downtime1.suspend', device: 'vdpa1' },
  { kind: 'msg', t: 2_750, dur: 1_250, device: 'vdpa1', type: 'SUSPEND' },
  { kind: 'phase', t: 3_000, edge: 'end', name: 'downtime1.suspend', device: 'vdpa1' },
  { kind: 'mapWork', t: 9_000, dur: 4_000, device: 'vdpa0', asid: 0, what: 'setMapRebuild', mkeysCreated: 3 },
  { kind: 'pin', t: 9_500, dur: 500, device: 'vdpa0', pages: -512 },
  { kind: 'fault', t: 9_600, device: 'vdpa0', vq: 1, asid: 0, iova: 0x1000, access: 'write', reason: 'no mapping' },
  { kind: 'probe', t: 9_700, device: 'vdpa0', delivered: true },
  { kind: 'probe', t: 9_701, device: 'vdpa0', delivered: false },
  { kind: 'note', t: 9_800, text: 'CVQ replay: 12 commands' },
  { kind: 'phase', t: 10_123, edge: 'end', name: 'downtime1' },
  { kind: 'phase', t: 11_000, edge: 'begin', name: 'precopy' },
  { kind: 'note', t: 12_000, text: 'end' },
];

describe('toChromeTrace', () => {
  const trace = toChromeTrace(events, { title: 's/v #0', metadata: { seed: 1 } });
  const byName = (n: string) => trace.traceEvents.find((e) => e.name === n)!;

  it('names the process and one thread per device plus the VMM', () => {
    const threads = trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args!.name]);
    expect(threads).toEqual([
      [1, 'VMM / migration'],
      [2, 'vdpa0'],
      [3, 'vdpa1'],
    ]);
    expect(byName('process_name').args!.name).toBe('s/v #0');
    expect(trace.metadata.seed).toBe(1);
  });

  it('turns phases into complete events with µs timestamps and ns fractions', () => {
    const d1 = byName('downtime1');
    expect(d1).toMatchObject({ ph: 'X', tid: 1, ts: 1, dur: 9.123, cat: 'phase' });
    expect(byName('downtime1.suspend')).toMatchObject({ tid: 3, ts: 1.5, dur: 1.5 });
    expect(byName('precopy')).toMatchObject({ ts: 11, dur: 1, args: { unclosed: true } });
  });

  it('messages, map work and pinning end at their report time', () => {
    expect(byName('SUSPEND')).toMatchObject({ ph: 'X', cat: 'msg', tid: 3, ts: 1.5, dur: 1.25 });
    expect(byName('setMapRebuild')).toMatchObject({ tid: 2, ts: 5, dur: 4, args: { mkeysCreated: 3 } });
    expect(byName('unpin')).toMatchObject({ ts: 9, dur: 0.5, args: { pages: 512 } });
  });

  it('faults, notes and lost probes are instants; delivered probes are left out', () => {
    expect(byName('fault: no mapping')).toMatchObject({ ph: 'i', s: 't', tid: 2, ts: 9.6 });
    expect(byName('CVQ replay: 12 commands')).toMatchObject({ ph: 'i', tid: 1 });
    expect(trace.traceEvents.filter((e) => e.cat === 'probe')).toHaveLength(1);
  });

  it('sorts timed events by timestamp and serializes to JSON', () => {
    const ts = trace.traceEvents.filter((e) => e.ph !== 'M').map((e) => e.ts!);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect((JSON.parse(JSON.stringify(trace)) as { traceEvents: unknown[] }).traceEvents.length).toBe(trace.traceEvents.length);
  });
});
