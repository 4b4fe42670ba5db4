// dirtyLog.test.ts — sparse page bitmaps and the device/CPU composition of a round.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CHUNK_PAGES, DirtyBitmap, DirtyLog, popcount32 } from '../../vmm/dirtyLog.js';
import { GuestMemory } from '../../vmm/guestMemory.js';
import { defined } from '../defined.js';

const GiB = 1024 ** 3;

function q35(ramBytes: number): GuestMemory {
  const r = GuestMemory.create({ layout: 'q35', ramBytes });
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('popcount32', () => {
  it('counts bits', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
    expect(popcount32(0x0f0f0f0f)).toBe(16);
  });
});

describe('DirtyBitmap', () => {
  it('sets, tests and counts single pages', () => {
    const b = new DirtyBitmap(1000);
    expect(b.set(5)).toBe(true);
    expect(b.set(5)).toBe(false);
    expect(b.set(999)).toBe(true);
    expect(b.test(5)).toBe(true);
    expect(b.test(6)).toBe(false);
    expect(b.count()).toBe(2);
    expect(() => b.set(1000)).toThrow(RangeError);
  });

  it('handles ranges crossing word and chunk boundaries', () => {
    const b = new DirtyBitmap(3 * CHUNK_PAGES);
    expect(b.setRange(30, 5)).toBe(5); // pages 30..34 span words 0 and 1
    expect(b.countRange(31, 3)).toBe(3);
    expect(b.test(29)).toBe(false);
    expect(b.test(35)).toBe(false);
    const first = CHUNK_PAGES - 40;
    expect(b.setRange(first, 100)).toBe(100); // crosses a chunk boundary
    expect(b.count()).toBe(105);
    expect(b.setRange(0, 64)).toBe(59); // 30..34 already set
    expect(b.clearRange(32, 1)).toBe(1);
    expect(b.countRange(0, 64)).toBe(63);
    expect(b.clearRange(first + 10, 60)).toBe(60);
    expect(b.countRange(first, 100)).toBe(40);
    expect(b.test(CHUNK_PAGES + 29)).toBe(false);
    expect(b.test(CHUNK_PAGES + 30)).toBe(true);
  });

  it('matches a plain boolean array under random operations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat(300), fc.nat(120)), { maxLength: 40 }),
        (ops) => {
          const pages = 400;
          const b = new DirtyBitmap(pages);
          const ref = new Array<boolean>(pages).fill(false);
          for (const [isSet, first, n0] of ops) {
            const n = Math.min(n0, pages - first);
            let changed = 0;
            for (let p = first; p < first + n; p++) {
              if (ref[p] !== isSet) changed++;
              ref[p] = isSet;
            }
            expect(isSet ? b.setRange(first, n) : b.clearRange(first, n)).toBe(changed);
          }
          expect(b.count()).toBe(ref.filter(Boolean).length);
          const runs: [number, number][] = [];
          b.forEachRun((f, n) => runs.push([f, n]));
          const fromRuns = new Array<boolean>(pages).fill(false);
          for (const [f, n] of runs) for (let p = f; p < f + n; p++) fromRuns[p] = true;
          expect(fromRuns).toEqual(ref);
          for (let i = 1; i < runs.length; i++) expect(runs[i]![0]).toBeGreaterThan(runs[i - 1]![0] + runs[i - 1]![1]);
        },
      ),
    );
  });

  it('merges and takes-and-clears', () => {
    const a = new DirtyBitmap(100000);
    const b = new DirtyBitmap(100000);
    a.setRange(10, 10);
    b.setRange(15, 10);
    b.set(70000);
    expect(a.merge(b)).toBe(6);
    expect(a.count()).toBe(16);
    expect(a.takeAndClear()).toBe(16);
    expect(a.count()).toBe(0);
    expect(a.test(12)).toBe(false);
    expect(a.allocatedBytes).toBe(0);
  });

  it('allocates only the chunks written: a 1 TiB block with a few pages costs kilobytes', () => {
    const b = new DirtyBitmap((1024 * GiB) / 4096);
    b.set(0);
    b.set(b.pages - 1);
    expect(b.allocatedBytes).toBe(2 * (CHUNK_PAGES / 8));
    expect(b.count()).toBe(2);
  });
});

describe('DirtyLog', () => {
  it('marks device writes by GPA through the q35 aliases and skips holes and ROM', () => {
    const mem = q35(8 * GiB);
    const log = new DirtyLog(mem);
    const pcRam = mem.block('pc.ram')!;
    expect(log.markGpa(4 * GiB, 8192)).toBe(2); // high RAM → pc.ram offset 2 GiB
    expect(log.markGpa(0x9f000, 0x2000)).toBe(1); // second page falls in the VGA hole
    expect(log.markGpa(0xf0000, 4096)).toBe(0); // read-only shadow BIOS
    expect(log.markGpa(0x100, 10)).toBe(1); // partial page counts as one
    expect(log.markGpa(2 * GiB - 4096, 4096 * 3)).toBe(1); // crosses into the PCI hole
    expect(log.markGpa(4 * GiB + 4096, 4096)).toBe(1); // repeat, counted once at sync
    expect(log.sync(0).devicePages).toBe(5);
    const bmap = defined(log.bmap[pcRam.index], 'pc.ram dirty bitmap');
    expect(bmap.test((2 * GiB) / 4096)).toBe(true);
    expect(bmap.test((2 * GiB) / 4096 + 1)).toBe(true);
    expect(bmap.test(0x9f)).toBe(true);
    expect(bmap.test(0xa0)).toBe(false);
    expect(bmap.test(0)).toBe(true);
    expect(bmap.test((2 * GiB) / 4096 - 1)).toBe(true);
  });

  it('sync merges the log into the migration bitmap once, and a round takes it', () => {
    const mem = q35(4 * GiB);
    const log = new DirtyLog(mem);
    log.markGpa(0x200000, 4096 * 4);
    const r1 = log.sync(0, [{ gpa: 0x202000, len: 4096 * 4 }]);
    expect(r1).toMatchObject({ newDevicePages: 6, devicePages: 6, cpuPages: 0, dirtyPages: 6 });
    log.markGpa(0x200000, 4096);
    const r2 = log.sync(0);
    expect(r2.newDevicePages).toBe(0);
    expect(log.takeRound().dirtyPages).toBe(6);
    expect(log.dirtyPages()).toBe(0);
  });

  it('unites device pages with the CPU count, estimating the overlap', () => {
    const mem = q35(4 * GiB);
    const n = mem.ramPages;
    const log = new DirtyLog(mem);
    log.markGpa(4 * GiB, (n / 4) * 4096); // a quarter of RAM
    const r = log.sync(n / 2);
    expect(r.devicePages).toBe(n / 4);
    expect(r.cpuPages).toBe(n / 2);
    expect(r.overlapPages).toBe(n / 8);
    expect(r.dirtyPages).toBe(n / 4 + n / 2 - n / 8);
    const all = log.sync(n * 10); // the CPU count is clamped to RAM
    expect(all.dirtyPages).toBeLessThanOrEqual(n);
  });
});
