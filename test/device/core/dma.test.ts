// dma.test.ts — device DMA: descriptor areas through the descriptor group's ASID, buffers through the vq group's, faults on misses.
import { describe, expect, it } from 'vitest';
import { mlx5Profile } from '../../../device/profiles/mlx5.js';
import { Status, backendBit } from '../../../device/uapi/uapi.js';
import { MiB, run, setup } from '../helpers.js';

describe('device DMA through the right ASID', () => {
  // Descriptor group moved to ASID 1 holding only the shadow vring; guest RAM stays in ASID 0.
  function svqWithDescGroup() {
    const s = setup(mlx5Profile);
    const k = s.kernel;
    run(k, s.fd.setBackendFeatures(backendBit('IOTLB_MSG_V2') | backendBit('IOTLB_BATCH') | backendBit('IOTLB_ASID') | backendBit('DESC_ASID')));
    run(k, s.fd.setGroupAsid(2, 1));
    run(k, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: 64 * MiB, uaddr: s.ramHva, perm: 3 }));
    s.hostMemory.map('svq0', 0x7000_0000, 2 * MiB, 'shadowVring');
    run(k, s.fd.iotlbMsg({ type: 'update', asid: 1, iova: 0x1000_0000, size: MiB, uaddr: 0x7000_0000, perm: 1 }));
    run(k, s.fd.iotlbMsg({ type: 'update', asid: 1, iova: 0x1010_0000, size: MiB, uaddr: 0x7010_0000, perm: 3 }));
    return s;
  }

  it('ring areas go through the descriptor group ASID, buffers through the vq group ASID', () => {
    const s = svqWithDescGroup();
    expect(s.device.asidFor(0, 'desc')).toBe(1);
    expect(s.device.asidFor(0, 'buffer')).toBe(0);
    expect(s.device.dma(0, 'desc', 0x1000_0010, 16, 'read')).toEqual({ ok: true, value: 0x7000_0010 });
    expect(s.device.dma(0, 'device', 0x1010_0000, 8, 'write')).toEqual({ ok: true, value: 0x7010_0000 });
    expect(s.device.dma(0, 'buffer', 0x2000, 1500, 'write')).toEqual({ ok: true, value: s.ramHva + 0x2000 });
    expect(s.tally.faults()).toHaveLength(0);
  });

  it('a buffer address that exists only in the descriptor ASID faults, setting NEEDS_RESET', () => {
    const s = svqWithDescGroup();
    const r = s.device.dma(1, 'buffer', 0x1000_0000, 64, 'read');
    expect(r.ok ? 'ok' : r.errno).toBe('EFAULT');
    expect(s.device.status & Status.DEVICE_NEEDS_RESET).toBe(Status.DEVICE_NEEDS_RESET);
    const f = s.tally.faults();
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ vq: 1, asid: 0, iova: 0x1000_0000, access: 'read' });
  });

  it('a write to a read-only ring area is a permission fault', () => {
    const s = svqWithDescGroup();
    const r = s.device.dma(0, 'desc', 0x1000_0000, 16, 'write');
    expect(r.ok ? 'ok' : r.errno).toBe('EFAULT');
    expect(s.tally.faults()[0]).toMatchObject({ asid: 1, access: 'write' });
    expect(s.tally.faults()[0]!.reason).toMatch(/permission/);
  });

  it('NEEDS_RESET survives status writes and is cleared only by reset', () => {
    const s = svqWithDescGroup();
    s.device.dma(0, 'buffer', 0x4000_0000, 1, 'read');
    run(s.kernel, s.fd.setStatus(Status.ACKNOWLEDGE));
    expect(s.device.status & Status.DEVICE_NEEDS_RESET).not.toBe(0);
    run(s.kernel, s.fd.setStatus(0));
    expect(s.device.status).toBe(0);
  });
});
