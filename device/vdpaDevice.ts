// vdpaDevice.ts — the generic vDPA device core: status machine, negotiated features, per-vq state,
// group→ASID bindings, one device-side map per ASID, the suspended flag, and the DMA check the
// data plane calls. Device-specific behaviour (costs, map model, MKEYs) lives in the ops chosen
// from the profile's capabilities (device/createConfigOps.ts).

import type { Kernel, Rng } from '../sim/kernel/index.js';
import type { EventBus } from '../sim/events.js';
import type { VdpaConfigOps } from './configOps.js';
import { createConfigOps } from './createConfigOps.js';
import { DeviceDataPlane } from './dataPlane.js';
import { err, ok, type Result } from './errno.js';
import type { HostMemory } from './hostMemory.js';
import { VhostIotlb, type DmaAccess } from './iotlb.js';
import type { Mlx5MemoryRegions } from './mlx5Mr.js';
import type { Capabilities, Costs, Profile } from './profile.js';
import { Status, VirtioFeature, featureBit, type VirtioFeatureName } from './uapi.js';

/** Which part of a virtqueue a DMA touches: the three ring areas, or a buffer they point to. */
export type DmaArea = 'desc' | 'driver' | 'device' | 'buffer';

/** Device-side state of one virtqueue. */
export interface VirtqueueState {
  /** Ring size (SET_VRING_NUM); 0 until set. */
  num: number;
  /** IOVA of the descriptor area (split: descriptor table; packed: descriptor ring). */
  desc: number;
  /** IOVA of the driver area (split: avail ring; packed: driver event suppression). */
  driver: number;
  /** IOVA of the device area (split: used ring; packed: device event suppression). */
  device: number;
  /** Enabled by the driver (set_vq_ready). */
  ready: boolean;
  /** Next avail entry the device will read. */
  lastAvailIdx: number;
  /** Next used entry the device will write. */
  lastUsedIdx: number;
  /** Packed rings: driver wrap counter of lastAvailIdx. */
  availWrap: boolean;
  /** Packed rings: device wrap counter of lastUsedIdx. */
  usedWrap: boolean;
}

/** The device's current map of one address space. */
export interface AddressSpace {
  /** 1:1 passthrough (iova == host address) — the on-chip IOMMU's initial state. */
  identity: boolean;
  /** The ranges the device translates through when not identity. */
  iotlb: VhostIotlb;
}

/** What a device needs from the run. */
export interface DeviceEnv {
  kernel: Kernel;
  bus: EventBus;
  hostMemory: HostMemory;
  /** The device's random stream (cost jitter); without one every cost is exact. */
  rng?: Rng;
}

function freshVq(): VirtqueueState {
  return { num: 0, desc: 0, driver: 0, device: 0, ready: false, lastAvailIdx: 0, lastUsedIdx: 0, availWrap: true, usedWrap: true };
}

/** Virtio-net features every profile offers; the capability-dependent ones are added in deviceFeatures. */
const BASE_FEATURES: VirtioFeatureName[] = [
  'VERSION_1',
  'ACCESS_PLATFORM',
  'NET_F_CSUM',
  'NET_F_MAC',
  'NET_F_MRG_RXBUF',
  'NET_F_STATUS',
  'NET_F_CTRL_VQ',
  'NET_F_CTRL_RX',
  'NET_F_CTRL_VLAN',
  'NET_F_CTRL_MAC_ADDR',
  'RING_F_INDIRECT_DESC',
  'RING_F_EVENT_IDX',
];

export class VdpaDevice {
  /** Device name, e.g. "vdpa0". */
  readonly name: string;
  /** The profile the device was built from. */
  readonly profile: Profile;
  /** Shorthand for profile.capabilities. */
  readonly caps: Capabilities;
  /** Shorthand for profile.costs. */
  readonly costs: Costs;
  /** Simulation kernel. */
  readonly kernel: Kernel;
  /** Event stream. */
  readonly bus: EventBus;
  /** The VMM process's address space the device DMAs into. */
  readonly hostMemory: HostMemory;
  /** Random stream for cost jitter (null: exact costs). */
  private readonly rng: Rng | null;
  /** Data queue pairs this instance has (vdpa dev add max_vqp). */
  readonly queuePairs: number;
  /** Number of virtqueues: 2 per queue pair plus the CVQ. */
  readonly nvqs: number;
  /** Index of the control virtqueue (the last one). */
  readonly cvqIndex: number;
  /** Virtio status byte. */
  status = 0;
  /** Features accepted from the driver. */
  driverFeatures = 0n;
  /** Per-vq state. */
  readonly vqs: VirtqueueState[];
  /** ASID each group is bound to. */
  readonly groupAsid: number[];
  /** Device-side map of each ASID. */
  readonly spaces: AddressSpace[];
  /** Suspended (vqs stopped with their state kept) since the last suspend, until resume or reset. */
  suspended = false;
  /** The MKEY memory regions, on devices whose set_map builds them (capabilities.mkeys). */
  mr: Mlx5MemoryRegions | null = null;
  /** The parent driver's ops, chosen from the capabilities. */
  readonly ops: VdpaConfigOps;
  /** The virtqueue engine: kicks, calls, TX/RX/CVQ processing. */
  readonly dataPlane: DeviceDataPlane;

