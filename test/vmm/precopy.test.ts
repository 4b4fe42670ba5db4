// precopy.test.ts — the pre-copy loop: hand-computed cases, the iteration cap, interleaving, scale.
import { describe, expect, it } from 'vitest';
import { Kernel, Rng } from '../../sim/kernel/index.js';
import { EventBus, type ModelEvent } from '../../sim/events/events.js';
import { GuestMemory, type GuestMemoryConfig } from '../../vmm/guestMemory.js';
import { DirtyLog, type DirtyRange } from '../../vmm/dirtyLog.js';
import { DirtyModel } from '../../sim/guest/dirtyModel.js';
import { precopy, type PrecopyContext, type PrecopyIteration, type PrecopyPass, type PrecopyTotals } from '../../vmm/precopy.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function mem(cfg: GuestMemoryConfig): GuestMemory {
  const r = GuestMemory.create(cfg);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

function run(ctx: Omit<PrecopyContext, 'kernel'>, kernel = new Kernel()): PrecopyTotals {
  const p = kernel.spawn(precopy({ ...ctx, kernel }), 'precopy');
  kernel.run();
  expect(p.done).toBe(true);
  return p.result as PrecopyTotals;
}

describe('precopy', () => {
  it('sends 1 GiB at 1 GiB/s in one 1 s pass when nothing is dirtied', () => {
    const bus = new EventBus();
    const events: ModelEvent[] = [];
    bus.stream.subscribe((e) => events.push(e));
    const t = run({ memory: mem({ layout: 'flat', ramBytes: GiB }), params: { bandwidth: GiB }, bus });
    expect(t).toEqual({
      iterations: 1,
      bytesSent: GiB,
      pagesSent: GiB / 4096,
      durationNs: 1e9,
      converged: true,
      cancelled: false,
      remainingDirtyPages: 0,
      remainingDirtyBytes: 0,
      expectedDowntimeNs: 0,
    });
    expect(events.map((e) => e.kind)).toEqual(['phase', 'note', 'phase']);
    expect(events[0]).toMatchObject({ edge: 'begin', name: 'precopy', t: 0 });
    expect(events[2]).toMatchObject({ edge: 'end', name: 'precopy', t: 1e9 });
  });

  it('announces each pass as it starts with the time its closing sync runs', () => {
    const writes: DirtyRange[][] = [[], [{ gpa: 0, len: 512 * MiB }], [{ gpa: 0, len: 100 * MiB }]];
    const passes: { pass: PrecopyPass; at: number }[] = [];
    const its: PrecopyIteration[] = [];
    const kernel = new Kernel();
    run(
      {
        memory: mem({ layout: 'flat', ramBytes: GiB }),
        params: { bandwidth: GiB, downtimeLimitNs: 300_000_000, chunkBytes: 64 * MiB },
        deviceDirty: () => writes.shift() ?? [],
        onPass: (pass) => passes.push({ pass, at: kernel.now }),
        onIteration: (it) => its.push(it),
      },
      kernel,
    );
    expect(passes.map((p) => p.pass)).toEqual([
      { index: 1, startNs: 0, endNs: 1e9 },
      { index: 2, startNs: 1e9, endNs: 1.5e9 },
    ]);
    // Announced as the pass starts; the end is where the sync that closes it runs.
    for (const [i, p] of passes.entries()) {
      expect(p.at).toBe(p.pass.startNs);
      expect(its[i]!.startNs + its[i]!.durationNs).toBe(p.pass.endNs);
    }
  });

  it('resends device-dirtied pages until the remainder fits the downtime limit', () => {
    // Syncs: setup (ignored: covered by pass 1), after pass 1: 512 MiB, after pass 2: 100 MiB.
    const writes: DirtyRange[][] = [[{ gpa: 0, len: 4096 }], [{ gpa: 0, len: 512 * MiB }], [{ gpa: 0, len: 100 * MiB }]];
    const its: PrecopyIteration[] = [];
    const memory = mem({ layout: 'flat', ramBytes: GiB });
    const log = new DirtyLog(memory);
    const t = run({
      memory,
      log,
      params: { bandwidth: GiB, downtimeLimitNs: 300_000_000 },
      deviceDirty: () => writes.shift() ?? [],
      onIteration: (it) => its.push(it),
    });
    // Pass 1: 1 GiB in 1 s; 512 MiB dirty → 0.5 s > 300 ms. Pass 2: 512 MiB in 0.5 s; 100 MiB → 97.66 ms.
    expect(t.iterations).toBe(2);
    expect(t.converged).toBe(true);
    expect(t.durationNs).toBe(1.5e9);
    expect(t.bytesSent).toBe(GiB + 512 * MiB);
    expect(t.remainingDirtyBytes).toBe(100 * MiB);
    expect(t.expectedDowntimeNs).toBe(Math.ceil((100 * MiB * 1e9) / GiB));
    expect(its.map((i) => [i.index, i.startNs, i.durationNs, i.pages, i.dirtyPages])).toEqual([
      [1, 0, 1e9, GiB / 4096, (512 * MiB) / 4096],
      [2, 1e9, 5e8, (512 * MiB) / 4096, (100 * MiB) / 4096],
    ]);
    // The remainder stays in the log for stop-and-copy.
    expect(log.dirtyPages()).toBe((100 * MiB) / 4096);
  });

  it('stops at maxIterations without converging when the dirty rate beats the bandwidth', () => {
    const memory = mem({ layout: 'flat', ramBytes: GiB });
    const model = new DirtyModel({ ramBytes: GiB, hotBytes: 512 * MiB, dirtyRate: 8 * GiB }, Rng.fromSeed(9));
    const its: PrecopyIteration[] = [];
    const t = run({
      memory,
      model,
      params: { bandwidth: 256 * MiB, maxIterations: 5 },
      onIteration: (it) => its.push(it),
    });
    expect(t.iterations).toBe(5);
    expect(t.converged).toBe(false);
    // The hot set is saturated every pass: ~512 MiB stays dirty, 2 s at 256 MiB/s.
    expect(t.remainingDirtyBytes).toBeGreaterThan(500 * MiB);
    expect(t.remainingDirtyBytes).toBeLessThanOrEqual(512 * MiB);
    expect(t.expectedDowntimeNs).toBeGreaterThan(1.9e9);
    expect(its).toHaveLength(5);
    for (const it of its.slice(1)) expect(it.pages).toBe(its[its.indexOf(it) - 1]!.dirtyPages);
  });

  it('converges in a few passes when a moderate hot set is rewritten', () => {
    const memory = mem({ layout: 'q35', ramBytes: 16 * GiB });
    const model = new DirtyModel({ ramBytes: 16 * GiB, hotBytes: 2 * GiB, dirtyRate: 1 * GiB }, Rng.fromSeed(1));
    const its: PrecopyIteration[] = [];
    const t = run({ memory, model, params: { bandwidth: 4 * GiB }, onIteration: (it) => its.push(it) });
    expect(t.converged).toBe(true);
    expect(t.iterations).toBeGreaterThan(1);
    // Each pass is shorter than the one before.
    for (let i = 1; i < its.length; i++) expect(its[i]!.durationNs).toBeLessThan(its[i - 1]!.durationNs);
    expect(t.expectedDowntimeNs).toBeLessThanOrEqual(300_000_000);
  });

  it('lets other processes run while a pass is being sent', () => {
    const kernel = new Kernel();
    const ticks: number[] = [];
    let done = false;
    kernel.spawn(
      (function* () {
        while (!done) {
          ticks.push(kernel.now);
          yield 100_000_000;
        }
      })(),
      'ticker',
    );
    const p = kernel.spawn(
      (function* () {
        const r = yield* precopy({ kernel, memory: mem({ layout: 'flat', ramBytes: GiB }), params: { bandwidth: GiB } });
        done = true;
        return r;
      })(),
      'precopy',
    );
    kernel.run();
    expect(p.result?.durationNs).toBe(1e9);
    expect(ticks.filter((t) => t > 0 && t < 1e9)).toHaveLength(9);
  });

  it('is deterministic per seed', () => {
    const once = (seed: number): PrecopyTotals =>
      run({
        memory: mem({ layout: 'flat', ramBytes: 4 * GiB }),
        model: new DirtyModel({ ramBytes: 4 * GiB, hotBytes: 1 * GiB, dirtyRate: 700 * MiB }, Rng.fromSeed(seed)),
        params: { bandwidth: 1 * GiB },
      });
    expect(once(3)).toEqual(once(3));
    expect(once(3).remainingDirtyPages).not.toBe(once(4).remainingDirtyPages);
  });
});

