// ringSlab.test.ts — typed arrays carved from shared buffers: zeroed, aligned, never overlapping,
// and given back after a mark to be carved again, zeroed, without touching what came before it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { float64s, int32s, recycleSince, slabMark, uint16s, uint32s, uint8s } from '../../../../device/shared/ring/ringSlab.js';

const makers = [float64s, int32s, uint32s, uint16s, uint8s] as const;

describe('ringSlab', () => {
  it('hands out zeroed arrays of the asked length, aligned to their element size', () => {
    for (const make of makers) {
      for (const n of [1, 3, 256, 5000, 40_000]) {
        const a = make(n);
        expect(a.length).toBe(n);
        expect(a.byteOffset % a.BYTES_PER_ELEMENT).toBe(0);
        expect(a.every((v) => v === 0)).toBe(true);
      }
    }
  });

  it('never lets two arrays share memory: what one holds, the others do not see', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 9000 })), { minLength: 2, maxLength: 40 }), (asks) => {
        const arrays = asks.map(([k, n]) => makers[k]!(n));
        arrays.forEach((a, i) => a.fill(i + 1));
        arrays.forEach((a, i) => expect(a.every((v) => v === i + 1)).toBe(true));
      }),
      { numRuns: 60 },
    );
  });

  const asks = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 9000 })), { maxLength: 30 });

  it('after recycleSince, carves the same memory again, zeroed, and leaves arrays from before the mark alone', () => {
    fc.assert(
      fc.property(asks, asks, asks, (before, during, after) => {
        const kept = before.map(([k, n]) => makers[k]!(n));
        kept.forEach((a, i) => a.fill(i + 1));
        const mark = slabMark();
        const run1 = during.map(([k, n]) => makers[k]!(n));
        run1.forEach((a) => a.fill(0xff));
        recycleSince(mark);
        // The next run asks the same again: the same buffers at the same offsets, all zero.
        const mark2 = slabMark();
        const run2 = during.map(([k, n]) => makers[k]!(n));
        run2.forEach((a, i) => {
          expect(a.every((v) => v === 0)).toBe(true);
          const small = a.byteLength <= 16 * 1024;
          if (small) expect(a.buffer).toBe(run1[i]!.buffer);
          if (small) expect(a.byteOffset).toBe(run1[i]!.byteOffset);
        });
        const more = after.map(([k, n]) => makers[k]!(n));
        expect(more.every((a) => a.every((v) => v === 0))).toBe(true);
        recycleSince(mark2);
        kept.forEach((a, i) => expect(a.every((v) => v === i + 1)).toBe(true));
      }),
      { numRuns: 60 },
    );
  });

  it('nests marks innermost first and refuses a recycle with no mark open', () => {
    const outer = slabMark();
    const a = uint32s(3000);
    a.fill(7);
    const inner = slabMark();
    uint32s(3000).fill(9);
    recycleSince(inner);
    expect(a.every((v) => v === 7)).toBe(true);
    expect(uint32s(3000).every((v) => v === 0)).toBe(true);
    recycleSince(outer);
    expect(() => recycleSince(outer)).toThrow(RangeError);
  });
});
