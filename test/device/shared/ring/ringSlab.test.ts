// ringSlab.test.ts — typed arrays carved from shared buffers: zeroed, aligned, never overlapping.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { float64s, int32s, uint16s, uint32s, uint8s } from '../../../../device/shared/ring/ringSlab.js';

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
});
