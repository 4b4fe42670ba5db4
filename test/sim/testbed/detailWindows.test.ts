// detailWindows.test.ts — the data plane in observation windows: kernel work nearly flat in the
// guest's size, pre-copy's dirty counts as in full detail, the probe flow paused between windows
// without its pauses counting as outages, observed downtimes as in full detail, invariants kept,
// and a NIC stalled behind its stopping device down rather than losing ping after ping.

import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import type { ModelEvent } from '../../../sim/events/events.js';
import { RunRecorder } from '../../../metrics/recorder.js';
import { OBSERVE_NS, dormantSpan } from '../../../sim/testbed/detailWindows.js';
import { GiB, MiB } from './helpers.js';
import { harness, type HarnessOpts } from './harness.js';
import { expandScenario, loadScenarioFile, runPlan } from '../../../sim/scenario/index.js';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';

const TRAFFIC = { packetsPerSecond: 200_000, packetSize: 1500, rxFraction: 0.5 };
const PROBE = { interval: 1_000_000 };
/** 25 Gbit/s. */
const BW = 3.125e9;

interface Pass {
  dirty: number;
  cpu: number;
  device: number;
}

/** A whole migration through the harness: kernel events, passes, the recorder's view, invariants. */
function migrateWith(o: HarnessOpts) {
  const h = harness(o);
  const r = h.run(h.migration());
  if (!r.ok) throw new Error(r.reason);
  const passes: Pass[] = [];
  for (const e of h.events) {
    if (e.kind !== 'note') continue;
    const m = /precopy pass \d+: .* dirty (\d+) pages \(cpu (\d+), device (\d+)\)/.exec(e.text);
    if (m) passes.push({ dirty: Number(m[1]), cpu: Number(m[2]), device: Number(m[3]) });
  }
  const s = new Subject<ModelEvent>();
  const rec = new RunRecorder(s);
  for (const e of h.events) s.next(e);
  return { h, processed: h.kernel.processed, passes, rec, finish: h.dp.finish() };
}