describe('precopy scale', () => {
  // Work = kernel events + dirty-bitmap words touched + device runs merged; not wall-clock.
  function work(ramBytes: number): { work: number; totals: PrecopyTotals; bitmapBytes: number } {
    const kernel = new Kernel();
    const memory = mem({ layout: 'q35', ramBytes });
    const log = new DirtyLog(memory);
    const rng = Rng.fromSeed(11);
    const model = new DirtyModel({ ramBytes, hotBytes: 1 * GiB, dirtyRate: 512 * MiB }, rng.fork('cpu'));
    const pick = rng.fork('device');
    // SVQ reports 256 RX buffers per sync, anywhere in guest RAM above 4 GiB.
    const deviceDirty = (): DirtyRange[] =>
      Array.from({ length: 256 }, () => ({
        gpa: 4 * GiB + pick.int(0, (ramBytes - 2 * GiB) / 4096 - 1) * 4096,
        len: 1500,
      }));
    const totals = run({ memory, log, model, deviceDirty, params: { bandwidth: 2 * GiB } }, kernel);
    return { work: kernel.processed + log.wordsTouched, totals, bitmapBytes: log.allocatedBytes };
  }

  it('a 1 TiB guest costs no more than 1.5× the work of a 16 GiB one', () => {
    const small = work(16 * GiB);
    const big = work(1024 * GiB);
    expect(small.totals.converged).toBe(true);
    expect(big.totals.converged).toBe(true);
    // Hot set saturated after pass 1 (1 GiB = 0.5 s > 300 ms), so both need a second pass.
    expect(small.totals.iterations).toBe(2);
    expect(big.totals.iterations).toBe(2);
    expect(big.totals.bytesSent).toBeGreaterThan(1024 * GiB);
    expect(big.work).toBeLessThanOrEqual(1.5 * small.work);
    expect(big.bitmapBytes).toBeLessThan(8 * MiB);
  });
});
