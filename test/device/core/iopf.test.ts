// iopf.test.ts — the device page-fault engine on its own: what a fault costs (page request, the
// host's fault-in and zeroing of cold folios, page response), the credit bound on outstanding page
// requests, synchronous `va` faults, the stall of an in-order vq, a suspend's drain, a reset, and
// the mm notifier of a discard.

import { describe, expect, it } from 'vitest';
import { EventBus, type ModelEvent } from '../../../sim/events/events.js';
import { Kernel, type Proc } from '../../../sim/kernel/index.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';
import { backingOf } from '../../../device/shared/backing.js';
import { Iopf, IOPF_DEFAULTS, type HostFaultCosts } from '../../../device/core/iopf.js';

const MiB = 1 << 20;
const RAM = 2 ** 40;
/** Host fault-in costs: 500 ns per small folio, 1 µs per large one, 2 MiB zeroed per µs. */
const HOST: HostFaultCosts = { faultSmallNs: 500, faultLargeNs: 1_000, zeroBytesPerSecond: 2 * MiB * 1e6 };

function setup(mode: 'pri' | 'va', costs: { priRequestNs?: number; pageResponseNs?: number; priCredits?: number } = {}, backing = backingOf('thp')) {
  const kernel = new Kernel();
  const bus = new EventBus();
  const events: ModelEvent[] = [];
  bus.stream.subscribe((e) => events.push(e));
  const mem = new HostMemory();
  const m = mem.map('pc.ram', RAM, 64 * MiB, 'guestRam', false, backing);
  if (!m.ok) throw new Error(m.reason);
  const iopf = new Iopf({ name: 'dev', kernel, bus, mem, host: HOST, jittered: (ns) => ns, nvqs: 3 }, mode, { priRequestNs: 2_000, pageResponseNs: 1_000, priCredits: 32, ...costs });
  iopf.enable();
  return { kernel, bus, events, mem, iopf };
}

const faults = (events: readonly ModelEvent[]) => events.filter((e): e is Extract<ModelEvent, { kind: 'iopf' }> => e.kind === 'iopf');

