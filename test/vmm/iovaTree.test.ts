// iovaTree.test.ts — first-fit IOVA allocation, lookups and aliases (vhost-iova-tree semantics).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Access } from '../../device/uapi/uapi.js';
import { GuestMemory } from '../../vmm/guestMemory.js';
import { VhostIovaTree, type IovaMapping } from '../../vmm/iovaTree.js';

const GiB = 1024 ** 3;

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('VhostIovaTree', () => {
  it('allocates first-fit from iovaFirst and reuses freed holes', () => {
    const t = new VhostIovaTree();
    const a = must(t.mapAlloc(0x7000_0000, 0x2000, Access.RW));
    const b = must(t.mapAlloc(0x7100_0000, 0x1000, Access.RO));
    const c = must(t.mapAlloc(0x7200_0000, 0x3000, Access.RW));
    expect([a.iova, b.iova, c.iova]).toEqual([0x1000, 0x3000, 0x4000]);
    expect(t.remove(a).ok).toBe(true);
    const d = must(t.mapAlloc(0x7300_0000, 0x1000, Access.RW));
    expect(d.iova).toBe(0x1000); // first fit: the hole a left
    const e = must(t.mapAlloc(0x7400_0000, 0x2000, Access.RW));
    expect(e.iova).toBe(0x7000); // the remaining 0x1000 hole is too small
    expect(t.remove(a)).toMatchObject({ ok: false, errno: 'ENOENT' });
  });

  it('fails with ENOMEM when no hole fits below iovaLast, EINVAL for empty ranges', () => {
    const t = new VhostIovaTree(0x1000, 0x4fff);
    must(t.mapAlloc(0x10000, 0x3000, Access.RW));
    expect(t.mapAlloc(0x20000, 0x2000, Access.RW)).toMatchObject({ ok: false, errno: 'ENOMEM' });
    expect(must(t.mapAlloc(0x20000, 0x1000, Access.RW)).iova).toBe(0x4000);
    expect(t.mapAlloc(0x30000, 0, Access.RW)).toMatchObject({ ok: false, errno: 'EINVAL' });
  });

  it('translates both ways for host and guest mappings', () => {
    const t = new VhostIovaTree();
    const h = must(t.mapAlloc(0x7f00_0000_0000, 0x4000, Access.RW));
    const g = must(t.mapAllocGpa(0x100000, 0x7e00_0010_0000, 0x10000, Access.RW));
    expect(t.hvaToIova(0x7f00_0000_1234)).toBe(h.iova + 0x1234);
    expect(t.iovaToHva(h.iova + 0x1234)).toBe(0x7f00_0000_1234);
    expect(t.gpaToIova(0x100abc)).toBe(g.iova + 0xabc);
    expect(t.iovaToHva(g.iova + 0xabc)).toBe(0x7e00_0010_0abc);
    expect(t.findIova(0x7f00_0000_3000, 0x2000)).toBeUndefined(); // runs past the mapping
    expect(t.findGpa(0xfffff)).toBeUndefined();
    expect(t.hvaToIova(0x7e00_0010_0000)).toBeUndefined(); // guest memory is found by GPA only
    expect(t.mapAllocGpa(0x108000, 0x1, 0x10000, Access.RW)).toMatchObject({ ok: false, errno: 'EEXIST' });
    expect(must(t.removeGpa(0x100000, 0x10000))).toBe(g);
    expect(t.gpaToIova(0x100abc)).toBeUndefined();
  });

  it('gives q35 aliases of the same host bytes distinct, non-overlapping IOVAs', () => {
    const mem = must(GuestMemory.create({ layout: 'q35', ramBytes: 8 * GiB, firmware: 'none' }));
    const t = new VhostIovaTree();
    for (const s of mem.listenerSections()) {
      must(t.mapAllocGpa(s.gpa, s.hva, s.size, s.readonly ? Access.RO : Access.RW));
    }
    const isaBios = t.gpaToIova(0xe0000)!;
    const topBios = t.gpaToIova(0xfffe0000)!;
    expect(isaBios).not.toBe(topBios);
    expect(t.iovaToHva(isaBios)).toBe(t.iovaToHva(topBios)); // same host bytes
    expect(t.iovaToHva(isaBios)).toBe(mem.gpaToHva(0xe0000));
    // Every GPA of every section translates to its own HVA.
    for (const s of mem.sections) {
      for (const off of [0, s.size - 1]) {
        expect(t.iovaToHva(t.gpaToIova(s.gpa + off)!)).toBe(s.hva + off);
      }
    }
    expect(t.mappings).toHaveLength(mem.sections.length);
  });
});

type Op = { kind: 'alloc'; size: number } | { kind: 'free'; pick: number };

describe('VhostIovaTree properties', () => {
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('alloc' as const), size: fc.integer({ min: 1, max: 16 }).map((p) => p * 0x1000) }),
    fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  );

  it('never overlaps, stays in range, inverts lookups, and allocates first-fit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).map((p) => p * 0x1000),
        fc.integer({ min: 8, max: 64 }).map((p) => p * 0x1000 - 1),
        fc.array(opArb, { maxLength: 60 }),
        (first, span, ops) => {
          const last = first + span;
          const t = new VhostIovaTree(first, last);
          const live: IovaMapping[] = [];
          let hva = 0x7f00_0000_0000;
          for (const op of ops) {
            if (op.kind === 'free') {
              if (live.length === 0) continue;
              const [m] = live.splice(op.pick % live.length, 1);
              expect(t.remove(m!).ok).toBe(true);
              continue;
            }
            // The expected first-fit answer, computed independently on the live set.
            const sorted = [...live].sort((a, b) => a.iova - b.iova);
            let want: number | undefined;
            let at = first;
            for (const m of sorted) {
              if (m.iova - at >= op.size) break;
              at = m.iova + m.size;
            }
            if (at + op.size - 1 <= last) want = at;
            const r = t.mapAlloc(hva, op.size, Access.RW);
            if (want === undefined) {
              expect(r).toMatchObject({ ok: false, errno: 'ENOMEM' });
              continue;
            }
            const m = must(r);
            expect(m.iova).toBe(want);
            expect(m.iova).toBeGreaterThanOrEqual(first);
            expect(m.iova + m.size - 1).toBeLessThanOrEqual(last);
            live.push(m);
            hva += 0x100000;
          }
          const sorted = [...t.mappings];
          for (let i = 1; i < sorted.length; i++) {
            expect(sorted[i]!.iova).toBeGreaterThanOrEqual(sorted[i - 1]!.iova + sorted[i - 1]!.size);
          }
          for (const m of live) {
            expect(t.hvaToIova(m.hva + m.size - 1)).toBe(m.iova + m.size - 1);
            expect(t.iovaToHva(m.iova)).toBe(m.hva);
            expect(t.findByIova(m.iova + m.size - 1)).toBe(m);
          }
        },
      ),
    );
  });

  it('guest mappings keyed by GPA invert allocation even when host ranges repeat', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        const t = new VhostIovaTree();
        let gpa = 0;
        const out: IovaMapping[] = [];
        for (const pages of sizes) {
          // Every range aliases the same host bytes.
          out.push(must(t.mapAllocGpa(gpa, 0x7f00_0000_0000, pages * 0x1000, Access.RW)));
          gpa += pages * 0x1000 + 0x1000;
        }
        for (const m of out) {
          expect(t.gpaToIova(m.gpa! + 0x10)).toBe(m.iova + 0x10);
          expect(t.iovaToHva(m.iova + 0x10)).toBe(0x7f00_0000_0010);
        }
      }),
    );
  });
});
