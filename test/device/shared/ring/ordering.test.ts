// ordering.test.ts — IN_ORDER batches and PARTIAL_ORDER FLUSH rules of used entries.
import { describe, expect, it } from 'vitest';
import type { RingLayout, Virtqueue } from '../../../../device/shared/ring/index.js';
import { addPop, addPops, chain, drain, mkRing } from './helpers.js';

/** Used entries published since the driver's position, read without consuming (raw view). */
function rawEntries(vq: Virtqueue<number>): { id: number; flush: boolean }[] {
  const out: { id: number; flush: boolean }[] = [];
  for (let e = vq.peekUsed(); e !== null; e = vq.peekUsed()) {
    out.push({ id: e.id, flush: e.flush });
    // Consume exactly the buffers this entry covers.
    const before = vq.outstanding;
    vq.getUsed();
    while (vq.peekUsed() === null && vq.moreUsed()) vq.getUsed();
    expect(vq.outstanding).toBeLessThan(before);
  }
  return out;
}

for (const layout of ['split', 'packed'] as RingLayout[]) {
  describe(`${layout}: IN_ORDER`, () => {
    it('writes one used entry per batch and the driver recovers every buffer', () => {
      const vq = mkRing<number>({ layout, num: 16, inOrder: true });
      const hs = addPops(vq, [0, 1, 2, 3, 4], 2);
      for (const h of hs) expect(vq.pushUsed(h, 100).ok).toBe(true);
      vq.flushUsed();
      expect(vq.peekUsed()).toEqual({ id: hs[4], len: 100, flush: false });
      expect(drain(vq)).toEqual([0, 1, 2, 3, 4].map((t) => ({ token: t, len: 100 })));
      expect(vq.numFree).toBe(16);
      if (layout === 'split') expect(vq.getDeviceState()).toMatchObject({ usedIdx: 5 });
      else expect(vq.getDeviceState()).toMatchObject({ usedIdx: 10 });
    });

    it('a short buffer closes its batch so the driver still learns every length', () => {
      const vq = mkRing<number>({ layout, num: 16, inOrder: true });
      const hs = addPops(vq, [0, 1, 2, 3], 2);
      vq.pushUsed(hs[0], 100);
      vq.pushUsed(hs[1], 40);
      vq.pushUsed(hs[2], 100);
      vq.pushUsed(hs[3], 30);
      vq.flushUsed();
      expect(rawEntries(vq).map((e) => e.id)).toEqual([hs[1], hs[3]]);
    });

    it('refuses out-of-order use', () => {
      const vq = mkRing<number>({ layout, num: 8, inOrder: true });
      addPop(vq, 0);
      const b = addPop(vq, 1);
      expect(vq.pushUsed(b, 0)).toMatchObject({ ok: false, errno: 'EINVAL' });
    });

    it('never batches across a flush', () => {
      const vq = mkRing<number>({ layout, num: 8, inOrder: true });
      const a = addPop(vq, 0);
      const b = addPop(vq, 1);
      vq.pushUsed(a, 100);
      vq.flushUsed();
      vq.pushUsed(b, 100);
      vq.flushUsed();
      expect(rawEntries(vq).map((e) => e.id)).toEqual([a, b]);
    });
  });

  describe(`${layout}: PARTIAL_ORDER`, () => {
    it('sets FLUSH only when every earlier buffer is used, and batches only after a FLUSH entry', () => {
      const vq = mkRing<number>({ layout, num: 16, partialOrder: true });
      const [a, b, c, d, e, f] = addPops(vq, [0, 1, 2, 3, 4, 5], 1);
      vq.pushUsed(b, 100); // out of order: a outstanding, no FLUSH
      vq.pushUsed(a, 100); // all before a used: FLUSH, but single (previous entry had no FLUSH)
      vq.pushUsed(c, 100); // FLUSH single: the entry before the previous one had no FLUSH
      vq.pushUsed(d, 100); // folds into c's entry: batch {c, d}
      vq.pushUsed(e, 100); // folds too: batch {c, d, e}
      vq.pushUsed(f, 100);
      vq.flushUsed();
      expect(rawEntries(vq)).toEqual([
        { id: b, flush: false },
        { id: a, flush: true },
        { id: f, flush: true },
      ]);
    });

    it('the driver detects a batch from two consecutive FLUSH entries and recovers it in order', () => {
      const vq = mkRing<number>({ layout, num: 16, partialOrder: true });
      const hs = addPops(vq, [0, 1, 2, 3, 4], 2);
      for (const h of hs) vq.pushUsed(h, 100);
      vq.flushUsed();
      // a single FLUSH entry for buffer 0, then one entry closing {1,2,3,4} with FLUSH.
      expect(vq.peekUsed()).toEqual({ id: hs[0], len: 100, flush: true });
      expect(drain(vq)).toEqual([0, 1, 2, 3, 4].map((t) => ({ token: t, len: 100 })));
      if (layout === 'split') expect(vq.getDeviceState()).toMatchObject({ usedIdx: 5 });
    });

    it('a buffer used out of order is never folded, and the batch resumes two FLUSH entries later', () => {
      const vq = mkRing<number>({ layout, num: 16, partialOrder: true });
      const [a, b, c, d, e] = addPops(vq, [0, 1, 2, 3, 4], 1);
      vq.pushUsed(a, 100);
      vq.pushUsed(b, 100);
      vq.pushUsed(d, 100); // c outstanding: d is out of order, no FLUSH
      vq.pushUsed(c, 100); // FLUSH, single
      vq.pushUsed(e, 100); // FLUSH, single (the entry before c had no FLUSH)
      vq.flushUsed();
      expect(rawEntries(vq)).toEqual([
        { id: a, flush: true },
        { id: b, flush: true },
        { id: d, flush: false },
        { id: c, flush: true },
        { id: e, flush: true },
      ]);
    });

    it('the driver rejects a FLUSH entry while an earlier buffer is outstanding', () => {
      const vq = mkRing<number>({ layout, num: 8, partialOrder: true });
      addPop(vq, 0);
      const b = addPop(vq, 1);
      vq.pushUsed(b, 100);
      vq.flushUsed();
      // Forge the FLUSH flag on b's entry, as a buggy device would.
      if (layout === 'split') {
        (vq as unknown as { usedElemFlags: Uint16Array }).usedElemFlags[0] = 0x8000;
      } else {
        (vq as unknown as { descFlags: Uint16Array }).descFlags[0]! |= 8;
      }
      expect(() => vq.getUsed()).toThrow(/FLUSH on used buffer id 1 while earlier buffer id 0 is outstanding/);
    });

    it('canBatch reflects whether the previous used entry carried FLUSH', () => {
      const vq = mkRing<number>({ layout, num: 8, partialOrder: true });
      expect(vq.canBatch()).toBe(false);
      const a = addPop(vq, 0);
      const b = addPop(vq, 1);
      vq.pushUsed(b, 0);
      expect(vq.canBatch()).toBe(false);
      vq.pushUsed(a, 0);
      expect(vq.canBatch()).toBe(true);
    });
  });

  describe(`${layout}: no ordering feature`, () => {
    it('completes out of order, one entry per buffer, no FLUSH flags', () => {
      const vq = mkRing<number>({ layout, num: 8 });
      const hs = addPops(vq, [0, 1, 2], 1);
      vq.pushUsed(hs[2], 3);
      vq.pushUsed(hs[0], 1);
      vq.pushUsed(hs[1], 2);
      vq.flushUsed();
      expect(rawEntries(vq)).toEqual([
        { id: hs[2], flush: false },
        { id: hs[0], flush: false },
        { id: hs[1], flush: false },
      ]);
      expect(vq.addBuf(chain(8), 9).ok).toBe(true);
    });
  });
}
