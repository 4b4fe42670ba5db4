// calibration.test.ts — the shipped profiles and host costs against the published figures of
// DESIGN.md 2.5, with fitting and checking kept apart. A "fit" test only confirms that a parameter
// reproduces the figure it was fitted from (it cannot fail honestly); a "check" test runs the
// mechanism on a setup no parameter was fitted to and fails when the result leaves its band.
// README "Calibration" lists every figure, its role and the error of each check.
import { describe, expect, it } from 'vitest';
import { simulateMigration } from '../../sim/testbed/simulateMigration.js';
import { scenario, GiB, type ScenarioOpts } from '../sim/testbed/helpers.js';
import type { PhaseSpan } from '../../metrics/result.js';
import type { Scenario } from '../../sim/scenario/scenario.js';
import { defaultHostCosts } from '../../device/vhost/hostCosts.js';
import { mlx5Profile } from '../../device/profiles/mlx5.js';
import type { Profile } from '../../device/profiles/profile.js';
import { run, setup } from '../device/helpers.js';
import { backingOf } from '../../device/shared/backing.js';

/** One run of `sc` with its profiles' figures themselves: no run-to-run jitter. */
function runExact(sc: Scenario) {
  for (const d of sc.devices) d.profile = { ...d.profile, costs: { ...d.profile.costs, jitter: 0 } };
  return simulateMigration({ scenario: sc, variant: 'calibration', params: {}, replication: 0, stream: 0, seed: 1 }, {}).record;
}

/** The destination's first start: first vqSetup to the end of the last vring enable. */
function destinationStart(phases: PhaseSpan[], device: string): { ns: number; enableNs: number; replayNs: number } {
  const mine = phases.filter((p) => p.device === device);
  const first = mine.find((p) => p.name === 'vqSetup') as PhaseSpan;
  const enable = mine.find((p) => p.name === 'enable') as PhaseSpan;
  const replay = mine.find((p) => p.name === 'cvqReplay') as PhaseSpan;
  return { ns: enable.startNs + enable.durNs - first.startNs, enableNs: enable.durNs, replayNs: replay.durNs };
}

/**
 * One MR of 256 GiB (256 direct MKEYs, 2 MiB runs) built and then dropped on an mlx5 with
 * `firmwareConcurrency` commands in flight: the create_user_mr time and the destroy time
 * (synchronous and serial with one in flight, through the GC work's batch otherwise).
 */
function mkeyTimes(firmwareConcurrency: number): { createNs: number; destroyNs: number } {
  const serial = firmwareConcurrency === 1;
  const profile: Profile = {
    ...mlx5Profile,
    costs: { ...mlx5Profile.costs, jitter: 0, firmwareConcurrency, mrDestroy: serial ? 'sync' : 'deferred', mrGcDelayNs: 0 },
  };
  const s = setup(profile, { ramBytes: 256 * GiB, backing: backingOf('thp') });
  const work = () => s.tally.events.flatMap((e) => (e.kind === 'mapWork' ? [e] : []));
  run(s.kernel, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: 256 * GiB, uaddr: s.ramHva, perm: 3 }));
  const built = work().filter((e) => e.what === 'setMapRebuild');
  run(s.kernel, s.fd.iotlbMsg({ type: 'invalidate', asid: 0, iova: 0, size: 256 * GiB }));
  const dropped = serial ? work().filter((e) => e.what === 'setMapRebuild')[1] : work().filter((e) => e.what === 'mrDestroy').at(-1);
  return { createNs: built[0]?.dur ?? Number.NaN, destroyNs: dropped?.dur ?? Number.NaN };
}

const mlx5At128 = (o: ScenarioOpts) => runExact(scenario({ profile: 'mlx5', memory: 128 * GiB, queuePairs: 8, ...o }));

