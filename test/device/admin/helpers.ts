// helpers.ts — a management device with its driver on a fresh kernel, for the admin-vq tests.

import { EventBus } from '../../../sim/events/events.js';
import { Kernel } from '../../../sim/kernel/index.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';
import { ManagementDevice } from '../../../device/admin/managementDevice.js';
import { ManagementDriver } from '../../../device/admin/managementDriver.js';
import type { AdminCommand, AdminValue } from '../../../device/uapi/adminVq.js';
import type { Result } from '../../../device/uapi/errno.js';
import type { Profile } from '../../../device/profiles/profile.js';
import { GiB, Tally, ZERO_HOST_COSTS, run, shippedProfile } from '../helpers.js';

export const RAM_HVA = 1024 * GiB;

/** A management device of `profile` (default vdpa_sim) with 4 GiB of VMM memory mapped at RAM_HVA. */
export function mgmtSetup(profile: Profile = shippedProfile('vdpa_sim'), opts: { keepMapsAtReset?: boolean } = {}) {
  const kernel = new Kernel();
  const bus = new EventBus();
  const tally = new Tally(bus);
  const hostMemory = new HostMemory();
  const m = hostMemory.map('pc.ram', RAM_HVA, 4 * GiB, 'guestRam');
  if (!m.ok) throw new Error(m.reason);
  const mgmt = new ManagementDevice({ kernel, bus, hostMemory }, profile, 'mgmt', { keepMapsAtReset: opts.keepMapsAtReset ?? true });
  const driver = new ManagementDriver({ kernel, bus, hostMemory, hostCosts: ZERO_HOST_COSTS }, mgmt, 'vdev', { tracking: 'device', granule: 4096, readPerEntryNs: 0 });
  /** Runs one command on the admin vq; its result. */
  const one = (cmd: AdminCommand): Result<AdminValue> => run(kernel, mgmt.queue.submit([cmd], true)).value[0]!;
  /** Creates a virtual device of `queuePairs` pairs; its id. */
  const create = (queuePairs = 1): number => {
    const r = one({ op: 'VDEV_CREATE', deviceId: 0, virtioId: 1, queuePairs });
    if (!r.ok || typeof r.value !== 'number') throw new Error(r.ok ? 'no id' : r.reason);
    return r.value;
  };
  return { kernel, bus, tally, hostMemory, mgmt, driver, one, create };
}
