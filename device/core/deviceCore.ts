// deviceCore.ts — the generic vDPA device core (vdpa_sim's struct vdpasim, generic over profiles):
// status byte, negotiated features, per-vq state, group→ASID bindings, one device-side map per
// ASID, the suspended flag, and the DMA check the vq worker calls. Only this file writes that
// state; the ops (commonOps.ts and the parent's map ops, device/parents/) and the vq worker change
// it through the mutators below. Device-specific behaviour (costs, map model, MKEYs) lives in the
// ops chosen from the profile's capabilities (device/parents/createConfigOps.ts).

import { NO_FAULTS, type FaultPlan } from '../shared/faultPlan.js';
import type { Kernel, Rng } from '../../sim/kernel/index.js';
import type { EventBus } from '../../sim/events/events.js';
import { err, ok, type Err, type Result } from '../uapi/errno.js';
import type { HostMemory } from '../shared/hostMemory.js';
import { VhostIotlb, type DmaAccess } from '../vhost/iotlb.js';
import type { Capabilities, Costs, Profile } from '../profiles/profile.js';
import { Status, featureBit, type VirtioFeatureName } from '../uapi/uapi.js';

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

/** A DMA the device could not translate (what a device MMU records for MMU_ERR_GET). */
export interface DmaFault {
  vq: number;
  asid: number;
  iova: number;
  len: number;
  access: DmaAccess;
  /** No mapping, or a mapping without the access's permission. */
  kind: 'miss' | 'perm';
}

/** What a device needs from the run. */
export interface DeviceEnv {
  kernel: Kernel;
  bus: EventBus;
  hostMemory: HostMemory;
  /** The device's random stream (cost jitter); without one every cost is exact. */
  rng?: Rng;
  /** Injected faults of the run (none when absent). */
  faults?: FaultPlan;
}

function freshVq(): VirtqueueState {
  return { num: 0, desc: 0, driver: 0, device: 0, ready: false, lastAvailIdx: 0, lastUsedIdx: 0, availWrap: true, usedWrap: true };
}

/**
 * Virtio-net features every profile offers; the capability-dependent ones are added in
 * deviceFeatures. No RING_F_INDIRECT_DESC: neither vdpa_sim (VDPASIM_FEATURES) nor mlx5
 * (get_supported_features) offers it, and QEMU's SVQ refuses it (vhost_svq_valid_features).
 */
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
  'RING_F_EVENT_IDX',
];

export class DeviceCore {
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
  private statusByte = 0;
  /** Features accepted from the driver. */
  private features = 0n;
  /** RING_PACKED is among `features` (asked at every ring access, so kept apart from the bigint). */
  private packedRing = false;
  /** Per-vq state. */
  private readonly vqState: VirtqueueState[];
  /** ASID each group is bound to. */
  private readonly asidOfGroup: number[];
  /** Device-side map of each ASID. */
  private readonly asMaps: AddressSpace[];
  /** Suspended (vqs stopped with their state kept) since the last suspend, until resume or reset. */
  private isSuspended = false;
  /** Per-vq ASID bindings of a device MMU (seed 004's MMU_ASID_SET), null per vq when its group decides. */
  private readonly asidOfVq: (number | null)[];
  /** Told of every DMA translation failure (a device MMU records it for MMU_ERR_GET); null: nobody. */
  private faultListener: ((f: DmaFault) => void) | null = null;
  /** Told of every device write that translated (dirty-page tracking of a migration without SVQ); null: nobody. */
  private writeLogger: ((vq: number, iova: number, len: number) => void) | null = null;

  constructor(env: DeviceEnv, profile: Profile, name: string, queuePairs: number) {
    this.name = name;
    this.profile = profile;
    this.caps = profile.capabilities;
    this.costs = profile.costs;
    this.kernel = env.kernel;
    this.bus = env.bus;
    this.hostMemory = env.hostMemory;
    this.rng = env.rng ?? null;
    this.faults = env.faults ?? NO_FAULTS;
    this.queuePairs = queuePairs;
    this.nvqs = 2 * queuePairs + 1;
    this.cvqIndex = 2 * queuePairs;
    this.vqState = Array.from({ length: this.nvqs }, freshVq);
    this.asidOfGroup = new Array<number>(this.caps.ngroups).fill(0);
    this.asidOfVq = new Array<number | null>(this.nvqs).fill(null);
    this.asMaps = Array.from({ length: this.caps.nas }, () => this.initialSpace());
    // A parent behind the platform IOMMU translates through the domain vhost-vdpa attaches it
    // to (vhost_vdpa_alloc_domain); the domain outlives resets.
    this.iommuDomain = this.caps.mapModel === 'platformIommu' ? new VhostIotlb(null) : null;
    if (this.iommuDomain !== null) this.asMaps[0] = { identity: false, iotlb: this.iommuDomain };
  }