describe('fits (a parameter reproduces the figure it was fitted from)', () => {
  // Li Zhe, "gup: optimize longterm pin_user_pages() for large folio", v4, Jun 2025: 8 GiB pinned
  // with 4 KiB folios in 130.5 ms, with 2 MiB hugetlb folios in 14.4 ms; 4 KiB unpin 31.7 ms.
  it('gup_test: the per-page pin and unpin costs give back 130.5 / 14.4 / 31.7 ms for 8 GiB', () => {
    const pages = (8 * GiB) / 4096;
    expect((pages * defaultHostCosts.pinSmallPerPageNs) / 1e6).toBeCloseTo(130.5, 1);
    expect((pages * defaultHostCosts.pinLargePerSubpageNs) / 1e6).toBeCloseTo(14.4, 1);
    expect((pages * defaultHostCosts.unpinPerPageNs) / 1e6).toBeCloseTo(31.7, 1);
  });

  // Palmer, 6 Jun 2025: THP pinning 42.7 ms/GiB cold vs 19.7 ms/GiB warm: 23.0 ms/GiB of faulting in.
  it('the zeroing rate gives back the 23.0 ms/GiB cold-minus-warm THP slope', () => {
    const msPerGiB = (GiB / defaultHostCosts.zeroBytesPerSecond) * 1e3;
    expect(msPerGiB).toBeGreaterThan(22.5);
    expect(msPerGiB).toBeLessThan(23.5);
  });

  // "[PATCH v4 0/8] vdpa: Send all CVQ state load commands in parallel", Aug 2023: ~4099 commands
  // in 13732 µs (cvqCommandNs was fitted from it).
  it('a ~4099-command CVQ state load: 13.7 ms (±20%)', () => {
    const r = runExact(scenario({ profile: 'vdpa_sim', memory: 1 * GiB, nic: { vlans: 4095, macTableEntries: 1, rss: false, promisc: true, allmulti: true } }));
    const ms = destinationStart(r.downtime2.phases, 'dst:net0').replayNs / 1e6;
    expect(ms).toBeGreaterThan(13.732 * 0.8);
    expect(ms).toBeLessThan(13.732 * 1.2);
  });

  // "[PATCH vhost v2 0/7] vdpa/mlx5: Optimze MKEY operations" (Aug 2024): create_user_mr() 3–5x
  // faster, destroy_user_mr() 8x, with the commands in parallel. mkeyHostNs and mkeyDestroyHostNs
  // were fitted so that 256 direct MKEYs with 16 in flight give 4x and 8x.
  it('MKEY create 4x (3-5x) and destroy 8x faster with 16 commands in flight than one at a time', () => {
    const one = mkeyTimes(1);
    const many = mkeyTimes(16);
    const create = one.createNs / many.createNs;
    const destroy = one.destroyNs / many.destroyNs;
    expect(create).toBeGreaterThan(3);
    expect(create).toBeLessThan(5);
    expect(destroy).toBeGreaterThan(7.5);
    expect(destroy).toBeLessThan(8.5);
  });

  // Palmer, RFC 5/6 thread, 27 Aug 2025: enabling all data vrings of 8 queue pairs took
  // 0.070–0.072 ms on the destination; vringEnableNs was fitted from it.
  it('enabling the 16 data vrings: 0.07–0.08 ms', () => {
    const dst = destinationStart(mlx5At128({}).downtime2.phases, 'dst:net0');
    expect(dst.enableNs / 1e6).toBeGreaterThanOrEqual(0.07);
    expect(dst.enableNs / 1e6).toBeLessThanOrEqual(0.08);
  });
});

