// packedRing.test.ts — the packed ring: wrap counters, buffer ids, event suppression structures.
import { describe, expect, it } from 'vitest';
import {
  PackedRing,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  VRING_PACKED_DESC_F_AVAIL,
  VRING_PACKED_DESC_F_USED,
  VRING_PACKED_EVENT_FLAG_DESC,
  VRING_PACKED_EVENT_FLAG_DISABLE,
} from '../../../../device/shared/ring/index.js';
import { addPop, addPops, chain, drain, startAt } from './helpers.js';

const AVAIL = VRING_PACKED_DESC_F_AVAIL;
const USED = VRING_PACKED_DESC_F_USED;

describe('packed ring', () => {
  it('marks descriptors available with AVAIL=wrap, USED=!wrap and the buffer id in each', () => {
    const vq = new PackedRing<string>({ layout: 'packed', num: 8 });
    expect(vq.addBuf(chain(2, 64), 'a')).toEqual({ ok: true, value: 0 });
    expect(vq.descFlags[0]).toBe(AVAIL | VRING_DESC_F_NEXT);
    expect(vq.descFlags[1]).toBe(AVAIL | VRING_DESC_F_WRITE);
    expect(vq.addBuf(chain(1, 64), 'b')).toEqual({ ok: true, value: 1 });
    expect(vq.descId[2]).toBe(1);
    const c = vq.popAvail();
    expect(c).toMatchObject({ head: 0, writeLen: 64 });
    expect(c?.descs.length).toBe(2);
    expect(vq.popAvail()?.head).toBe(1);
    expect(vq.popAvail()).toBeNull();
  });

  it('used descriptors skip by chain length and are only visible after a flush', () => {
    const vq = new PackedRing<string>({ layout: 'packed', num: 8 });
    const a = addPop(vq, 'a', 3);
    const b = addPop(vq, 'b', 1);
    vq.pushUsed(b, 7);
    vq.pushUsed(a, 50);
    expect(vq.getUsed()).toBeNull();
    vq.flushUsed();
    // b's used descriptor at slot 0, then a's at slot 0 + len(b) = 1.
    expect(vq.descId[0]).toBe(b);
    expect(vq.descFlags[0]! & (AVAIL | USED)).toBe(AVAIL | USED);
    expect(vq.descId[1]).toBe(a);
    expect(drain(vq)).toEqual([
      { token: 'b', len: 7 },
      { token: 'a', len: 50 },
    ]);
    expect(vq.driverState()).toMatchObject({ lastUsedIdx: 4, usedWrapCounter: true });
    expect(vq.numFree).toBe(8);
  });

  it('flips the wrap counters on both sides when a chain crosses the end of the ring', () => {
    const vq = new PackedRing<number>({ layout: 'packed', num: 5 });
    startAt(vq, 3);
    const h = addPop(vq, 1, 3);
    expect(vq.driverState()).toMatchObject({ nextAvailIdx: 1, availWrapCounter: false });
    expect(vq.getDeviceState()).toMatchObject({ lastAvailIdx: 1, availWrapCounter: false });
    // After a wrap, available means AVAIL=0, USED=1.
    expect(vq.descFlags[0]! & (AVAIL | USED)).toBe(USED);
    vq.pushUsed(h, 0);
    vq.flushUsed();
    expect(vq.getDeviceState()).toMatchObject({ usedIdx: 1, usedWrapCounter: false });
    expect(drain(vq)).toEqual([{ token: 1, len: 0 }]);
    expect(vq.driverState()).toEqual({
      layout: 'packed',
      nextAvailIdx: 1,
      availWrapCounter: false,
      lastUsedIdx: 1,
      usedWrapCounter: false,
    });
    // Second lap: used descriptors carry AVAIL=USED=0.
    for (let t = 0; t < 6; t++) {
      const x = addPop(vq, 10 + t, 1);
      vq.pushUsed(x, 0);
      vq.flushUsed();
      expect(drain(vq)).toEqual([{ token: 10 + t, len: 0 }]);
    }
    expect(vq.driverState()).toMatchObject({ nextAvailIdx: 2, availWrapCounter: true });
  });

  it('ENOSPC counts descriptors, not ids', () => {
    const vq = new PackedRing<number>({ layout: 'packed', num: 4 });
    expect(vq.addBuf(chain(3), 1).ok).toBe(true);
    expect(vq.addBuf(chain(2), 2)).toMatchObject({ ok: false, errno: 'ENOSPC' });
    expect(vq.addBuf(chain(1), 2).ok).toBe(true);
    expect(vq.addBuf(chain(1), 3)).toMatchObject({ ok: false, errno: 'ENOSPC' });
  });

  describe('event suppression structures', () => {
    it('DISABLE / ENABLE in the device area gate kicks', () => {
      const vq = new PackedRing<number>({ layout: 'packed', num: 8 });
      vq.addBuf(chain(1), 1);
      expect(vq.kickNeeded()).toBe(true);
      vq.disableNotify();
      expect(vq.deviceEventFlags).toBe(VRING_PACKED_EVENT_FLAG_DISABLE);
      vq.addBuf(chain(1), 2);
      expect(vq.kickNeeded()).toBe(false);
      expect(vq.enableNotify()).toBe(true);
      vq.addBuf(chain(1), 3);
      expect(vq.kickNeeded()).toBe(true);
    });

    it('DESC mode kicks when next_avail crosses off_wrap, including across a wrap', () => {
      const vq = new PackedRing<number>({ layout: 'packed', num: 4, eventIdx: true });
      startAt(vq, 2);
      expect(vq.enableNotify()).toBe(false);
      expect(vq.deviceEventFlags).toBe(VRING_PACKED_EVENT_FLAG_DESC);
      expect(vq.deviceEventOffWrap).toBe(2 | 0x8000);
      vq.addBuf(chain(3), 1); // slots 2,3,0: crosses slot 2
      expect(vq.kickNeeded()).toBe(true);
      vq.disableNotify();
      vq.popAvail();
      vq.enableNotify();
      expect(vq.deviceEventOffWrap).toBe(1); // slot 1, wrap counter 0
      const h = vq.popAvail();
      expect(h).toBeNull();
      vq.addBuf(chain(1), 2); // fills slot 1, the off_wrap the device asked for
      expect(vq.kickNeeded()).toBe(true);
    });

    it('DESC mode in the driver area interrupts when the used position crosses off_wrap', () => {
      const vq = new PackedRing<number>({ layout: 'packed', num: 8, eventIdx: true });
      const hs = addPops(vq, [0, 1, 2], 2);
      expect(vq.enableCb()).toBe(true);
      expect(vq.driverEventFlags).toBe(VRING_PACKED_EVENT_FLAG_DESC);
      vq.pushUsed(hs[0], 0);
      expect(vq.flushUsed()).toBe(true);
      vq.pushUsed(hs[1], 0);
      expect(vq.flushUsed()).toBe(false); // the driver has not caught up: off_wrap still 0
      expect(vq.getUsed()?.token).toBe(0);
      expect(vq.driverEventOffWrap).toBe(2 | 0x8000);
      vq.disableCb();
      expect(drain(vq).length).toBe(1);
      vq.pushUsed(hs[2], 0);
      expect(vq.flushUsed()).toBe(false);
      expect(vq.enableCb()).toBe(false);
    });
  });
});