  constructor(env: DeviceEnv, profile: Profile, name: string, queuePairs: number) {
    this.name = name;
    this.profile = profile;
    this.caps = profile.capabilities;
    this.costs = profile.costs;
    this.kernel = env.kernel;
    this.bus = env.bus;
    this.hostMemory = env.hostMemory;
    this.rng = env.rng ?? null;
    this.queuePairs = queuePairs;
    this.nvqs = 2 * queuePairs + 1;
    this.cvqIndex = 2 * queuePairs;
    this.vqs = Array.from({ length: this.nvqs }, freshVq);
    this.groupAsid = new Array<number>(this.caps.ngroups).fill(0);
    this.spaces = Array.from({ length: this.caps.nas }, () => this.initialSpace());
    this.ops = createConfigOps(this);
    this.dataPlane = new DeviceDataPlane(this);
  }

  /** The map an ASID starts with and returns to through reset_map. */
  /** A cost as this run draws it: `ns` varied by the profile's jitter, an integer >= 0. */
  jittered(ns: number): number {
    const cv = this.costs.jitter ?? 0;
    if (this.rng === null || cv === 0 || ns === 0) return ns;
    return Math.max(0, Math.round(this.rng.normal(ns, ns * cv)));
  }

  initialSpace(): AddressSpace {
    return { identity: this.caps.identityMapAtInit, iotlb: new VhostIotlb(this.caps.maxIotlbEntries) };
  }

  /** Features the device offers. */
  deviceFeatures(): bigint {
    let f = 0n;
    for (const n of BASE_FEATURES) f |= featureBit(n);
    if (this.queuePairs > 1) f |= featureBit('NET_F_MQ') | featureBit('NET_F_RSS');
    if (this.caps.ringLayouts.includes('packed')) f |= featureBit('RING_PACKED');
    if (this.caps.inOrder) f |= featureBit('IN_ORDER');
    if (this.caps.partialOrder) f |= featureBit('PARTIAL_ORDER');
    return f;
  }

  /** True when the driver negotiated the packed layout. */
  get packed(): boolean {
    return (this.driverFeatures & (1n << BigInt(VirtioFeature.RING_PACKED))) !== 0n;
  }

  /** Number of data virtqueues (RX and TX of every pair). */
  get dataVqs(): number {
    return 2 * this.queuePairs;
  }

  /** True for an index naming a vq of this device. */
  validVq(vq: number): boolean {
    return Number.isInteger(vq) && vq >= 0 && vq < this.nvqs;
  }

  /** Group of a vq's buffers. */
  vqGroup(vq: number): number {
    return vq === this.cvqIndex ? this.caps.cvqGroup : this.caps.dataGroup;
  }

  /** Group of a vq's ring areas: its dedicated descriptor group, else its group. */
  vqDescGroup(vq: number): number {
    if (vq === this.cvqIndex || this.caps.dataDescGroup === null) return this.vqGroup(vq);
    return this.caps.dataDescGroup;
  }

  /** The ASID a DMA to `area` of `vq` goes through. */
  asidFor(vq: number, area: DmaArea): number {
    const group = area === 'buffer' ? this.vqGroup(vq) : this.vqDescGroup(vq);
    return this.groupAsid[group];
  }

  /** True when some group other than the CVQ's is bound to asid (the data path uses that map). */
  asidServesDataPath(asid: number): boolean {
    return this.groupAsid.some((a, g) => a === asid && g !== this.caps.cvqGroup);
  }

  /** Running: DRIVER_OK, not suspended, not needing reset. */
  get running(): boolean {
    return (this.status & Status.DRIVER_OK) !== 0 && (this.status & Status.DEVICE_NEEDS_RESET) === 0 && !this.suspended;
  }

  /** True when the data plane may process `vq` now. */
  vqLive(vq: number): boolean {
    return this.running && this.validVq(vq) && this.vqs[vq].ready;
  }

  /**
   * The DMA check the data plane calls before touching memory: translates [iova, iova+len) of
   * `area` of `vq` through the right ASID and returns the host address of the first byte. Ring
   * areas use the vq's descriptor group, buffers the vq's group. A miss or a permission
   * violation sets DEVICE_NEEDS_RESET, emits a FaultEvent and returns EFAULT.
   */
  dma(vq: number, area: DmaArea, iova: number, len: number, access: DmaAccess): Result<number> {
    if (!this.validVq(vq)) return err('EINVAL', `no vq ${vq}`);
    const asid = this.asidFor(vq, area);
    const space = this.spaces[asid];
    if (space.identity) return ok(iova);
    const t = space.iotlb.translate(iova, len, access);
    if (t.ok) return ok(t.uaddr);
    const reason = `${t.kind === 'miss' ? 'IOTLB miss' : 'permission violation'} on ${area} of vq ${vq} (${access} ${len} B at IOVA ${iova})`;
    this.status |= Status.DEVICE_NEEDS_RESET;
    this.bus.emit({ kind: 'fault', t: this.kernel.now, device: this.name, vq, asid, iova: t.iova, access, reason });
    return err('EFAULT', reason);
  }

  /** Clears the virtio state a reset clears: status, features, vqs, group bindings, suspension. */
  resetState(): void {
    this.status = 0;
    this.driverFeatures = 0n;
    for (let i = 0; i < this.nvqs; i++) this.vqs[i] = freshVq();
    this.groupAsid.fill(0);
    this.suspended = false;
  }
}