  /** Injected faults of the run: the device asks at its fault points. */
  readonly faults: FaultPlan;

  /** The platform IOMMU domain the device's DMA goes through (platformIommu parents), else null. */
  readonly iommuDomain: VhostIotlb | null;

  // ---- state, read-only outside this file ----

  /** Virtio status byte. */
  get status(): number {
    return this.statusByte;
  }
  /** Features accepted from the driver. */
  get driverFeatures(): bigint {
    return this.features;
  }
  /** Per-vq state. */
  get vqs(): readonly Readonly<VirtqueueState>[] {
    return this.vqState;
  }
  /** ASID each group is bound to. */
  get groupAsid(): readonly number[] {
    return this.asidOfGroup;
  }
  /** Device-side map of each ASID. */
  get spaces(): readonly AddressSpace[] {
    return this.asMaps;
  }
  /** Suspended (vqs stopped with their state kept) since the last suspend, until resume or reset. */
  get suspended(): boolean {
    return this.isSuspended;
  }

  // ---- mutators, for the ops and the vq worker ----

  /** Writes the status byte; DEVICE_NEEDS_RESET, once set, stays until reset. */
  writeStatus(status: number): void {
    this.statusByte = status | (this.statusByte & Status.DEVICE_NEEDS_RESET);
  }
  /** A device error: DEVICE_NEEDS_RESET is set (the device stops). */
  markNeedsReset(): void {
    this.statusByte |= Status.DEVICE_NEEDS_RESET;
  }
  /** Records the driver's accepted features. */
  acceptFeatures(features: bigint): void {
    this.features = features;
    this.packedRing = (features & featureBit('RING_PACKED')) !== 0n;
  }
  /** Sets the three ring area IOVAs of a vq. */
  setVqAddr(vq: number, desc: number, driver: number, device: number): void {
    const q = this.vqState[vq]!;
    q.desc = desc;
    q.driver = driver;
    q.device = device;
  }
  /** Sets a vq's ring size. */
  setVqNum(vq: number, num: number): void {
    this.vqState[vq]!.num = num;
  }
  /** Enables or disables a vq. */
  setVqReady(vq: number, ready: boolean): void {
    this.vqState[vq]!.ready = ready;
  }
  /** Sets a vq's indices: where the device reads avail and writes used next (wrap counters: packed rings; undefined keeps them). */
  setVqIndices(vq: number, lastAvailIdx: number, lastUsedIdx: number, availWrap?: boolean, usedWrap?: boolean): void {
    const q = this.vqState[vq]!;
    q.lastAvailIdx = lastAvailIdx;
    q.lastUsedIdx = lastUsedIdx;
    if (availWrap !== undefined) q.availWrap = availWrap;
    if (usedWrap !== undefined) q.usedWrap = usedWrap;
  }
  /** Binds a group to an ASID. */
  bindGroup(group: number, asid: number): void {
    this.asidOfGroup[group] = asid;
  }
  /** Binds one vq (ring areas and buffers) to an ASID, whatever its group (a device MMU's per-vq ASID). */
  bindVqAsid(vq: number, asid: number): void {
    this.asidOfVq[vq] = asid;
  }
  /** Sets status bits besides DEVICE_NEEDS_RESET that stay until reset (DEVICE_MMU_FAIL). */
  markStatus(bits: number): void {
    this.statusByte |= bits;
  }
  /** Installs the listener told of translation failures (null removes it). */
  setFaultListener(fn: ((f: DmaFault) => void) | null): void {
    this.faultListener = fn;
  }
  /** Installs the logger told of device writes (null removes it). */
  setWriteLogger(fn: ((vq: number, iova: number, len: number) => void) | null): void {
    this.writeLogger = fn;
  }
  /** Replaces the device-side map of one ASID. */
  setSpace(asid: number, space: AddressSpace): void {
    this.asMaps[asid] = space;
  }
  /** Marks the vqs stopped (state kept) or running again. */
  setSuspended(suspended: boolean): void {
    this.isSuspended = suspended;
  }

