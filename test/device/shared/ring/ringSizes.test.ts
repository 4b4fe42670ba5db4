// ringSizes.test.ts — ring area sizes as the spec and QEMU's SVQ define them, and ring creation checks.
import { describe, expect, it } from 'vitest';
import { createRing, ringAreaSizes } from '../../../../device/shared/ring/index.js';

describe('ringAreaSizes', () => {
  it('split areas follow the spec and SVQ rounds driver (desc+avail) and device areas to pages', () => {
    expect(ringAreaSizes('split', 256)).toEqual({
      descArea: 4096,
      driverArea: 518,
      deviceArea: 2054,
      svqDriverArea: 8192,
      svqDeviceArea: 4096,
    });
    const big = ringAreaSizes('split', 1024);
    expect(big.descArea + big.driverArea).toBe(16384 + 2054);
    expect(big.svqDriverArea).toBe(20480);
    expect(big.deviceArea).toBe(8198);
    expect(big.svqDeviceArea).toBe(12288);
  });

  it('packed has a descriptor ring and two 4-byte event suppression areas', () => {
    expect(ringAreaSizes('packed', 256)).toEqual({
      descArea: 4096,
      driverArea: 4,
      deviceArea: 4,
      svqDriverArea: 8192,
      svqDeviceArea: 4096,
    });
    expect(ringAreaSizes('packed', 8, 65536).svqDriverArea).toBe(65536);
  });
});

describe('createRing', () => {
  it('rejects split sizes that are not powers of two and sizes out of range', () => {
    expect(createRing({ layout: 'split', num: 100 })).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(createRing({ layout: 'split', num: 65536 })).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(createRing({ layout: 'packed', num: 0 })).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(createRing({ layout: 'split', num: 32768 }).ok).toBe(true);
    expect(createRing({ layout: 'packed', num: 100 }).ok).toBe(true);
  });
});
