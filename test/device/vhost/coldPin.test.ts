// coldPin.test.ts — pinning memory that is not resident yet costs the fault-in too, once.
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../sim/events/events.js';
import { Kernel } from '../../../sim/kernel/index.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';
import { vdpaSimProfile } from '../../../device/profiles/vdpaSim.js';
import { openDevice, run, MiB } from '../helpers.js';

function host(resident: boolean) {
  const kernel = new Kernel();
  const hostMemory = new HostMemory();
  const hva = 2 ** 40;
  hostMemory.map('pc.ram', hva, 64 * MiB, 'guestRam', resident);
  const { fd } = openDevice({ kernel, bus: new EventBus(), hostMemory }, vdpaSimProfile, 'd', 1);
  return { kernel, fd, hostMemory, hva };
}

const c = vdpaSimProfile.costs;
const update = (iova: number, uaddr: number) => ({ type: 'update' as const, asid: 0, iova, size: 4 * MiB, uaddr, perm: 3 as const });

describe('cold pinning', () => {
  it('costs pinColdPerChunkNs on memory never touched, then pinPerChunkNs once resident', () => {
    const s = host(false);
    expect(s.hostMemory.coldPages(s.hva, 4 * MiB)).toBe(1024);
    const { t: t1 } = run(s.kernel, s.fd.iotlbMsg(update(0, s.hva)));
    // 1024 pages = 2 chunks, cold.
    expect(t1).toBe(c.ioctlNs + 2 * (c.pinColdPerChunkNs as number) + c.setMapBaseNs);
    expect(s.hostMemory.coldPages(s.hva, 4 * MiB)).toBe(0);
    // The same pages again (another IOVA): resident now, the warm cost.
    const { t: t2 } = run(s.kernel, s.fd.iotlbMsg(update(8 * MiB, s.hva)));
    expect(t2 - t1).toBe(c.ioctlNs + 2 * c.pinPerChunkNs + c.setMapBaseNs);
  });

  it('resident memory (the default) pins at the warm cost, and a half-touched range pays each part', () => {
    const s = host(true);
    const { t } = run(s.kernel, s.fd.iotlbMsg(update(0, s.hva)));
    expect(t).toBe(c.ioctlNs + 2 * c.pinPerChunkNs + c.setMapBaseNs);
    const h = host(false);
    h.hostMemory.touch(h.hva, 2 * MiB);
    expect(h.hostMemory.coldPages(h.hva, 4 * MiB)).toBe(512);
    const { t: th } = run(h.kernel, h.fd.iotlbMsg(update(0, h.hva)));
    expect(th).toBe(c.ioctlNs + c.pinPerChunkNs + (c.pinColdPerChunkNs as number) + c.setMapBaseNs);
  });
});
