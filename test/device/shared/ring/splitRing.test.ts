// splitRing.test.ts — the split ring: 16-bit index wrap, free descriptors, event suppression.
import { describe, expect, it } from 'vitest';
import {
  RingInvariantError,
  SplitRing,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
} from '../../../../device/shared/ring/index.js';
import { addPop, addPops, chain, drain, mkRing, startAt } from './helpers.js';

describe('split ring', () => {
  it('writes the descriptor chain, avail entry and idx; the device reads it back', () => {
    const vq = new SplitRing<string>({ layout: 'split', num: 8 });
    const r = vq.addBuf(chain(3, 64), 'a');
    expect(r).toEqual({ ok: true, value: 0 });
    expect(vq.availIdx).toBe(1);
    expect(vq.availRing[0]).toBe(0);
    expect(vq.descFlags[0]).toBe(VRING_DESC_F_NEXT);
    expect(vq.descFlags[1]).toBe(VRING_DESC_F_NEXT | VRING_DESC_F_WRITE);
    expect(vq.descFlags[2]).toBe(VRING_DESC_F_WRITE);
    expect(vq.numFree).toBe(5);
    const c = vq.popAvail();
    expect(c).toEqual({
      head: 0,
      descs: [
        { addr: 0x1000, len: 64, write: false },
        { addr: 0x2000, len: 64, write: true },
        { addr: 0x3000, len: 64, write: true },
      ],
      writeLen: 128,
    });
    expect(vq.popAvail()).toBeNull();
  });

  it('the driver sees nothing before flushUsed', () => {
    const vq = mkRing({ layout: 'split', num: 8 });
    const h = addPop(vq, 1);
    expect(vq.pushUsed(h, 10).ok).toBe(true);
    expect(vq.getUsed()).toBeNull();
    vq.flushUsed();
    expect(vq.getUsed()).toEqual({ token: 1, len: 10 });
    expect(vq.getUsed()).toBeNull();
  });

  it('returns ENOSPC when descriptors run out, and frees them again on completion', () => {
    const vq = mkRing({ layout: 'split', num: 4 });
    expect(vq.addBuf(chain(3), 1).ok).toBe(true);
    expect(vq.addBuf(chain(2), 2)).toMatchObject({ ok: false, errno: 'ENOSPC' });
    expect(vq.addBuf([], 2)).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(vq.addBuf(chain(1), 3).ok).toBe(true);
    expect(vq.numFree).toBe(0);
    const a = vq.popAvail()!;
    vq.pushUsed(a.head, 0);
    vq.flushUsed();
    expect(drain(vq)).toEqual([{ token: 1, len: 0 }]);
    expect(vq.numFree).toBe(3);
    expect(vq.addBuf(chain(3), 4).ok).toBe(true);
  });

  it('wraps avail.idx and used.idx from 65535 to 0 and uses slot idx % num', () => {
    const vq = new SplitRing<number>({ layout: 'split', num: 4 });
    startAt(vq, 65534);
    const heads: number[] = [];
    for (let t = 0; t < 4; t++) {
      expect(vq.addBuf(chain(1), t).ok).toBe(true);
      heads.push(vq.popAvail()!.head);
    }
    expect(vq.availIdx).toBe(2);
    expect(vq.availRing[65534 % 4]).toBe(heads[0]);
    expect(vq.availRing[1]).toBe(heads[3]);
    for (const h of heads) vq.pushUsed(h, 5);
    vq.flushUsed();
    expect(vq.usedIdx).toBe(2);
    expect(drain(vq).map((u) => u.token)).toEqual([0, 1, 2, 3]);
    expect(vq.driverState()).toEqual({ layout: 'split', availIdx: 2, lastUsedIdx: 2 });
    expect(vq.getDeviceState()).toEqual({ layout: 'split', lastAvailIdx: 2, usedIdx: 2 });
  });

  it('throws when a buffer is used twice or an avail index runs ahead by more than the ring', () => {
    const vq = new SplitRing<number>({ layout: 'split', num: 4, name: 'rx0' });
    const h = addPop(vq, 1);
    vq.pushUsed(h, 0);
    expect(() => vq.pushUsed(h, 0)).toThrow(RingInvariantError);
    expect(() => vq.pushUsed(h, 0)).toThrow(/rx0: buffer id 0/);
    vq.availIdx = 9;
    expect(() => vq.popAvail()).toThrow(/avail.idx 9/);
  });

  it('refuses a used length beyond the writable length', () => {
    const vq = mkRing({ layout: 'split', num: 4 });
    const h = addPop(vq, 1, 2);
    expect(vq.pushUsed(h, 101)).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(vq.pushUsed(h, 100).ok).toBe(true);
  });

  describe('event suppression', () => {
    it('without EVENT_IDX follows NO_NOTIFY and NO_INTERRUPT flags', () => {
      const vq = mkRing({ layout: 'split', num: 8 });
      vq.addBuf(chain(1), 1);
      expect(vq.kickNeeded()).toBe(true);
      expect(vq.kickNeeded()).toBe(false);
      vq.disableNotify();
      vq.addBuf(chain(1), 2);
      expect(vq.kickNeeded()).toBe(false);
      expect(vq.enableNotify()).toBe(true);
      vq.addBuf(chain(1), 3);
      expect(vq.kickNeeded()).toBe(true);
      const h = vq.popAvail()!.head;
      vq.disableCb();
      vq.pushUsed(h, 0);
      expect(vq.flushUsed()).toBe(false);
      expect(vq.enableCb()).toBe(false);
      const h2 = vq.popAvail()!.head;
      vq.pushUsed(h2, 0);
      expect(vq.flushUsed()).toBe(true);
    });

    it('with EVENT_IDX kicks only when avail.idx crosses avail_event', () => {
      const vq = new SplitRing<number>({ layout: 'split', num: 16, eventIdx: true });
      vq.addBuf(chain(1), 0);
      expect(vq.kickNeeded()).toBe(true);
      vq.addBuf(chain(1), 1);
      expect(vq.kickNeeded()).toBe(false);
      vq.popAvail();
      vq.popAvail();
      expect(vq.availEvent).toBe(2);
      vq.addBuf(chain(1), 2);
      vq.addBuf(chain(1), 3);
      expect(vq.kickNeeded()).toBe(true);
      vq.disableNotify();
      vq.popAvail();
      vq.popAvail();
      expect(vq.availEvent).toBe(2);
      vq.addBuf(chain(1), 4);
      expect(vq.kickNeeded()).toBe(false);
      expect(vq.enableNotify()).toBe(true);
      expect(vq.availEvent).toBe(4);
      // Buffer 4 was added before the device re-enabled: no kick for the next add either, the
      // device has to process what enableNotify reported.
      vq.addBuf(chain(1), 5);
      expect(vq.kickNeeded()).toBe(false);
      vq.popAvail();
      vq.popAvail();
      vq.addBuf(chain(1), 6);
      expect(vq.kickNeeded()).toBe(true);
    });

    it('with EVENT_IDX interrupts only when used.idx crosses used_event', () => {
      const vq = new SplitRing<number>({ layout: 'split', num: 16, eventIdx: true });
      const hs = addPops(vq, [0, 1, 2, 3]);
      vq.pushUsed(hs[0], 0);
      expect(vq.flushUsed()).toBe(true);
      vq.pushUsed(hs[1], 0);
      expect(vq.flushUsed()).toBe(false);
      expect(vq.getUsed()?.token).toBe(0);
      expect(vq.usedEvent).toBe(1);
      vq.disableCb();
      expect(vq.getUsed()?.token).toBe(1);
      expect(vq.usedEvent).toBe(1);
      vq.pushUsed(hs[2], 0);
      expect(vq.flushUsed()).toBe(false);
      expect(vq.enableCb()).toBe(false);
      expect(vq.usedEvent).toBe(2);
      expect(drain(vq).length).toBe(1);
      expect(vq.enableCb()).toBe(true);
      vq.pushUsed(hs[3], 0);
      expect(vq.flushUsed()).toBe(true);
    });
  });
});
