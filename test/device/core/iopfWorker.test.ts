// iopfWorker.test.ts — the vq worker of a device taking page faults, on one RX ring: three 64 KiB
// frames arrive for three buffers and the second buffer's pages are not resident. The mechanism fixes the
// answer: with PARTIAL_ORDER the device uses buffers 0 and 2 at once (2 without FLUSH, an earlier
// buffer being still in flight) and buffer 1 when its page response arrives (FLUSH: the device has
// caught up); without it the vq stops at buffer 1, the third frame is dropped, and buffer 2 is
// used by the next frame once the fault is resolved.

import { describe, expect, it } from 'vitest';
import { mlx5Profile } from '../../../device/profiles/mlx5.js';
import type { Profile } from '../../../device/profiles/profile.js';
import { Status, backendBit, featureBit } from '../../../device/uapi/uapi.js';
import { createRing, ringAreaSizes, type Virtqueue } from '../../../device/shared/ring/index.js';
import { MiB, run, setup } from '../helpers.js';

const priMlx5: Profile = { ...mlx5Profile, name: 'mlx5-pri', capabilities: { ...mlx5Profile.capabilities, pageFaults: 'pri', partialOrder: true } };
const BUF = 64 * 1024;
const RING_IOVA = 0x10_0000;
const BUF_IOVA = 0x40_0000;

function device(partialOrder: boolean) {
  const s = setup(priMlx5, { ramBytes: 64 * MiB });
  const k = s.kernel;
  run(k, s.fd.setBackendFeatures(backendBit('IOTLB_MSG_V2') | backendBit('IOTLB_BATCH') | backendBit('IOTLB_ASID') | backendBit('SUSPEND') | backendBit('RESUME') | backendBit('IOPF')));
  run(k, s.fd.setFeatures(featureBit('VERSION_1') | featureBit('ACCESS_PLATFORM') | (partialOrder ? featureBit('PARTIAL_ORDER') : 0n)));
  run(k, s.fd.iotlbMsg({ type: 'update', asid: 0, iova: 0, size: s.ramBytes, uaddr: s.ramHva, perm: 3 }));
  const made = createRing<number>({ layout: 'split', num: 8, partialOrder, name: 'rx0' });
  if (!made.ok) throw new Error(made.reason);
  const ring: Virtqueue<number> = made.value;
  const z = ringAreaSizes('split', 8);
  s.hostMemory.place(s.ramHva + RING_IOVA, z.descArea + z.driverArea + z.deviceArea, ring);
  run(k, s.fd.setVringNum(0, 8));
  run(k, s.fd.setVringAddr(0, { desc: RING_IOVA, avail: RING_IOVA + z.descArea, used: RING_IOVA + z.descArea + z.driverArea }));
  run(k, s.fd.setVringBase(0, { lastAvailIdx: 0 }));
  run(k, s.fd.setStatus(Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK));
  run(k, s.fd.setVringEnable(0, true));
  for (let b = 0; b < 4; b++) ring.addBuf([{ addr: BUF_IOVA + b * BUF, len: BUF, write: true }], b);
  // Buffer 1's memory was discarded: its pages are not resident.
  s.hostMemory.discard(s.ramHva + BUF_IOVA + BUF, BUF);
  return { ...s, ring };
}

/** Used entries as the driver reads them: token and FLUSH of each. */
function reap(ring: Virtqueue<number>): [number, boolean][] {
  const out: [number, boolean][] = [];
  for (let e = ring.peekUsed(); e !== null; e = ring.peekUsed()) out.push([ring.getUsed()!.token, e.flush]);
  return out;
}

describe('the vq worker while a page fault is outstanding', () => {
  it('PARTIAL_ORDER: later buffers are used out of order, the faulted one with FLUSH when its response arrives', () => {
    const { kernel, added, ring, hostMemory, ramHva } = device(true);
    expect(added.port.receive(0, 3, BUF, 1, 0)).toBe(3);
    expect(reap(ring)).toEqual([
      [0, true],
      [2, false],
    ]);
    kernel.run();
    // 2 µs request + 16 small folios faulted in (487 ns each) and zeroed (4 KiB at 46.7 GB/s: 88 ns) + 1 µs response.
    expect(reap(ring)).toEqual([[1, true]]);
    expect(hostMemory.coldPages(ramHva + BUF_IOVA + BUF, BUF)).toBe(0);
    expect(added.iopf!.stats.pages).toBe(16);
    expect(ring.usedCounts.outOfOrder).toBe(1);
    expect(added.stats.rxDropped).toBe(0);
  });

  it('without it the vq stops behind the fault: the third frame is dropped, the next one takes buffer 2', () => {
    const { kernel, added, ring } = device(false);
    const t0 = kernel.now;
    expect(added.port.receive(0, 3, BUF, 1, 0)).toBe(2);
    expect(added.stats.rxDropped).toBe(1);
    expect(reap(ring)).toEqual([[0, false]]);
    // Nothing is taken while the fault is outstanding.
    expect(added.port.receive(0, 1, BUF, 1, 0)).toBe(0);
    kernel.run();
    expect(kernel.now - t0).toBe(2_000 + Math.round(16 * 487 + (16 * 4096 * 1e9) / 46.7e9) + 1_000);
    expect(reap(ring)).toEqual([[1, false]]);
    expect(added.port.receive(0, 1, BUF, 1, 0)).toBe(1);
    expect(reap(ring)).toEqual([[2, false]]);
    expect(ring.usedCounts.outOfOrder).toBe(0);
    expect(added.iopf!.stats.stallNs).toBe(kernel.now - t0);
  });

  it('only the pages a frame writes fault: a 4 KiB frame faults one page in', () => {
    const { kernel, added, ring, hostMemory, ramHva } = device(false);
    added.port.receive(0, 2, 4096, 1, 0);
    const t0 = kernel.now;
    kernel.run();
    expect(kernel.now - t0).toBe(2_000 + 487 + 88 + 1_000);
    expect(reap(ring).map(([t]) => t)).toEqual([0, 1]);
    expect(hostMemory.coldPages(ramHva + BUF_IOVA + BUF, BUF)).toBe(15);
  });

  it('a SUSPEND waits for the outstanding fault: every buffer the device took is used when it returns', () => {
    const { kernel, fd, added, ring } = device(true);
    added.port.receive(0, 3, BUF, 1, 0);
    const r = run(kernel, fd.suspend());
    expect(r.value.ok).toBe(true);
    expect(ring.inflight).toBe(0);
    expect(reap(ring).map(([t]) => t)).toEqual([0, 2, 1]);
  });
});
