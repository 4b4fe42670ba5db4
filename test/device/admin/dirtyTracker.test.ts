// dirtyTracker.test.ts — dirty tracking of a passthrough device without SVQ: one record per IO page
// (the IOMMU's leaf entry) or per 4 KiB page (the device's own), cleared by each read; the IOMMU
// bitmap read walks every leaf entry of the mapped guest RAM.

import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../sim/events/events.js';
import { Kernel } from '../../../sim/kernel/index.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';
import { ManagementDevice } from '../../../device/admin/managementDevice.js';
import { ManagementDriver } from '../../../device/admin/managementDriver.js';
import type { DirtyTracking } from '../../../device/admin/dirtyTracker.js';
import { MmuFlag } from '../../../device/uapi/adminVq.js';
import { GiB, MiB, ZERO_HOST_COSTS, run, shippedProfile } from '../helpers.js';
import { RAM_HVA } from './helpers.js';

function tracked(tracking: DirtyTracking, granule: number, readPerEntryNs = 0) {
  const kernel = new Kernel();
  const bus = new EventBus();
  const hostMemory = new HostMemory();
  hostMemory.map('pc.ram', RAM_HVA, 4 * GiB, 'guestRam');
  const mgmt = new ManagementDevice({ kernel, bus, hostMemory }, shippedProfile('vdpa_sim'), 'mgmt', { keepMapsAtReset: true });
  const driver = new ManagementDriver({ kernel, bus, hostMemory, hostCosts: ZERO_HOST_COSTS }, mgmt, 'vdev', { tracking, granule, readPerEntryNs });
  const made = run(kernel, driver.exec([{ op: 'VDEV_CREATE', deviceId: 0, virtioId: 1, queuePairs: 1 }], true)).value;
  const id = made.ok ? (made.value[0] as number) : 0;
  // Guest RAM mapped at IOVA = GPA (2 GiB), through the driver so it knows what it pinned.
  run(kernel, driver.exec([{ op: 'MMU_MAP', deviceId: id, asid: 0, iovaStart: 0, iovaEnd: 2 * GiB - 1, uaddr: RAM_HVA, flags: MmuFlag.READ | MmuFlag.WRITE }, { op: 'MMU_ENABLE', deviceId: id, enable: true }], true));
  const core = mgmt.vdev(id)!.core;
  return { kernel, driver, core };
}

describe('dirty tracking without SVQ', () => {
  it('iommu at 2 MiB leaf entries: a write dirties its whole IO page, two writes in one page one record', () => {
    const t = tracked('iommu', 2 * MiB);
    run(t.kernel, t.driver.setDirtyTracking(true));
    t.core.dma(0, 'buffer', 1 * MiB + 100, 1500, 'write');
    t.core.dma(0, 'buffer', 1 * MiB + 8192, 1500, 'write');
    t.core.dma(1, 'buffer', 5 * MiB, 64, 'read'); // reads dirty nothing
    t.core.dma(0, 'buffer', 4 * MiB - 10, 20, 'write'); // straddles two IO pages
    expect(t.driver.takeDirty()).toEqual([
      { gpa: 0, len: 2 * MiB },
      { gpa: 2 * MiB, len: 2 * MiB },
      { gpa: 4 * MiB, len: 2 * MiB },
    ]);
    expect(t.driver.takeDirty()).toEqual([]);
  });

  it('device tracking at 4 KiB pages', () => {
    const t = tracked('device', 4096);
    run(t.kernel, t.driver.setDirtyTracking(true));
    t.core.dma(0, 'buffer', 1 * MiB + 100, 1500, 'write');
    expect(t.driver.takeDirty()).toEqual([{ gpa: 1 * MiB, len: 4096 }]);
  });

  it('nothing is recorded while tracking is off', () => {
    const t = tracked('iommu', 2 * MiB);
    t.core.dma(0, 'buffer', 100, 8, 'write');
    expect(t.driver.takeDirty()).toEqual([]);
    run(t.kernel, t.driver.setDirtyTracking(true));
    run(t.kernel, t.driver.setDirtyTracking(false));
    t.core.dma(0, 'buffer', 100, 8, 'write');
    expect(t.driver.takeDirty()).toEqual([]);
  });

  it('the IOMMU bitmap read walks every leaf entry of the mapped guest RAM', () => {
    const t = tracked('iommu', 2 * MiB, 3);
    run(t.kernel, t.driver.setDirtyTracking(true));
    const t0 = t.kernel.now;
    const r = run(t.kernel, t.driver.readDirty());
    expect(r.value.ok).toBe(true);
    expect(r.t - t0).toBe(((2 * GiB) / (2 * MiB)) * 3);
  });
});
