// rangeMap.property.test.ts — RangeMap against a plain list of ranges: inserts (in order and not), removals (tail and middle), point lookups.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RangeMap } from '../../../device/shared/rangeMap.js';

type Op = { kind: 'insert'; start: number; size: number } | { kind: 'remove'; start: number; size: number };

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<'insert' | 'remove'>('insert', 'insert', 'remove'),
  start: fc.integer({ min: 0, max: 200 }),
  size: fc.integer({ min: 1, max: 30 }),
});

describe('RangeMap', () => {
  it('holds what a plain sorted list of disjoint ranges holds, after any inserts and removals', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const map = new RangeMap<number>();
        let model: { start: number; size: number; value: number }[] = [];
        ops.forEach((o, i) => {
          const end = o.start + o.size;
          const hit = model.filter((r) => r.start < end && o.start < r.start + r.size);
          if (o.kind === 'insert') {
            expect(map.insert(o.start, o.size, i)).toBe(hit.length === 0);
            if (hit.length === 0) model = [...model, { start: o.start, size: o.size, value: i }].sort((a, b) => a.start - b.start);
          } else {
            expect(map.removeIntersecting(o.start, o.size)).toEqual(hit);
            model = model.filter((r) => !hit.includes(r));
          }
          expect([...map]).toEqual(model);
          expect(map.bytes).toBe(model.reduce((n, r) => n + r.size, 0));
          // Point lookups, with and without building the entry, agree with the list.
          for (const a of [o.start - 1, o.start, o.start + (o.size >> 1), end - 1, end]) {
            const k = model.findIndex((r) => r.start <= a && a < r.start + r.size);
            expect(map.indexOf(a)).toBe(k);
            expect(map.find(a)).toEqual(k < 0 ? undefined : model[k]);
            if (k >= 0) expect([map.startAt(k), map.endAt(k), map.valueAt(k)]).toEqual([model[k]!.start, model[k]!.start + model[k]!.size, model[k]!.value]);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
