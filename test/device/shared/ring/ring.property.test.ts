// ring.property.test.ts — property tests over both layouts and every ordering mode: nothing lost or used twice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceRingState, DriverRingState, RingLayout, Virtqueue } from '../../../../device/shared/ring/index.js';
import { chain, mkRing, startAt } from './helpers.js';

type Op =
  | { k: 'add'; n: number }
  | { k: 'pop' }
  | { k: 'use'; pick: number; short: boolean }
  | { k: 'flush' }
  | { k: 'get'; count: number }
  | { k: 'migrate' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('add' as const), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 4, arbitrary: fc.constant({ k: 'pop' as const }) },
  {
    weight: 5,
    arbitrary: fc.record({ k: fc.constant('use' as const), pick: fc.nat(), short: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.constant({ k: 'flush' as const }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('get' as const), count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'migrate' as const }) },
);

type Mode = 'none' | 'inOrder' | 'partialOrder';

/** Position of a ring index on a line, for checking it only moves forward (by at most num per step). */
function pos(layout: RingLayout, num: number, idx: number, wrap: boolean): number {
  return layout === 'split' ? idx : wrap ? idx : idx + num;
}
function forward(layout: RingLayout, num: number, from: number, to: number): number {
  const m = layout === 'split' ? 0x10000 : 2 * num;
  return (((to - from) % m) + m) % m;
}
function driverPositions(s: DriverRingState, num: number): number[] {
  return s.layout === 'split'
    ? [s.availIdx, s.lastUsedIdx]
    : [pos('packed', num, s.nextAvailIdx, s.availWrapCounter), pos('packed', num, s.lastUsedIdx, s.usedWrapCounter)];
}
function devicePositions(s: DeviceRingState, num: number): number[] {
  return s.layout === 'split'
    ? [s.lastAvailIdx, s.usedIdx]
    : [pos('packed', num, s.lastAvailIdx, s.availWrapCounter), pos('packed', num, s.usedIdx, s.usedWrapCounter)];
}

function run(layout: RingLayout, mode: Mode, num: number, start: number, startWrap: boolean, eventIdx: boolean, ops: Op[]): void {
  const vq: Virtqueue<number> = mkRing<number>({
    layout,
    num,
    inOrder: mode === 'inOrder',
    partialOrder: mode === 'partialOrder',
    eventIdx,
  });
  startAt(vq, start, startWrap);
  let nextToken = 0;
  const addedNotPopped: number[] = []; // tokens in add order, not yet popped
  const inflight: { head: number; token: number; writeLen: number }[] = []; // device model, pop order
  const completed: { token: number; len: number }[] = []; // as the device completed them
  const read: { token: number; len: number }[] = []; // as the driver read them
  const seen = new Set<number>();
  let descsOut = 0;
  const sizes = new Map<number, number>();
  let lastDrv = driverPositions(vq.driverState(), num);
  let lastDev = devicePositions(vq.getDeviceState(), num);

  const readOne = (): boolean => {
    const u = vq.getUsed();
    if (u === null) return false;
    expect(seen.has(u.token)).toBe(false);
    seen.add(u.token);
    read.push(u);
    descsOut -= sizes.get(u.token)!;
    return true;
  };
  const checkMonotone = (): void => {
    const d = driverPositions(vq.driverState(), num);
    const v = devicePositions(vq.getDeviceState(), num);
    for (let i = 0; i < 2; i++) {
      expect(forward(layout, num, lastDrv[i]!, d[i]!)).toBeLessThanOrEqual(num);
      expect(forward(layout, num, lastDev[i]!, v[i]!)).toBeLessThanOrEqual(num);
    }
    lastDrv = d;
    lastDev = v;
    expect(vq.numFree).toBe(num - descsOut);
  };

  for (const op of ops) {
    switch (op.k) {
      case 'add': {
        const token = nextToken;
        const r = vq.addBuf(chain(op.n, 64 + token), token);
        if (op.n > num - descsOut) {
          expect(r).toMatchObject({ ok: false, errno: 'ENOSPC' });
        } else {
          expect(r.ok).toBe(true);
          nextToken++;
          addedNotPopped.push(token);
          sizes.set(token, op.n);
          descsOut += op.n;
          vq.kickNeeded();
        }
        break;
      }
      case 'pop': {
        const c = vq.popAvail();
        if (addedNotPopped.length === 0) {
          expect(c).toBeNull();
        } else {
          expect(c).not.toBeNull();
          const token = addedNotPopped.shift()!;
          expect(c!.descs.length).toBe(sizes.get(token));
          inflight.push({ head: c!.head, token, writeLen: c!.writeLen });
        }
        break;
      }
      case 'use': {
        if (inflight.length === 0) break;
        const i = mode === 'inOrder' ? 0 : op.pick % inflight.length;
        const b = inflight.splice(i, 1)[0]!;
        const len = op.short ? Math.floor(b.writeLen / 2) : b.writeLen;
        expect(vq.pushUsed(b.head, len)).toEqual({ ok: true, value: undefined });
        completed.push({ token: b.token, len });
        break;
      }
      case 'flush':
        vq.flushUsed();
        break;
      case 'get':
        for (let k = 0; k < op.count && readOne(); k++);
        break;
      case 'migrate': {
        if (vq.inflight !== 0) break;
        vq.flushUsed();
        const st = vq.getDeviceState();
        vq.resetDevice();
        expect(vq.setDeviceState(st)).toEqual({ ok: true, value: undefined });
        expect(vq.getDeviceState()).toEqual(st);
        break;
      }
    }
    expect(vq.inflight).toBe(inflight.length);
    checkMonotone();
  }

  // Finish: the device takes and completes everything, in order; the driver reads it all.
  vq.flushUsed();
  while (readOne());
  for (let c = vq.popAvail(); c !== null; c = vq.popAvail()) {
    inflight.push({ head: c.head, token: addedNotPopped.shift()!, writeLen: c.writeLen });
  }
  for (const b of inflight) {
    expect(vq.pushUsed(b.head, b.writeLen).ok).toBe(true);
    completed.push({ token: b.token, len: b.writeLen });
  }
  vq.flushUsed();
  while (readOne());
  checkMonotone();
  expect(read).toEqual(completed);
  expect(read.length).toBe(nextToken);
  expect(vq.outstanding).toBe(0);
  expect(vq.numFree).toBe(num);
}

const layouts: RingLayout[] = ['split', 'packed'];
const modes: Mode[] = ['none', 'inOrder', 'partialOrder'];

describe('ring properties: nothing lost, nothing used twice, reads equal completions, indices move forward', () => {
  for (const layout of layouts) {
    for (const mode of modes) {
      it(`${layout} / ${mode}`, () => {
        const cfg =
          layout === 'split'
            ? fc.record({
                num: fc.constantFrom(2, 4, 8),
                start: fc.oneof(fc.constant(0), fc.integer({ min: 65520, max: 65535 }), fc.integer({ min: 0, max: 65535 })),
                wrap: fc.constant(true),
              })
            : fc.integer({ min: 1, max: 9 }).chain((num) =>
                fc.record({ num: fc.constant(num), start: fc.integer({ min: 0, max: num - 1 }), wrap: fc.boolean() }),
              );
        fc.assert(
          fc.property(cfg, fc.boolean(), fc.array(opArb, { maxLength: 150 }), (c, eventIdx, ops) => {
            run(layout, mode, c.num, c.start, c.wrap, eventIdx, ops);
          }),
          { numRuns: 300 },
        );
      });
    }
  }
});
