// createVdpaDevice.ts — builds a device core from a profile and opens its vhost-vdpa fd:
// what a run does for each vDPA NIC of a scenario (vdpa dev add + open /dev/vhost-vdpa-N).

import { SimulationError, type Kernel } from '../sim/kernel/index.js';
import type { EventBus } from '../sim/events.js';
import { err, ok, type Result } from './errno.js';
import type { HostMemory } from './hostMemory.js';
import type { Profile } from './profile.js';
import { VdpaDevice } from './vdpaDevice.js';
import { VhostVdpa } from './vhostVdpa.js';

export interface CreateVdpaDeviceOptions {
  kernel: Kernel;
  bus: EventBus;
  profile: Profile;
  /** Device name, e.g. "vdpa0". */
  name: string;
  /** Data queue pairs (1..capabilities.maxQueuePairs). */
  queuePairs: number;
  /** The VMM process's address space (shared by every device of the run). */
  hostMemory: HostMemory;
}

/** Checks that a profile and a queue-pair count describe a device the model can build. */
export function checkDeviceConfig(profile: Profile, queuePairs: number): Result {
  const c = profile.capabilities;
  const where = `profile ${profile.name}`;
  if (!Number.isInteger(queuePairs) || queuePairs < 1 || queuePairs > c.maxQueuePairs) {
    return err('EINVAL', `${where}: queuePairs ${queuePairs} outside [1, ${c.maxQueuePairs}]`);
  }
  for (const [field, g] of [['dataGroup', c.dataGroup], ['cvqGroup', c.cvqGroup], ['dataDescGroup', c.dataDescGroup]] as const) {
    if (g !== null && g >= c.ngroups) return err('EINVAL', `${where}: ${field} ${g} >= ngroups ${c.ngroups}`);
  }
  if (c.mkeys === true && c.mapModel !== 'setMap') return err('EINVAL', `${where}: mkeys needs mapModel setMap`);
  return ok(undefined);
}

/** Creates the device and its vhost-vdpa fd; throws a SimulationError for an invalid configuration. */
export function createVdpaDevice(opts: CreateVdpaDeviceOptions): { device: VdpaDevice; fd: VhostVdpa } {
  const check = checkDeviceConfig(opts.profile, opts.queuePairs);
  if (!check.ok) throw new SimulationError(check.reason);
  const device = new VdpaDevice({ kernel: opts.kernel, bus: opts.bus, hostMemory: opts.hostMemory }, opts.profile, opts.name, opts.queuePairs);
  return { device, fd: new VhostVdpa(device) };
}
