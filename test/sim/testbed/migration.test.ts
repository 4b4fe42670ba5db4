// migration.test.ts — whole runs with traffic and the probe flow: invariants hold, the probe gap
// covers the data-plane outages, SVQ reports RX pages during pre-copy, the destination resumes
// at the source's indices, a broken map faults, and the same seed gives the same record.

import { describe, expect, it } from 'vitest';
import { simulateMigration, type RunInput } from '../../../sim/testbed/simulateMigration.js';
import type { ModelEvent } from '../../../sim/events/events.js';
import { defaultVmmCosts } from '../../../vmm/vmmCosts.js';
import { scenario, GiB, type ScenarioOpts } from './helpers.js';
import { harness } from './harness.js';
import { defined } from '../../defined.js';

const TRAFFIC = { packetsPerSecond: 200_000, packetSize: 1500, rxFraction: 0.5 };
const PROBE = { interval: 1_000_000 };

function spec(o: ScenarioOpts): RunInput {
  return { scenario: scenario(o), variant: 'v', params: {}, replication: 0, stream: 0, seed: 11 };
}

/** Device-dirty pages per pre-copy pass, from the pass notes. */
function devicePages(events: readonly ModelEvent[]): number[] {
  const out: number[] = [];
  for (const e of events) {
    if (e.kind !== 'note') continue;
    const m = /precopy pass \d+: .* device (\d+)\)/.exec(e.text);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

describe('a migration with traffic and probes', () => {
  for (const [profile, queuePairs] of [
    ['vdpa_sim', 1],
    ['mlx5', 2],
  ] as const) {
    it(`${profile}: no invariant violated, probe gap covers the outages, RX pages dirtied during pre-copy`, () => {
      const out = simulateMigration(spec({ profile, queuePairs, memory: 2 * GiB, traffic: TRAFFIC, probe: PROBE }), { keepEvents: true });
      const r = out.record;
      expect(r.invariants.violations).toEqual([]);
      expect(r.invariants.checked).toBeGreaterThan(1000);
      const gap = r.observedNs as number;
      expect(gap).toBeDefined();
      // Probes are 1 ms apart: the gap spans each outage, less at most one interval. Downtime #2
      // starts at VM stop, whose first vmStopNs the guest still runs.
      expect(gap).toBeGreaterThanOrEqual(r.downtime1.totalNs - PROBE.interval);
      expect(gap).toBeGreaterThanOrEqual(r.downtime2.totalNs - defaultVmmCosts.vmStopNs - PROBE.interval);
      const events = out.events as ModelEvent[];
      const delivered = events.filter((e) => e.kind === 'probe' && e.delivered).length;
      const lost = events.filter((e) => e.kind === 'probe' && !e.delivered).length;
      expect(delivered).toBeGreaterThan(100);
      expect(lost).toBeGreaterThan(0);
      const pages = devicePages(events);
      expect(pages.length).toBeGreaterThan(0);
      expect(pages.some((p) => p > 0)).toBe(true);
      expect(events.some((e) => e.kind === 'fault')).toBe(false);
    });
  }

  it('without traffic and probes, only the CVQ moves (no data-plane events)', () => {
    const quiet = simulateMigration(spec({ profile: 'vdpa_sim', memory: 2 * GiB }), { keepEvents: true });
    expect(quiet.record.invariants.violations).toEqual([]);
    expect((quiet.events as ModelEvent[]).some((e) => e.kind === 'probe')).toBe(false);
    expect(devicePages(quiet.events as ModelEvent[]).every((p) => p === 0)).toBe(true);
  });

  it('is deterministic: same seed, same record', () => {
    const o: ScenarioOpts = { profile: 'mlx5', queuePairs: 2, memory: 2 * GiB, traffic: TRAFFIC, probe: PROBE };
    const a = JSON.stringify(simulateMigration(spec(o)).record);
    const b = JSON.stringify(simulateMigration(spec(o)).record);
    expect(a).toBe(b);
  });
});

describe('ring indices across the migration', () => {
  it('the destination resumes at the source indices, and every guest buffer is used once', () => {
    const h = harness({ profile: 'mlx5', queuePairs: 2, memory: 2 * GiB, traffic: TRAFFIC, probe: PROBE });
    const r = h.run(h.migration());
    expect(r.ok).toBe(true);
    const bases = h.src.net.vringBases;
    for (let vq = 0; vq < 4; vq++) {
      // SET_VRING_BASE at the destination carried the source's index, and the traffic moved on from there.
      const base = defined(bases[vq], `vring base ${vq}`);
      expect(base.lastAvailIdx).toBeGreaterThan(0);
      const now = defined(h.dp.guest.rings[vq], `guest ring ${vq}`).getDeviceState();
      expect((now.lastAvailIdx - base.lastAvailIdx) & 0xffff).toBeGreaterThan(0);
      expect((now.lastAvailIdx - base.lastAvailIdx) & 0xffff).toBeLessThan(0x8000);
    }
    expect(h.dst.dev.stats.rxFrames).toBeGreaterThan(0);
    expect(h.dst.dev.stats.txFrames).toBeGreaterThan(0);
    const f = h.dp.finish();
    expect(f.violations).toEqual([]);
    expect(h.dp.guest.madeAvailable - h.dp.guest.usedBack).toBe(h.dp.guest.rings.reduce((s, x) => s + x.outstanding, 0));
  });

  it('a broken map (a shadow vring invalidated while running) faults the device and violates an invariant', () => {
    const h = harness({ profile: 'vdpa_sim', memory: 2 * GiB, traffic: TRAFFIC });
    const net = h.src.net;
    const r = h.run(
      (function* () {
        const i = yield* net.init();
        if (!i.ok) return i;
        let s = yield* net.start(false, [], h.ctrl);
        if (!s.ok) return s;
        yield 5_000_000;
        s = yield* net.stop();
        if (!s.ok) return s;
        s = yield* net.start(true, net.vringBases, h.ctrl);
        if (!s.ok) return s;
        yield 5_000_000;
        // Drop the RX shadow vring's driver area from the device's IOTLB while it runs.
        const svq = defined(net.svqs[0], 'shadow virtqueue 0');
        const at = svq.vringAddr();
        const inv = yield* net.fd.iotlbMsg({ type: 'invalidate', asid: svq.mappedAsid as number, iova: at.desc, size: net.cfg.svqSizes.driverAreaBytes });
        if (!inv.ok) return inv;
        yield 5_000_000;
        return s;
      })(),
    );
    expect(r.ok).toBe(true);
    const faults = h.events.filter((e) => e.kind === 'fault');
    expect(faults.length).toBeGreaterThan(0);
    expect(faults[0]).toMatchObject({ device: 'src:net0', vq: 0 });
    expect(h.src.dev.view.running).toBe(false);
    expect(h.src.dev.stats.rxDropped).toBeGreaterThan(0);
    const f = h.dp.finish();
    expect(f.violations.some((v) => /DMA fault/.test(v) && /vq0/.test(v))).toBe(true);
  });

  it('an injected fault is not a violation when the run expects it', () => {
    const h = harness({ profile: 'vdpa_sim', memory: 2 * GiB, traffic: TRAFFIC, expectFaults: true });
    const net = h.src.net;
    h.run(
      (function* () {
        yield* net.init();
        yield* net.start(true, [], h.ctrl);
        yield 2_000_000;
        const svq = defined(net.svqs[1], 'shadow virtqueue 1');
        yield* net.fd.iotlbMsg({ type: 'invalidate', asid: svq.mappedAsid as number, iova: svq.vringAddr().used, size: net.cfg.svqSizes.deviceAreaBytes });
        yield 2_000_000;
      })(),
    );
    expect(h.events.some((e) => e.kind === 'fault')).toBe(true);
    expect(h.dp.finish().violations).toEqual([]);
  });
});
