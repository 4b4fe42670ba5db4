// vdpaDevAdd.ts — `vdpa dev add`: builds one vDPA device from a profile (the generic core, its vq
// worker and the parent's ops chosen from the capabilities) and hands out what the bus driver
// holds (a VdpaDevice: name, ops, costs) plus the device's network port and read-only views for
// the testbed's checks. Nothing outside device/ sees the core or its mutators.

import { err, ok, type Result } from '../uapi/errno.js';
import type { Profile } from '../profiles/profile.js';
import type { VdpaDevice } from '../core/configOps.js';
import { DeviceCore, type DeviceEnv, type DeviceView } from '../core/deviceCore.js';
import { VqWorker, type DataPlaneStats, type DeviceNetState, type WirePort } from '../core/vqWorker.js';
import { createConfigOps } from './createConfigOps.js';
import type { Mlx5MemoryRegions } from './mlx5Mr.js';
import { Iopf, type HostFaultCosts, type IopfView } from '../core/iopf.js';
import { defaultHostCosts } from '../vhost/hostCosts.js';

export type { DeviceEnv };

/** What `vdpa dev add` needs from the run: the device env and the host's fault-in costs (default: defaultHostCosts). */
type AddEnv = DeviceEnv & { hostCosts?: HostFaultCosts };

/** The device's side of the network: frames in from the wire, frames out to it. */
interface NetPort {
  /** Where transmitted frames go; null drops them. */
  connect(wire: WirePort | null): void;
  /**
   * Frames from the wire for RX vq `vq`: `count` buffers of `len` bytes, each carrying `packets`
   * packets, tagged `tag`. Returns how many were received (the rest are dropped and counted).
   */
  receive(vq: number, count: number, len: number, packets: number, tag: number): number;
}

/** A device as `vdpa dev add` leaves it: the bus-facing device plus its port and views. */
export interface AddedDevice extends VdpaDevice {
  /** The device's network port. */
  readonly port: NetPort;
  /** Read-only view of the device state (checks, tests, traces). */
  readonly view: DeviceView;
  /** The vq worker's counters. */
  readonly stats: Readonly<DataPlaneStats>;
  /** The device's network state as the CVQ commands left it. */
  netState(): Readonly<DeviceNetState>;
  /** Loads the network state of a migrated device (DEV_PARTS_SET): active queue pairs and VLAN filter. */
  loadNetState(queuePairs: number, vlans: readonly number[]): void;
  /** The MKEY memory regions of an MKEY device (capabilities.mkeys), else null. */
  readonly mr: Mlx5MemoryRegions | null;
  /** A device error injected by the run: the device sets DEVICE_NEEDS_RESET and stops processing. */
  injectNeedsReset(): void;
  /** Read-only view of the device's page-fault engine (capabilities.pageFaults), else null. */
  readonly iopf: IopfView | null;
}

/** Checks that a profile and a queue-pair count describe a device the model can build. */
function checkDeviceConfig(profile: Profile, queuePairs: number): Result {
  const c = profile.capabilities;
  const where = `profile ${profile.name}`;
  if (!Number.isInteger(queuePairs) || queuePairs < 1 || queuePairs > c.maxQueuePairs) {
    return err('EINVAL', `${where}: queuePairs ${queuePairs} outside [1, ${c.maxQueuePairs}]`);
  }
  for (const [field, g] of [['dataGroup', c.dataGroup], ['cvqGroup', c.cvqGroup], ['dataDescGroup', c.dataDescGroup]] as const) {
    if (g !== null && g >= c.ngroups) return err('EINVAL', `${where}: ${field} ${g} >= ngroups ${c.ngroups}`);
  }
  if (c.mkeys === true && c.mapModel !== 'setMap') return err('EINVAL', `${where}: mkeys needs mapModel setMap`);
  // vhost_vdpa_probe: a parent without set_map and dma_map is mapped through one IOMMU domain.
  if (c.mapModel === 'platformIommu' && (c.ngroups > 1 || c.nas > 1)) {
    return err('EOPNOTSUPP', `${where}: a platform-IOMMU parent has one group and one address space (vhost_vdpa_probe), found ngroups ${c.ngroups}, nas ${c.nas}`);
  }
  return ok(undefined);
}

/** The device and its core: the core only for device/ tests that probe DMA directly. */
export function buildDevice(env: AddEnv, profile: Profile, name: string, queuePairs: number): Result<{ device: AddedDevice; core: DeviceCore }> {
  const check = checkDeviceConfig(profile, queuePairs);
  if (!check.ok) return check;
  const core = new DeviceCore(env, profile, name, queuePairs);
  const worker = new VqWorker(core);
  const mode = profile.capabilities.pageFaults;
  const iopf =
    mode === undefined
      ? null
      : new Iopf({ name, kernel: env.kernel, bus: env.bus, mem: env.hostMemory, host: env.hostCosts ?? defaultHostCosts, jittered: (ns) => core.jittered(ns), nvqs: core.nvqs }, mode, profile.costs);
  if (iopf !== null) worker.attachIopf(iopf);
  const { ops, mr } = createConfigOps(core, worker, iopf);
  const device: AddedDevice = {
    name,
    ops,
    costs: profile.costs,
    useVa: profile.capabilities.useVa === true,
    iommuDomain: core.iommuDomain,
    jittered: (ns) => core.jittered(ns),
    port: { connect: (wire) => worker.connect(wire), receive: (vq, count, len, packets, tag) => worker.receive(vq, count, len, packets, tag) },
    view: core,
    stats: worker.stats,
    netState: () => worker.netState,
    loadNetState: (queuePairs, vlans) => worker.loadNetState(queuePairs, vlans),
    mr,
    iopf,
    injectNeedsReset: () => {
      core.markNeedsReset();
      env.bus.emit({ kind: 'note', t: env.kernel.now, device: name, text: 'injected fault: DEVICE_NEEDS_RESET' });
    },
  };
  return ok({ device, core });
}

/** `vdpa dev add`: the device, or EINVAL for a profile and queue-pair count the model cannot build. */
export function vdpaDevAdd(env: AddEnv, profile: Profile, name: string, queuePairs: number): Result<AddedDevice> {
  const b = buildDevice(env, profile, name, queuePairs);
  return b.ok ? ok(b.value.device) : b;
}