describe('observation windows', () => {
  it('keep the kernel work nearly flat in the guest size (1 TiB against 16 GiB, traffic and probes)', () => {
    const o: HarnessOpts = { profile: 'vdpa_sim', queuePairs: 1, traffic: TRAFFIC, probe: PROBE, bandwidth: BW, cpuDirty: { dirtyRate: 512 * MiB, hotBytes: 2 * GiB } };
    const small = migrateWith({ ...o, memory: 16 * GiB });
    const big = migrateWith({ ...o, memory: 1024 * GiB });
    // Pre-copy of 1 TiB lasts about 64 times longer.
    expect(big.h.kernel.now).toBeGreaterThan(40 * small.h.kernel.now);
    expect(big.processed).toBeLessThanOrEqual(1.5 * small.processed);
    expect(small.finish.violations).toEqual([]);
    expect(big.finish.violations).toEqual([]);
    // In full detail the work follows the simulated time.
    const full = migrateWith({ ...o, memory: 16 * GiB, detail: 'full' });
    expect(full.processed).toBeGreaterThan(5 * small.processed);
  });

  it('give pre-copy the dirty counts of the fully detailed data plane', () => {
    const o: HarnessOpts = { profile: 'mlx5', queuePairs: 2, memory: 2 * GiB, traffic: TRAFFIC, probe: PROBE, bandwidth: 0.5 * GiB, cpuDirty: { dirtyRate: 64 * MiB, hotBytes: 256 * MiB } };
    const full = migrateWith({ ...o, detail: 'full' });
    const win = migrateWith(o);
    // The windows did sleep through the long first pass.
    expect(win.h.events.filter((e) => e.kind === 'probePause').length).toBeGreaterThanOrEqual(2);
    expect(full.h.events.some((e) => e.kind === 'probePause')).toBe(false);
    expect(win.processed).toBeLessThan(full.processed / 3);
    expect(win.passes.length).toBe(full.passes.length);
    expect(full.passes.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < full.passes.length; i++) {
      const f = full.passes[i]!;
      const w = win.passes[i]!;
      expect(f.device).toBeGreaterThan(0);
      expect(w.device).toBe(f.device);
      expect(w.dirty).toBe(f.dirty);
    }
    expect(win.finish.violations).toEqual([]);
    expect(full.finish.violations).toEqual([]);
  });

  it('pause the probe flow between windows without counting the pause, and observe the downtimes as in full detail', () => {
    const o: HarnessOpts = { profile: 'vdpa_sim', queuePairs: 1, memory: 2 * GiB, traffic: TRAFFIC, probe: PROBE, bandwidth: 0.5 * GiB };
    const full = migrateWith({ ...o, detail: 'full' });
    const win = migrateWith(o);
    const ev = win.h.events;
    const pauses = ev.filter((e) => e.kind === 'probePause');
    expect(pauses.length).toBeGreaterThanOrEqual(2);
    // Pauses and resumes alternate, and no probe is sent or delivered in between.
    for (let i = 0; i + 1 < pauses.length; i += 2) {
      const [p, r] = [pauses[i]!, pauses[i + 1]!];
      expect(p).toMatchObject({ edge: 'pause' });
      expect(r).toMatchObject({ edge: 'resume' });
      expect(r.t - p.t).toBeGreaterThanOrEqual(OBSERVE_NS);
      expect(ev.some((e) => e.kind === 'probe' && e.t > p.t && e.t < r.t)).toBe(false);
    }
    // The longest gap is an outage, not a pause, and matches the fully detailed run's.
    const gap = win.rec.longestProbeGap() as number;
    expect(gap).toBeLessThan(pauses[1]!.t - pauses[0]!.t);
    expect(gap).toBe(full.rec.longestProbeGap());
    for (const name of ['downtime1', 'downtime2'] as const) {
      const w = win.rec.downtime(name);
      const f = full.rec.downtime(name);
      expect(w.totalNs).toBe(f.totalNs);
      expect(w.observedNs).toBe(f.observedNs);
    }
    // Probes sent to a stopped device are reported lost together when it starts again.
    expect(ev.some((e) => e.kind === 'probe' && !e.delivered && (e.count ?? 1) > 1)).toBe(true);
    expect(win.finish.violations).toEqual([]);
  });

  it('leave a short pass, and the settle after the SVQ switch, in detail', () => {
    const w = OBSERVE_NS;
    expect(dormantSpan({ index: 2, startNs: 0, endNs: 2 * w - 1 }, w, w)).toBeNull();
    expect(dormantSpan({ index: 2, startNs: 0, endNs: 3 * w }, w, 5 * w)).toEqual({ from: 0, to: 2 * w });
    // The first pass: its NIC settled W after its switch, which ended as the pass started...
    expect(dormantSpan({ index: 1, startNs: 0, endNs: 3 * w - 1 }, w, w)).toBeNull();
    expect(dormantSpan({ index: 1, startNs: 0, endNs: 10 * w }, w, w)).toEqual({ from: w, to: 9 * w });
    // ...or before it, while another NIC switched: it may sleep from the start.
    expect(dormantSpan({ index: 1, startNs: 4 * w, endNs: 10 * w }, w, w)).toEqual({ from: 4 * w, to: 9 * w });
  });
});

describe('a NIC stalled behind its stopping device', () => {
  it('goes down while the paused guest’s suspended device refuses frames (16 TiB: a 26 s stop, no event per ping)', async () => {
    const loaded = await loadScenarioFile('sim/bench/memory16TiB.yaml', { cwd: process.cwd() });
    const variants = expandScenario(loaded);
    const spec = runPlan(variants, { replications: 1, warmup: 0, seed: loaded.scenario.seed }).find((s) => variants[s.variantIndex]!.id === 'memory=16TiB')!;
    const v = variants[spec.variantIndex]!;
    const r = simulateMigration({ scenario: v.scenario, variant: v.id, params: v.params, replication: 0, stream: spec.stream, seed: spec.seed }, { keepEvents: true });
    const lost = (r.events as ModelEvent[]).filter((e) => e.kind === 'probe' && !e.delivered);
    expect(r.record.downtime2.totalNs).toBeGreaterThan(20e9);
    // The lost pings are reported together when the NIC comes back, not one event each.
    expect(lost.length).toBeLessThan(50);
    expect(r.eventsFired).toBeLessThan(5_000);
  });
});