  /** A cost as this run draws it: `ns` varied by the profile's jitter, an integer >= 0. */
  jittered(ns: number): number {
    const cv = this.costs.jitter ?? 0;
    if (this.rng === null || cv === 0 || ns === 0) return ns;
    return Math.max(0, Math.round(this.rng.normal(ns, ns * cv)));
  }

  /** The map an ASID starts with and returns to through reset_map. */
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
    return this.packedRing;
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
    const own = this.asidOfVq[vq];
    if (own !== null && own !== undefined) return own;
    const group = area === 'buffer' ? this.vqGroup(vq) : this.vqDescGroup(vq);
    return this.asidOfGroup[group]!;
  }

  /** Running: DRIVER_OK, not suspended, not needing reset. */
  get running(): boolean {
    return (this.statusByte & Status.DRIVER_OK) !== 0 && (this.statusByte & Status.DEVICE_NEEDS_RESET) === 0 && !this.isSuspended;
  }

  /** True when the data plane may process `vq` now. */
  vqLive(vq: number): boolean {
    return this.running && this.validVq(vq) && this.vqState[vq]!.ready;
  }

  /**
   * The DMA check the data plane calls before touching memory: translates [iova, iova+len) of
   * `area` of `vq` through the right ASID and returns the host address of the first byte. Ring
   * areas use the vq's descriptor group, buffers the vq's group. A miss or a permission
   * violation sets DEVICE_NEEDS_RESET, emits a FaultEvent and returns EFAULT.
   */
  dma(vq: number, area: DmaArea, iova: number, len: number, access: DmaAccess): Result<number> {
    if (!this.validVq(vq)) return err('EINVAL', `no vq ${vq}`);
    const uaddr = this.access(vq, area, iova, len, access);
    return uaddr >= 0 ? ok(uaddr) : this.dmaFault(vq, area, iova, len, access);
  }

  /**
   * dma() without its result object, for the data path's every access: the host address, or -1
   * (an invalid vq, or a fault raised as dma() raises it).
   */
  dmaAddr(vq: number, area: DmaArea, iova: number, len: number, access: DmaAccess): number {
    if (!this.validVq(vq)) return -1;
    const uaddr = this.access(vq, area, iova, len, access);
    if (uaddr < 0) this.dmaFault(vq, area, iova, len, access);
    return uaddr;
  }

  /** The host address of a DMA through the vq's ASID (a write logged), or -1 when its IOTLB refuses it. */
  private access(vq: number, area: DmaArea, iova: number, len: number, access: DmaAccess): number {
    const space = this.asMaps[this.asidFor(vq, area)]!;
    const uaddr = space.identity ? iova : space.iotlb.translateAddr(iova, len, access);
    if (uaddr >= 0 && access === 'write' && this.writeLogger !== null) this.writeLogger(vq, iova, len);
    return uaddr;
  }

  /** A DMA the IOTLB refused (access() just returned -1): DEVICE_NEEDS_RESET, the listener, a FaultEvent; EFAULT. */
  private dmaFault(vq: number, area: DmaArea, iova: number, len: number, access: DmaAccess): Err {
    const asid = this.asidFor(vq, area);
    const t = this.asMaps[asid]!.iotlb.translate(iova, len, access);
    const kind = t.ok ? 'miss' : t.kind;
    const at = t.ok ? iova : t.iova;
    const reason = `${kind === 'miss' ? 'IOTLB miss' : 'permission violation'} on ${area} of vq ${vq} (${access} ${len} B at IOVA ${iova})`;
    this.markNeedsReset();
    this.faultListener?.({ vq, asid, iova, len, access, kind });
    this.bus.emit({ kind: 'fault', t: this.kernel.now, device: this.name, vq, asid, iova: at, access, reason });
    return err('EFAULT', reason);
  }

  /** Clears the virtio state a reset clears: status, features, vqs, group bindings, suspension. */
  resetState(): void {
    this.statusByte = 0;
    this.features = 0n;
    this.packedRing = false;
    for (let i = 0; i < this.nvqs; i++) this.vqState[i] = freshVq();
    this.asidOfGroup.fill(0);
    this.asidOfVq.fill(null);
    this.isSuspended = false;
  }
}

/** What observers (the testbed's checks, tests) may read of a device core: its state, never its mutators. */
export type DeviceView = Pick<
  DeviceCore,
  'name' | 'profile' | 'queuePairs' | 'nvqs' | 'cvqIndex' | 'status' | 'driverFeatures' | 'vqs' | 'groupAsid' | 'spaces' | 'suspended' | 'running' | 'asidFor'
>;
