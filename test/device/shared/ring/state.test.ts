// state.test.ts — device ring state save/restore and the vring base word.
import { describe, expect, it } from 'vitest';
import {
  decodeVringBase,
  encodeVringBase,
  type DeviceRingState,
  type RingLayout,
} from '../../../../device/shared/ring/index.js';
import { addPop, addPops, chain, drain, mkRing, startAt } from './helpers.js';

describe('vring base word', () => {
  it('packs packed positions as vhost does and round-trips', () => {
    const s: DeviceRingState = { layout: 'packed', lastAvailIdx: 5, availWrapCounter: false, usedIdx: 3, usedWrapCounter: true };
    expect(encodeVringBase(s)).toBe(((3 | 0x8000) << 16 >>> 0) + 5);
    expect(decodeVringBase('packed', encodeVringBase(s))).toEqual(s);
    expect(encodeVringBase({ layout: 'split', lastAvailIdx: 65535, usedIdx: 65530 })).toBe(65535);
    expect(decodeVringBase('split', 65535)).toEqual({ layout: 'split', lastAvailIdx: 65535, usedIdx: 65535 });
  });
});

for (const layout of ['split', 'packed'] as RingLayout[]) {
  describe(`${layout}: device state save and restore`, () => {
    it('a fresh ring restored at the migrated indices resumes exactly', () => {
      const num = 8;
      const src = mkRing<number>({ layout, num });
      startAt(src, layout === 'split' ? 65533 : 6);
      for (let t = 0; t < 5; t++) {
        const h = addPop(src, t, 1);
        src.pushUsed(h, 1);
        src.flushUsed();
      }
      expect(drain(src).length).toBe(5);
      const drv = src.driverState();
      const dev = src.getDeviceState();
      if (layout === 'split') expect(dev).toEqual({ layout: 'split', lastAvailIdx: 2, usedIdx: 2 });
      else expect(dev).toEqual({ layout: 'packed', lastAvailIdx: 3, availWrapCounter: false, usedIdx: 3, usedWrapCounter: false });

      const dst = mkRing<number>({ layout, num });
      expect(dst.setDriverState(drv).ok).toBe(true);
      expect(dst.setDeviceState(dev).ok).toBe(true);
      expect(dst.getDeviceState()).toEqual(dev);
      // Same sequence on both rings gives the same observable results.
      for (const vq of [src, dst]) {
        const hs = addPops(vq, [10, 11, 12], 2);
        vq.pushUsed(hs[1], 7);
        vq.pushUsed(hs[0], 5);
        vq.pushUsed(hs[2], 9);
        vq.flushUsed();
      }
      expect(drain(dst)).toEqual(drain(src));
      expect(dst.driverState()).toEqual(src.driverState());
      expect(dst.getDeviceState()).toEqual(src.getDeviceState());
    });

    it('a reset device rewound to the used index re-pops the in-flight buffers', () => {
      const vq = mkRing<number>({ layout, num: 8, inOrder: true });
      const a = addPop(vq, 0, 2);
      addPop(vq, 1, 2);
      vq.pushUsed(a, 100);
      vq.flushUsed();
      const st = vq.getDeviceState();
      expect(vq.setDeviceState(st)).toMatchObject({ ok: false, errno: 'EBUSY' });
      vq.resetDevice();
      expect(vq.inflight).toBe(0);
      const rewound: DeviceRingState =
        st.layout === 'split'
          ? { ...st, lastAvailIdx: st.usedIdx }
          : { ...st, lastAvailIdx: st.usedIdx, availWrapCounter: st.usedWrapCounter };
      expect(vq.setDeviceState(rewound).ok).toBe(true);
      const again = vq.popAvail();
      expect(again?.descs.length).toBe(2);
      vq.pushUsed(again!.head, 100);
      vq.flushUsed();
      expect(drain(vq).map((u) => u.token)).toEqual([0, 1]);
    });

    it('rejects positions that would move indices backward or past the driver', () => {
      const vq = mkRing<number>({ layout, num: 8 });
      startAt(vq, 4);
      vq.addBuf(chain(1), 0);
      const bad: DeviceRingState =
        layout === 'split'
          ? { layout, lastAvailIdx: 6, usedIdx: 4 }
          : { layout, lastAvailIdx: 6, availWrapCounter: true, usedIdx: 4, usedWrapCounter: true };
      expect(vq.setDeviceState(bad)).toMatchObject({ ok: false, errno: 'EINVAL' });
      expect(vq.setDriverState(vq.driverState())).toMatchObject({ ok: false, errno: 'EBUSY' });
    });

    it('unpublished used entries are not part of the saved state', () => {
      const vq = mkRing<number>({ layout, num: 8 });
      const a = addPop(vq, 0, 1);
      const before = vq.getDeviceState();
      vq.pushUsed(a, 0);
      expect(vq.getDeviceState()).toEqual(before);
      expect(vq.setDeviceState(before)).toMatchObject({ ok: false, errno: 'EBUSY' });
    });
  });
}
