// recorder.test.ts — counts by phase and device, downtime windows and probe gaps from events.
import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import type { ModelEvent } from '../../sim/events/events.js';
import { RunRecorder } from '../../metrics/recorder.js';
import { defined } from '../defined.js';

function record(events: ModelEvent[]): RunRecorder {
  const s = new Subject<ModelEvent>();
  const r = new RunRecorder(s);
  for (const e of events) s.next(e);
  return r;
}

const msg = (t: number, device: string, type: 'IOTLB_UPDATE' | 'IOTLB_INVALIDATE' | 'IOTLB_BATCH_END' | 'SUSPEND', errno?: 'EEXIST'): ModelEvent =>
  errno ? { kind: 'msg', t, dur: 1, device, type, errno } : { kind: 'msg', t, dur: 1, device, type };

describe('RunRecorder', () => {
  it('attributes counts to the open top-level phase, per device', () => {
    const r = record([
      msg(0, 'src:net0', 'IOTLB_UPDATE'),
      { kind: 'phase', t: 10, edge: 'begin', name: 'downtime1' },
      msg(11, 'src:net0', 'SUSPEND'),
      msg(12, 'src:net0', 'IOTLB_INVALIDATE'),
      msg(13, 'src:net0', 'IOTLB_BATCH_END'),
      msg(14, 'src:net0', 'IOTLB_UPDATE', 'EEXIST'),
      { kind: 'pin', t: 15, dur: 1, device: 'src:net0', pages: -512 },
      { kind: 'mapWork', t: 16, dur: 1, device: 'src:net0', asid: 0, what: 'setMapRebuild', mkeysCreated: 3 },
      { kind: 'phase', t: 20, edge: 'end', name: 'downtime1' },
      msg(21, 'src:net0', 'IOTLB_UPDATE'),
    ]);
    const d1 = defined(r.countsByPhase.downtime1, 'downtime1 counts');
    expect(d1).toMatchObject({ update: 0, invalidate: 1, batches: 1, pagesUnpinned: 512, setMapRebuilds: 1, mkeysCreated: 3 });
    // A failed message counts as an ioctl but not as an UPDATE.
    expect(d1.ioctls).toEqual({ SUSPEND: 1, IOTLB_INVALIDATE: 1, IOTLB_BATCH_END: 1, IOTLB_UPDATE: 1 });
    expect(r.countsByPhase.other!.update).toBe(2);
    expect(r.countsByDevice['src:net0']!.downtime1).toEqual(d1);
  });

  it('gives a device its own top-level phase while it runs one (destination init)', () => {
    const r = record([
      { kind: 'phase', t: 0, edge: 'begin', name: 'downtime1' },
      { kind: 'phase', t: 1, edge: 'begin', name: 'destInit', device: 'dst:net0' },
      { kind: 'pin', t: 2, dur: 1, device: 'dst:net0', pages: 1000 },
      { kind: 'pin', t: 2, dur: 1, device: 'src:net0', pages: 7 },
      { kind: 'phase', t: 3, edge: 'end', name: 'destInit', device: 'dst:net0' },
      { kind: 'phase', t: 4, edge: 'end', name: 'downtime1' },
    ]);
    expect(r.countsByPhase.destInit!.pagesPinned).toBe(1000);
    expect(r.countsByPhase.downtime1!.pagesPinned).toBe(7);
  });

  it('builds a downtime window with its nested phases relative to its start', () => {
    const r = record([
      { kind: 'phase', t: 100, edge: 'begin', name: 'downtime2' },
      { kind: 'phase', t: 100, edge: 'begin', name: 'vmStop' },
      { kind: 'phase', t: 130, edge: 'end', name: 'vmStop' },
      { kind: 'phase', t: 130, edge: 'begin', name: 'map', device: 'dst:net0' },
      { kind: 'phase', t: 190, edge: 'end', name: 'map', device: 'dst:net0' },
      { kind: 'phase', t: 200, edge: 'end', name: 'downtime2' },
    ]);
    const d = r.downtime('downtime2');
    expect(d.totalNs).toBe(100);
    expect(d.startNs).toBe(100);
    expect(d.phases).toEqual([
      { name: 'vmStop', startNs: 0, durNs: 30 },
      { name: 'map', device: 'dst:net0', startNs: 30, durNs: 60 },
    ]);
    expect(() => r.downtime('downtime1')).toThrow(/without a complete downtime1/);
  });

  it('measures the longest gap between delivered probes, overall and inside a window', () => {
    const probes: ModelEvent[] = [0, 10, 20, 90, 100, 110, 300, 310].map((t) => ({ kind: 'probe', t, device: 'net0', delivered: true }));
    probes.push({ kind: 'probe', t: 50, device: 'net0', delivered: false });
    const r = record(probes);
    expect(r.longestProbeGap()).toBe(190);
    expect(r.longestProbeGap(30, 60)).toBe(70);
    expect(r.longestProbeGap(0, 25)).toBe(70);
  });

  it('takes gaps per device: one NIC\'s probes do not fill another\'s outage', () => {
    const ev = (device: string, t: number): ModelEvent => ({ kind: 'probe', t, device, delivered: true });
    const r = record([ev('a', 0), ev('b', 0), ev('b', 10), ev('b', 20), ev('b', 30), ev('a', 40), ev('b', 50)]);
    expect(r.longestProbeGap()).toBe(40);
  });

  it('does not count the interval across a pause of the probe flow as a gap, but what ran up to the pause and from the resume', () => {
    const ev = (t: number, device = 'net0'): ModelEvent => ({ kind: 'probe', t, device, delivered: true });
    const pause = (t: number, edge: 'pause' | 'resume', device = 'net0'): ModelEvent => ({ kind: 'probePause', t, device, edge });
    const r = record([ev(0), ev(10), ev(20), pause(25, 'pause'), pause(5000, 'resume'), ev(5004), ev(5014), ev(5024)]);
    // Without the pause the longest gap would be 20 → 5004.
    expect(r.longestProbeGap()).toBe(10);
    // A gap that began before the pause counts up to the pause: here an outage from 20.
    const outage = record([ev(0), ev(10), ev(20), pause(60, 'pause'), pause(5000, 'resume'), ev(5001), ev(5011)]);
    expect(outage.longestProbeGap()).toBe(40);
    expect(outage.longestProbeGap(4000, 4500)).toBe(0);
    // Another device's pause does not break this one's gap.
    const other = record([ev(0), pause(5, 'pause', 'net1'), pause(500, 'resume', 'net1'), ev(600)]);
    expect(other.longestProbeGap()).toBe(600);
  });

  it('reports a phase that ends without beginning, or never ends', () => {
    expect(() => record([{ kind: 'phase', t: 5, edge: 'end', name: 'map', device: 'x' }]).check()).toThrow(/phase map of x ended at 5 ns without a begin/);
    expect(() => record([{ kind: 'phase', t: 5, edge: 'begin', name: 'precopy' }]).check()).toThrow(/precopy began at 5 ns and never ended/);
    expect(() => record([{ kind: 'phase', t: 5, edge: 'begin', name: 'precopy' }, { kind: 'phase', t: 6, edge: 'end', name: 'precopy' }]).check()).not.toThrow();
  });

  it('pairs each end with the open phase of its device and name, whatever opened between', () => {
    const ph = (t: number, edge: 'begin' | 'end', name: string, device?: string): ModelEvent =>
      device === undefined ? { kind: 'phase', t, edge, name } : { kind: 'phase', t, edge, name, device };
    const r = record([
      ph(0, 'begin', 'map', 'a'),
      ph(1, 'begin', 'map', 'b'),
      ph(2, 'begin', 'map'),
      ph(3, 'end', 'map', 'a'),
      ph(4, 'begin', 'reset', 'b'),
      ph(6, 'end', 'map', 'b'),
      // A second begin of an open phase restarts it where it stood among the open ones.
      ph(7, 'begin', 'map'),
      ph(8, 'end', 'reset', 'b'),
    ]);
    expect(r.allSpans()).toEqual([
      { name: 'map', startNs: 0, durNs: 3, device: 'a' },
      { name: 'map', startNs: 1, durNs: 5, device: 'b' },
      { name: 'reset', startNs: 4, durNs: 4, device: 'b' },
    ]);
    expect(r.openPhases()).toBe('; open phases: map');
    expect(() => r.check()).toThrow(/phase map began at 7 ns and never ended/);
  });
});
