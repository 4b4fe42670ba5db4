// faultOrder.property.test.ts — a ring driven the way a device taking page faults drives it: it
// takes buffers in order, and a buffer whose page faults is used only when its fault resolves
// (arbitrary delays), later buffers going ahead of it (PARTIAL_ORDER, or no order feature). Under
// any timing: no buffer is lost or used twice, the driver recovers exactly the device's
// completions in the order the device made them, and a used entry folds several buffers only
// between FLUSH entries (seed 003: "either all of them constitute a batch, or none at all").

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RingLayout, Virtqueue } from '../../../../device/shared/ring/index.js';
import { mkRing } from './helpers.js';

const LEN = 256;

interface Plan {
  layout: RingLayout;
  partialOrder: boolean;
  num: number;
  /** Per buffer, in availability order: 0 = no fault, else the ticks its fault takes. */
  delays: number[];
  /** Per tick: does the driver reap (and refill) this tick? */
  reap: boolean[];
  /** Buffers the device takes per tick. */
  burst: number;
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  layout: fc.constantFrom<RingLayout>('split', 'packed'),
  partialOrder: fc.boolean(),
  num: fc.constantFrom(4, 8, 16, 32),
  delays: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 120 }),
  reap: fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
  burst: fc.integer({ min: 1, max: 6 }),
});

/** Runs the plan; returns what the device completed, what the driver recovered and the raw entries seen. */
function play(p: Plan) {
  const vq: Virtqueue<number> = mkRing<number>({ layout: p.layout, num: p.num, partialOrder: p.partialOrder });
  const total = p.delays.length;
  let nextToken = 0;
  const tokenOfHead = new Map<number, number>();
  const completed: number[] = [];
  const recovered: number[] = [];
  const entries: { flush: boolean; buffers: number }[] = [];
  let pending: { due: number; head: number }[] = [];
  /** Buffers taken and not yet used, oldest first, and the uses that overtook an older one. */
  const inflight: number[] = [];
  let overtook = 0;
  const use = (head: number): void => {
    if (inflight[0] !== head) overtook++;
    inflight.splice(inflight.indexOf(head), 1);
    expect(vq.pushUsed(head, LEN).ok).toBe(true);
    completed.push(tokenOfHead.get(head)!);
  };
  const refill = (): void => {
    while (nextToken < total && vq.numFree > 0) {
      const r = vq.addBuf([{ addr: 0x10000 + nextToken * 0x1000, len: LEN, write: true }], nextToken);
      if (!r.ok) break;
      nextToken++;
    }
  };
  const reap = (): void => {
    for (let e = vq.peekUsed(); e !== null; e = vq.peekUsed()) {
      const before = recovered.length;
      const first = vq.getUsed();
      if (first === null) break;
      recovered.push(first.token);
      // The rest of this entry's batch, if it is one.
      while (vq.peekUsed() === null && vq.moreUsed()) {
        const u = vq.getUsed();
        if (u === null) break;
        recovered.push(u.token);
      }
      entries.push({ flush: e.flush, buffers: recovered.length - before });
    }
  };
  refill();
  for (let tick = 0; recovered.length < total; tick++) {
    if (tick > 10_000) throw new Error('no progress');
    // Faults whose responses arrive now: their buffers are used, in the order raised.
    const due = pending.filter((x) => x.due <= tick);
    pending = pending.filter((x) => x.due > tick);
    for (const x of due) use(x.head);
    // The device takes the next buffers in order.
    for (let k = 0; k < p.burst; k++) {
      const c = vq.popAvail();
      if (c === null) break;
      const token = c.descs[0]!.addr >= 0x10000 ? (c.descs[0]!.addr - 0x10000) / 0x1000 : -1;
      tokenOfHead.set(c.head, token);
      inflight.push(c.head);
      const d = p.delays[token]!;
      if (d > 0) {
        pending.push({ due: tick + d, head: c.head });
        continue;
      }
      use(c.head);
    }
    vq.flushUsed();
    if (p.reap[tick % p.reap.length] || vq.numFree === 0 || tick % 7 === 6) {
      reap();
      refill();
    }
  }
  return { completed, recovered, entries, total, vq, overtook };
}

describe('a device using buffers out of order while faults resolve', () => {
  it('loses nothing, uses nothing twice, and batches only between FLUSH entries', () => {
    fc.assert(
      fc.property(planArb, (p) => {
        const { completed, recovered, entries, total, vq, overtook } = play(p);
        const all = Array.from({ length: total }, (_, i) => i);
        expect([...completed].sort((a, b) => a - b)).toEqual(all);
        expect(recovered).toEqual(completed);
        expect(vq.outstanding).toBe(0);
        entries.forEach((e, i) => {
          if (e.buffers <= 1) return;
          expect(p.partialOrder).toBe(true);
          expect(e.flush).toBe(true);
          expect(i > 0 && entries[i - 1]!.flush).toBe(true);
        });
        // The ring's own counts agree: batches are the entries that folded several buffers.
        expect(vq.usedCounts.batches).toBe(entries.filter((e) => e.buffers > 1).length);
        expect(vq.usedCounts.outOfOrder).toBe(overtook);
      }),
      { numRuns: 300 },
    );
  });

  it('with PARTIAL_ORDER and no fault at all, the device batches again after the first two FLUSH entries', () => {
    const { entries } = play({ layout: 'split', partialOrder: true, num: 16, delays: new Array<number>(64).fill(0), reap: [true], burst: 8 });
    expect(entries.some((e) => e.buffers > 1)).toBe(true);
    expect(entries.every((e) => e.flush)).toBe(true);
  });
});