describe('Iopf', () => {
  it('is off until enabled: nothing to fault while memory is pinned', () => {
    const kernel = new Kernel();
    const mem = new HostMemory();
    mem.map('pc.ram', RAM, 4 * MiB, 'guestRam', false);
    const iopf = new Iopf({ name: 'dev', kernel, bus: new EventBus(), mem, host: HOST, jittered: (ns) => ns, nvqs: 1 }, 'pri', {});
    expect(iopf.active).toBe(false);
    expect(iopf.pagesToFault(RAM, 64 * 1024)).toBe(0);
    expect(iopf.blocked(0)).toBe(false);
  });

  it('a pri fault costs the page request, the cold folio fault-in and zeroing, and the response', () => {
    const { kernel, events, mem, iopf } = setup('pri');
    expect(iopf.pagesToFault(RAM, 64 * 1024)).toBe(16);
    let usedAt = -1;
    iopf.raise(0, [[RAM, 64 * 1024]], 16, 'outOfOrder', () => (usedAt = kernel.now));
    expect(iopf.blocked(0)).toBe(false);
    kernel.run();
    // 2 µs request + (1 µs large-folio fault + 1 µs zeroing 2 MiB) + 1 µs response.
    expect(usedAt).toBe(5_000);
    expect(faults(events)).toEqual([{ kind: 'iopf', t: 5_000, device: 'dev', vq: 0, pages: 16, latencyNs: 5_000, stalled: false }]);
    // The whole THP folio is resident now: a neighbouring buffer does not fault.
    expect(mem.coldPages(RAM, 2 * MiB)).toBe(0);
    expect(iopf.pagesToFault(RAM + MiB, 64 * 1024)).toBe(0);
  });

  it('small folios: one fault and 4 KiB zeroed per page', () => {
    const { kernel, iopf } = setup('pri', {}, backingOf('4k'));
    let usedAt = -1;
    iopf.raise(0, [[RAM, 16_384]], 4, 'outOfOrder', () => (usedAt = kernel.now));
    kernel.run();
    // 4 × 500 ns + 16 KiB at 2 MiB/µs (7.8 ns) + 3 µs of PRI.
    expect(usedAt).toBe(2_000 + 2_008 + 1_000);
  });

  it('page requests beyond the credits wait for earlier ones to be answered', () => {
    const { kernel, events, iopf } = setup('pri', { priCredits: 32 });
    const used: number[] = [];
    for (let i = 0; i < 3; i++) iopf.raise(0, [[RAM + i * 2 * MiB, 64 * 1024]], 16, 'outOfOrder', () => used.push(kernel.now));
    kernel.run();
    // Two groups of 16 requests fit the 32 credits; the third is sent when the first two are answered.
    expect(used).toEqual([5_000, 5_000, 10_000]);
    expect(faults(events).map((e) => e.latencyNs)).toEqual([5_000, 5_000, 10_000]);
  });

  it('a group larger than the allocation goes out in rounds', () => {
    const { kernel, iopf } = setup('pri', { priCredits: 8 });
    let usedAt = -1;
    iopf.raise(0, [[RAM, 64 * 1024]], 16, 'outOfOrder', () => (usedAt = kernel.now));
    kernel.run();
    // 2 rounds of request and response around the host's 2 µs.
    expect(usedAt).toBe(2 * 2_000 + 2_000 + 2 * 1_000);
  });

  it('stall: the vq takes no buffer until the fault is resolved, and the stall time is counted', () => {
    const { kernel, events, iopf } = setup('pri');
    iopf.raise(1, [[RAM, 4096]], 1, 'stall', () => undefined);
    expect(iopf.blocked(1)).toBe(true);
    expect(iopf.blocked(0)).toBe(false);
    kernel.run();
    expect(iopf.blocked(1)).toBe(false);
    expect(iopf.stats.stallNs).toBe(5_000);
    expect(faults(events)[0]!.stalled).toBe(true);
  });

  it('va: the worker faults the page in itself (no page request), every vq waiting meanwhile', () => {
    const { kernel, iopf } = setup('va');
    let usedAt = -1;
    iopf.raise(0, [[RAM, 64 * 1024]], 16, 'outOfOrder', () => (usedAt = kernel.now));
    expect(iopf.blocked(0)).toBe(true);
    // One worker serves every vq (vdpa_sim).
    expect(iopf.blocked(1)).toBe(true);
    kernel.run();
    expect(usedAt).toBe(2_000);
    expect(iopf.blocked(1)).toBe(false);
  });

  it('a suspend drains: it waits for the outstanding faults and blocks new buffers until the resume', () => {
    const { kernel, iopf } = setup('pri');
    const used: number[] = [];
    iopf.raise(0, [[RAM, 64 * 1024]], 16, 'outOfOrder', () => used.push(kernel.now));
    let drained = -1;
    const p = kernel.spawn(
      (function* (): Proc<void> {
        yield* iopf.drain();
        drained = kernel.now;
      })(),
      'suspend',
    );
    kernel.step();
    expect(iopf.blocked(2)).toBe(true);
    kernel.run();
    expect(p.done).toBe(true);
    expect(used).toEqual([5_000]);
    expect(drained).toBe(5_000);
    // The suspend's own commands follow: no buffer is taken until the resume.
    expect(iopf.blocked(2)).toBe(true);
    iopf.resumeIntake();
    expect(iopf.blocked(2)).toBe(false);
  });

  it('a reset drops the outstanding faults: their buffers are never used', () => {
    const { kernel, iopf } = setup('pri');
    let used = false;
    iopf.raise(0, [[RAM, 64 * 1024]], 16, 'stall', () => (used = true));
    kernel.after(1_000, () => iopf.reset());
    kernel.run();
    expect(used).toBe(false);
    expect(iopf.blocked(0)).toBe(false);
    expect(iopf.stats.stallNs).toBe(1_000);
  });

  it('a discard reaches the device through the mm notifier; the pages fault again', () => {
    const { kernel, events, mem, iopf } = setup('pri');
    mem.touch(RAM, 4 * MiB);
    expect(iopf.pagesToFault(RAM, 64 * 1024)).toBe(0);
    expect(mem.discard(RAM, 64 * 1024)).toBe(16);
    expect(iopf.pagesToFault(RAM, 64 * 1024)).toBe(16);
    expect(events.filter((e) => e.kind === 'iopfInvalidate')).toEqual([{ kind: 'iopfInvalidate', t: 0, device: 'dev', source: 'mmNotifier', pages: 16, hva: RAM }]);
    expect(iopf.stats.invalidations).toBe(1);
    // Pinned memory is never discarded.
    mem.pin(RAM + MiB, 64 * 1024);
    expect(mem.discard(RAM + MiB, 64 * 1024)).toBe(0);
    expect(iopf.stats.invalidations).toBe(1);
    kernel.run();
  });

  it('unsourced defaults', () => {
    expect(IOPF_DEFAULTS).toEqual({ priRequestNs: 2_000, pageResponseNs: 1_000, priCredits: 64 });
  });
});
