// usedBatchTally.test.ts — the batches a dormant stretch is credited with: what each live burst
// added, taken only once consecutive live bursts agree, and nothing for a stretch of none.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { STEADY_BURSTS, UsedBatchTally } from '../../../sim/guest/usedBatchTally.js';
import type { Virtqueue } from '../../../device/shared/ring/virtqueue.js';

/** Rings whose batch counts the test sets. */
function rings(n: number): { counts: { outOfOrder: number; batches: number }[]; rings: Virtqueue<number>[] } {
  const counts = Array.from({ length: n }, () => ({ outOfOrder: 0, batches: 0 }));
  return { counts, rings: counts.map((c) => ({ usedCounts: c }) as unknown as Virtqueue<number>) };
}

describe('UsedBatchTally', () => {
  it('credits each skipped burst with what the last live burst added, over every ring', () => {
    const { counts, rings: rs } = rings(3);
    const t = new UsedBatchTally(rs);
    for (let i = 0; i < STEADY_BURSTS; i++) {
      counts[0]!.batches += 1;
      counts[2]!.batches += 1;
      t.burst();
      expect(t.steady()).toBe(i + 1 >= STEADY_BURSTS);
    }
    t.skipped(100);
    expect(t.credited).toBe(200);
    // A stretch breaks the run: steadiness is measured again on live bursts.
    expect(t.steady()).toBe(false);
  });

  it('is not steady while the bursts add different numbers', () => {
    const { counts, rings: rs } = rings(1);
    const t = new UsedBatchTally(rs);
    for (let i = 0; i < 4 * STEADY_BURSTS; i++) {
      counts[0]!.batches += i % 2;
      t.burst();
      expect(t.steady()).toBe(false);
    }
  });

  it('batches made between skips (replays) are not credited again', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(5), fc.nat(50)), { minLength: 1, maxLength: 20 }), fc.nat(7), (stretches, per) => {
        const { counts, rings: rs } = rings(1);
        const t = new UsedBatchTally(rs);
        let want = 0;
        for (const [replayed, skipped] of stretches) {
          for (let i = 0; i < STEADY_BURSTS; i++) {
            counts[0]!.batches += per;
            t.burst();
          }
          t.skipped(skipped);
          want += skipped * per;
          counts[0]!.batches += replayed;
        }
        expect(t.credited).toBe(want);
      }),
    );
  });
});
