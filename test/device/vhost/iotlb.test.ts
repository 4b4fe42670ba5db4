// iotlb.test.ts — the per-ASID IOTLB range map: EEXIST on overlap, removal of intersecting ranges, translation, limits.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VhostIotlb } from '../../../device/vhost/iotlb.js';
import type { AccessMode } from '../../../device/uapi/uapi.js';

/** Naive reference: a list of ranges, scanned linearly. */
class NaiveIotlb {
  ranges: { start: number; size: number; uaddr: number; perm: AccessMode }[] = [];
  constructor(readonly limit: number | null) {}
  add(start: number, size: number, uaddr: number, perm: AccessMode): string {
    if (this.limit !== null && this.ranges.length >= this.limit) return 'ENOSPC';
    if (this.ranges.some((r) => r.start < start + size && start < r.start + r.size)) return 'EEXIST';
    this.ranges.push({ start, size, uaddr, perm });
    return 'ok';
  }
  del(start: number, size: number) {
    const gone = this.ranges.filter((r) => r.start < start + size && start < r.start + r.size);
    this.ranges = this.ranges.filter((r) => !gone.includes(r));
    return gone.sort((a, b) => a.start - b.start);
  }
  translate(iova: number, len: number, access: 'read' | 'write') {
    const need = access === 'read' ? 1 : 2;
    for (let a = iova; a < iova + len; ) {
      const r = this.ranges.find((x) => x.start <= a && a < x.start + x.size);
      if (!r) return { ok: false, kind: 'miss', iova: a };
      if ((r.perm & need) === 0) return { ok: false, kind: 'perm', iova: a };
      a = r.start + r.size;
    }
    const f = this.ranges.find((x) => x.start <= iova && iova < x.start + x.size)!;
    return { ok: true, uaddr: f.uaddr + iova - f.start };
  }
}

const perm = fc.constantFrom<AccessMode>(1, 2, 3);
const op = fc.oneof(
  fc.record({ t: fc.constant('add' as const), start: fc.nat(200), size: fc.integer({ min: 1, max: 40 }), uaddr: fc.nat(10_000), perm }),
  fc.record({ t: fc.constant('del' as const), start: fc.nat(200), size: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ t: fc.constant('tr' as const), start: fc.nat(240), size: fc.integer({ min: 1, max: 50 }), write: fc.boolean() }),
);

describe('VhostIotlb', () => {
  it('matches a naive model under random add/del/translate', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }), (ops, limit) => {
        const real = new VhostIotlb(limit);
        const ref = new NaiveIotlb(limit);
        for (const o of ops) {
          if (o.t === 'add') {
            const r = real.add(o.start, o.size, o.uaddr, o.perm);
            expect(r.ok ? 'ok' : r.errno).toBe(ref.add(o.start, o.size, o.uaddr, o.perm));
          } else if (o.t === 'del') {
            const a = real.del(o.start, o.size).map((r) => [r.start, r.size, r.value.uaddr]);
            const b = ref.del(o.start, o.size).map((r) => [r.start, r.size, r.uaddr]);
            expect(a).toEqual(b);
          } else {
            const access = o.write ? 'write' : 'read';
            const want = ref.translate(o.start, o.size, access);
            expect(real.translate(o.start, o.size, access)).toEqual(want);
            // The data path's form: the same address, or -1 where translate() fails.
            expect(real.translateAddr(o.start, o.size, access)).toBe(want.ok ? want.uaddr : -1);
          }
          expect(real.count).toBe(ref.ranges.length);
          expect(real.bytes).toBe(ref.ranges.reduce((s, r) => s + r.size, 0));
          const starts = [...real].map((r) => r.start);
          expect(starts).toEqual([...starts].sort((x, y) => x - y));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects an overlapping add with EEXIST and an add past the limit with ENOSPC', () => {
    const t = new VhostIotlb(2);
    expect(t.add(0, 4096, 0x1000, 3).ok).toBe(true);
    const over = t.add(4095, 2, 0, 3);
    expect(over.ok ? 'ok' : over.errno).toBe('EEXIST');
    expect(t.add(8192, 4096, 0, 3).ok).toBe(true);
    const full = t.add(1 << 20, 4096, 0, 3);
    expect(full.ok ? 'ok' : full.errno).toBe('ENOSPC');
  });

  it('translates across adjacent ranges and reports the first bad IOVA', () => {
    const t = new VhostIotlb();
    t.add(0, 100, 1000, 3);
    t.add(100, 100, 5000, 1);
    expect(t.translate(50, 100, 'read')).toEqual({ ok: true, uaddr: 1050 });
    expect(t.translate(50, 100, 'write')).toEqual({ ok: false, kind: 'perm', iova: 100 });
    expect(t.translate(150, 100, 'read')).toEqual({ ok: false, kind: 'miss', iova: 200 });
  });

  // Speed is measured by `npm run bench`, never here: this checks behaviour at that scale only.
  it('keeps every range of thousands added out of order, and removes exactly the ones asked', () => {
    const t = new VhostIotlb();
    const n = 20_000;
    for (let i = 0; i < n; i++) t.add(((i * 7919) % n) * 8192, 4096, i, 3);
    for (let i = 0; i < n; i++) expect(t.translate(i * 8192 + 10, 8, 'read').ok).toBe(true);
    for (let i = 0; i < n; i += 2) t.del(i * 8192, 1);
    expect(t.count).toBe(n / 2);
    for (let i = 0; i < n; i++) expect(t.translate(i * 8192, 1, 'read').ok).toBe(i % 2 === 1);
  });
});

describe('VhostIotlb.copy', () => {
  /** The reference: a new IOTLB of that limit, every range added again in IOVA order, up to the first failure. */
  function addedAgain(src: VhostIotlb, limit: number | null): { ranges: unknown[]; count: number; bytes: number; result: unknown } {
    const out = new VhostIotlb(limit);
    let result: unknown = { ok: true, value: undefined };
    for (const r of src) {
      const res = out.add(r.start, r.size, r.value.uaddr, r.value.perm, r.value);
      if (!res.ok) {
        result = res;
        break;
      }
    }
    return { ranges: [...out], count: out.count, bytes: out.bytes, result };
  }

  it('is the IOTLB with every range added again under the new limit, ENOSPC at the first range past it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3 }), pages: fc.integer({ min: 1, max: 4 }), entries: fc.integer({ min: 1, max: 5 }) }), { maxLength: 12 }),
        fc.option(fc.integer({ min: 0, max: 40 })),
        (pieces, limit) => {
          const src = new VhostIotlb(null);
          let at = 0;
          for (const p of pieces) {
            at += p.gap * 4096;
            expect(src.add(at, p.pages * 4096, 0x10000 + at, 3, { entries: p.entries, entryGcd: 4096 }).ok).toBe(true);
            at += p.pages * 4096;
          }
          const { iotlb, result } = src.copy(limit);
          expect({ ranges: [...iotlb], count: iotlb.count, bytes: iotlb.bytes, result }).toEqual(addedAgain(src, limit));
          expect(iotlb.limit).toBe(limit);
          // The copy is the copy's own: emptying it leaves the source as it was.
          const before = [...src];
          iotlb.del(0, at + 1);
          expect([...src]).toEqual(before);
        },
      ),
    );
  });
});