describe('checks (no parameter fitted to the figure)', () => {
  // Palmer, RFC 5/6 thread, 27 Aug 2025: migration destination, 128 GiB, 8 queue pairs, QEMU 10.1
  // (the listener re-registers inside the first start over warm memory): 241.5–268.6 ms from the
  // first dev_start to the first vq enabled. The model gives about 298 ms (+11% over the top of the
  // range), of which the warm re-pin of 128 GiB of THP at gup_test's 2 MiB rate is 230 ms: it FAILS
  // narrowly (README "Calibration"); `it.fails` keeps that visible and turns red once it passes.
  it.fails('destination first start over warm memory: 241.5–268.6 ms (±10%) — known to fail', () => {
    const dst = destinationStart(mlx5At128({}).downtime2.phases, 'dst:net0');
    expect(dst.ns / 1e6).toBeGreaterThan(241.5 * 0.9);
    expect(dst.ns / 1e6).toBeLessThan(268.6 * 1.1);
  });
  // Palmer, RFC 5/6 thread, 18 Aug 2025: 128 GiB, 8 queue pairs, mlx5, SVQ off, the first device
  // start with the listener registering inside it over memory never touched: 26.947 / 26.606 /
  // 27.326 s from the first vhost_vdpa_dev_start to the first vq enabled. Backing not stated; taken
  // as 4 KiB pages. Modelled as a destination start under QEMU 10.0 with nothing ever written.
  it('cold first start, 128 GiB at 4 KiB pages: 26.9 s within 25%', () => {
    const r = mlx5At128({ backing: '4k', everWritten: 0, strategies: { earlyMap: false } });
    const s = destinationStart(r.downtime2.phases, 'dst:net0').ns / 1e9;
    expect(s).toBeGreaterThan(26.9 * 0.75);
    expect(s).toBeLessThan(26.9 * 1.25);
  });

  // v5 cover letter of "Move memory listener register to vhost_vdpa_init" (22 May 2025): 128 GiB,
  // ConnectX-6 Dx, 8 queue pairs, downtime 14.72 s before the series and 5.83 s after it: a ratio
  // of 2.52. The absolute downtimes are far from the model's (README); the ratio is checked.
  it('QEMU 10.0 over 10.1 downtime #2 at 128 GiB (THP, nothing written): ratio 2.52 within 35%', () => {
    const before = mlx5At128({ everWritten: 0, strategies: { earlyMap: false } }).downtime2.totalNs;
    const after = mlx5At128({ everWritten: 0, strategies: { earlyMap: true } }).downtime2.totalNs;
    const ratio = before / after;
    expect(ratio).toBeGreaterThan(2.52 * 0.65);
    expect(ratio).toBeLessThan(2.52 * 1.35);
  });
  // The same letter at 39 GiB: 4.72 s before the series, 2.09 s after it, a ratio of 2.26.
  it('the same at 39 GiB: ratio 2.26 within 35%', () => {
    const at39 = (earlyMap: boolean) => runExact(scenario({ profile: 'mlx5', memory: 39 * GiB, queuePairs: 8, everWritten: 0, strategies: { earlyMap } })).downtime2.totalNs;
    const ratio = at39(false) / at39(true);
    expect(ratio).toBeGreaterThan(2.26 * 0.65);
    expect(ratio).toBeLessThan(2.26 * 1.35);
  });

  // "[PATCH vhost v2 0/7] vdpa/mlx5: Optimze MKEY operations" (30 Aug 2024): 256 GB VM, 4 mlx5
  // devices x 16 queue pairs, the series applied on top of the parallel suspend/resume series
  // (and so of the 6.11 pre-created vqs). Downtime #1 / #2: baseline 3140 / 3630 ms, parallel
  // MKEY ops 1200 / 2000, deferred deletion 1014 / 1253. The stages are the mlx5 profile with
  // serial MKEY commands and synchronous destroy, with parallel commands, and as shipped. The
  // letter names no QEMU. Upstream QEMU of the time is ruled out by the letter itself: it unpins
  // and re-pins guest RAM at every SVQ switch, about 2.1 s per device at 256 GiB with gup_test's
  // costs, against 1.0 s for all four devices in the last stage. The "Downtime #1 / #2" table
  // is that of Si-Wei Liu's descriptor-ASID series (Dec 2023), whose descriptor-ASID stage also
  // has #2 above #1 (2 s / 5 s), as every stage here does; so QEMU with a descriptor group (a
  // proposal) and nothing else is taken. The absolute downtimes are far from the model's
  // (README "Calibration", D); the ratios are checked. One fails: `it.fails` keeps it visible.
  describe('the MKEY series stages (4 x 16 qp, 256 GiB, QEMU with a descriptor group)', () => {
    const stage = (costs: Partial<Scenario['devices'][number]['profile']['costs']>) => {
      const sc = scenario({ profile: 'mlx5', memory: 256 * GiB, queuePairs: 16, devices: 4, strategies: { earlyMap: false, descGroup: true } });
      for (const d of sc.devices) d.profile = { ...d.profile, costs: { ...d.profile.costs, ...costs } };
      return runExact(sc);
    };
    let runs: { baseline: ReturnType<typeof runExact>; parallel: ReturnType<typeof runExact>; deferred: ReturnType<typeof runExact> } | undefined;
    const stages = () => (runs ??= { baseline: stage({ firmwareConcurrency: 1, mrDestroy: 'sync' }), parallel: stage({ mrDestroy: 'sync' }), deferred: stage({}) });
    const ratio = (w: 'downtime1' | 'downtime2', a: 'baseline' | 'parallel', b: 'parallel' | 'deferred') => {
      const r = stages();
      return r[a][w].totalNs / r[b][w].totalNs;
    };
    const within = (x: number, figure: number) => {
      expect(x).toBeGreaterThan(figure * 0.65);
      expect(x).toBeLessThan(figure * 1.35);
    };
    it('downtime #1, baseline over deferred deletion: x3.10 within 35%', { timeout: 60_000 }, () => within(ratio('downtime1', 'baseline', 'deferred'), 3140 / 1014));
    it('downtime #1, baseline over parallel MKEY ops: x2.62 within 35%', () => within(ratio('downtime1', 'baseline', 'parallel'), 3140 / 1200));
    it('downtime #2, baseline over deferred deletion: x2.90 within 35%', () => within(ratio('downtime2', 'baseline', 'deferred'), 3630 / 1253));
    it.fails('downtime #2, baseline over parallel MKEY ops: x1.82 within 35% — known to fail', () => within(ratio('downtime2', 'baseline', 'parallel'), 3630 / 2000));
  });
});
