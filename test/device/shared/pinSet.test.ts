// pinSet.test.ts — page pin counts in runs and the QEMU process address space (VMAs, placed objects, pinning).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PAGE_SIZE, PinSet } from '../../../device/shared/pinSet.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';

describe('PinSet', () => {
  it('matches a per-page reference under random pin/unpin', () => {
    const op = fc.record({ pin: fc.boolean(), page: fc.nat(60), pages: fc.integer({ min: 1, max: 20 }), offset: fc.nat(PAGE_SIZE - 1) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const set = new PinSet();
        const ref = new Map<number, number>();
        for (const o of ops) {
          // A byte range starting mid-page covers the pages it touches.
          const addr = o.page * PAGE_SIZE + o.offset;
          const size = o.pages * PAGE_SIZE - o.offset;
          const first = o.page;
          const end = Math.ceil((addr + size) / PAGE_SIZE);
          let expected = 0;
          for (let p = first; p < end; p++) {
            const c = ref.get(p) ?? 0;
            if (o.pin) {
              if (c === 0) expected++;
              ref.set(p, c + 1);
            } else if (c > 0) {
              if (c === 1) expected++;
              if (c === 1) ref.delete(p);
              else ref.set(p, c - 1);
            }
          }
          expect(o.pin ? set.pin(addr, size) : set.unpin(addr, size)).toBe(expected);
          expect(set.pinnedPages).toBe(ref.size);
        }
        for (let p = 0; p < 90; p++) expect(set.countOf(p)).toBe(ref.get(p) ?? 0);
        // Runs are maximal: no two adjacent runs with the same count.
        const runs = [...set.entries()];
        for (let i = 1; i < runs.length; i++) expect(runs[i - 1]![1] === runs[i]![0] && runs[i - 1]![2] === runs[i]![2]).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('pins a 1 TiB guest in a few runs, and a page pinned twice counts once', () => {
    const set = new PinSet();
    const TiB = 2 ** 40;
    expect(set.pin(0, TiB)).toBe(TiB / PAGE_SIZE); // 2^28 pages
    expect(set.pin(0, 2 * PAGE_SIZE)).toBe(0);
    expect(set.pinnedPages).toBe(2 ** 28);
    expect(set.runs).toBe(2);
    expect(set.unpin(0, TiB)).toBe(2 ** 28 - 2); // the two doubly pinned pages stay
    expect(set.pinnedPages).toBe(2);
  });
});

describe('HostMemory', () => {
  it('maps VMAs, refuses overlaps, and pins only mapped memory (EFAULT)', () => {
    const m = new HostMemory();
    expect(m.map('ram', 0x10000, 0x10000, 'guestRam').ok).toBe(true);
    const dup = m.map('x', 0x18000, 0x1000);
    expect(dup.ok ? 'ok' : dup.errno).toBe('EEXIST');
    const bad = m.pin(0x1f000, 0x2000);
    expect(bad.ok ? 'ok' : bad.errno).toBe('EFAULT');
    expect(m.pin(0x10000, 0x3000)).toEqual({ ok: true, value: 3 });
    const busy = m.unmap('ram');
    expect(busy.ok ? 'ok' : busy.errno).toBe('EBUSY');
    expect(m.unpin(0x10000, 0x3000)).toBe(3);
    expect(m.unmap('ram').ok).toBe(true);
  });

  it('finds the ring object placed at an HVA, with the offset into it', () => {
    const m = new HostMemory();
    const ring = { kind: 'ring' };
    expect(m.place(0x5000, 0x1000, ring).ok).toBe(true);
    expect(m.objectAt(0x5010)).toEqual({ obj: ring, hva: 0x5000, size: 0x1000, offset: 0x10 });
    expect(m.objectAt(0x6000)).toBeUndefined();
    expect(m.place(0x5800, 0x1000, {}).ok).toBe(false);
  });
});
