// vhostVdpa.ts — the host kernel's vhost-vdpa driver (drivers/vhost/vdpa.c) over a vDPA device,
// reached only through its vdpa_config_ops: one open /dev/vhost-vdpa-N implementing VhostVdpaFd
// with the kernel's rules and errno, the
// vhost-side IOTLB of every ASID (what is mapped and pinned), IOTLB batching, and the choice
// between whole-map set_map and per-range dma_map. Every call takes at least ioctlNs, is
// serialised by the device mutex, and reports a MessageEvent when it completes. Its own waits
// (mutex, ioctlNs, IOTLB entries, pinning, iommu_map) take Kernel.advanceIfNext when their event
// would be the next to fire: the same clock and order, without resuming the caller's stack.

import { Resource, type Kernel, type Proc } from '../../sim/kernel/index.js';
import type { EventBus } from '../../sim/events/events.js';
import type { VdpaConfigOps, VdpaDevice } from '../core/configOps.js';
import type { HostMemory } from '../shared/hostMemory.js';
import { OK, err, ok, type Err, type ErrnoName, type Result } from '../uapi/errno.js';
import { VhostIotlb, type EntrySplit, type IotlbRange } from './iotlb.js';
import { PAGE_SIZE, pageSpan } from '../shared/pinSet.js';
import type { PinShape } from '../shared/hostMemory.js';
import { defaultHostCosts, type HostCosts } from './hostCosts.js';
import { NO_FAULTS, type FaultPlan } from '../shared/faultPlan.js';
import { dmaMapNs } from '../profiles/dmaMap.js';
import {
  BackendFeature,
  Status,
  backendBit,
  type AccessMode,
  type IotlbMsg,
  type MessageType,
  type VhostVdpaFd,
  type VringAddr,
  type VringBase,
} from '../uapi/uapi.js';

/** Fields a MessageEvent may carry besides its type. */
interface MsgInfo {
  asid: number | undefined;
  iova: number | undefined;
  size: number | undefined;
  index: number | undefined;
  value: number | undefined;
}

/**
 * A message's fields, every one present (absent ones undefined): one object shape for all
 * messages, so `call` reads them at one cost whatever the ioctl.
 */
function msgInfo(asid?: number, iova?: number, size?: number, index?: number, value?: number): MsgInfo {
  return { asid, iova, size, index, value };
}

/** A message with no fields of its own. */
const NO_INFO: MsgInfo = Object.freeze(msgInfo());

/** A vring ioctl's fields: its index, and the value written where it has one. */
function vqInfo(index: number, value?: number): MsgInfo {
  return msgInfo(undefined, undefined, undefined, index, value);
}

/** What the driver needs of the host: the clock, the event stream, and the opening process's memory (current->mm). */
export interface VhostEnv {
  kernel: Kernel;
  bus: EventBus;
  /** The VMM process's address space: what UPDATEs pin and map. */
  hostMemory: HostMemory;
  /** The host kernel's own costs (pinning, IOTLB entries, the memlock limit); default: defaultHostCosts. */
  hostCosts?: HostCosts;
  /** Injected faults of the run (none when absent). */
  faults?: FaultPlan;
}

/** The IOVA range a device accepts (VHOST_VDPA_GET_IOVA_RANGE), inclusive. */
export interface IovaRange {
  readonly first: number;
  readonly last: number;
}

/** Every VHOST_BACKEND_F_* bit the driver knows (the kernel's accepted mask). */
const KNOWN_BACKEND_BITS = Object.values(BackendFeature).reduce((m, b) => m | (1 << b), 0);

/**
 * vhost_chr_write_iter: any failure of the IOTLB message handler makes write() fail with EFAULT;
 * the handler's own errno does not reach user space (it stays in the reason here).
 */
function handlerFault(e: Err): Err {
  return err('EFAULT', `IOTLB message handler: ${e.errno}: ${e.reason}`);
}

export class VhostVdpa implements VhostVdpaFd {
  /** Device name, for events. */
  readonly name: string;
  /** The vDPA device behind this fd. */
  private readonly device: VdpaDevice;
  /** Simulation kernel. */
  private readonly kernel: Kernel;
  /** Event stream. */
  private readonly bus: EventBus;
  /** The opening process's memory. */
  private readonly mm: HostMemory;
  /** Injected faults of the run. */
  private readonly faults: FaultPlan;
  /** The parent driver's ops. */
  private readonly ops: VdpaConfigOps;
  /** Backend features acked by SET_BACKEND_FEATURES. */
  backendFeatures = 0;
  /** vhost-side IOTLB per ASID: what userspace mapped (and vhost-vdpa pinned). */
  readonly as: VhostIotlb[];
  /** ASIDs whose IOTLB exists (vhost_vdpa_find_alloc_as at the first UPDATE or BATCH_BEGIN). */
  private readonly allocated: boolean[];
  /** Between BATCH_BEGIN and BATCH_END. */
  inBatch = false;
  /** ASID of the open batch. */
  batchAsid = 0;
  /** The vhost device mutex: one ioctl at a time. */
  private readonly mutex: Resource;
  /** Host kernel costs. */
  private readonly hostCosts: HostCosts;
  /** The IOVA range UPDATEs must fall in (the parent's get_iova_range, else the whole space). */
  readonly iovaRange: IovaRange;

  constructor(env: VhostEnv, device: VdpaDevice) {
    this.name = device.name;
    this.device = device;
    this.kernel = env.kernel;
    this.bus = env.bus;
    this.mm = env.hostMemory;
    this.ops = device.ops;
    this.as = Array.from({ length: this.ops.nas }, () => new VhostIotlb(null));
    this.allocated = new Array<boolean>(this.ops.nas).fill(false);
    this.mutex = new Resource(env.kernel, 1);
    this.hostCosts = env.hostCosts ?? defaultHostCosts;
    this.faults = env.faults ?? NO_FAULTS;
    // vhost_vdpa_set_iova_range: the parent's range, or [0, ULLONG_MAX] (here: the largest exact integer).
    this.iovaRange = this.ops.getIovaRange?.() ?? { first: 0, last: Number.MAX_SAFE_INTEGER };
  }

  // --- capability helpers (vhost_vdpa_can_suspend, _has_desc_group, _has_persistent_map) ---

  /** True when the backend feature was acked. */
  has(name: keyof typeof BackendFeature): boolean {
    return (this.backendFeatures & backendBit(name)) !== 0;
  }

  /**
   * vhost_vdpa_has_persistent_map: a parent that maps nothing itself (no set_map, no dma_map: the
   * platform IOMMU keeps the maps), one with reset_map, or one declaring IOTLB_PERSIST.
   */
  get persistentMap(): boolean {
    const ops = this.ops;
    return (!ops.setMap && !ops.dmaMap) || ops.resetMap !== undefined || ((ops.getBackendFeatures?.() ?? 0) & backendBit('IOTLB_PERSIST')) !== 0;
  }

  /** Backend features offered by GET_BACKEND_FEATURES. */
  offeredBackendFeatures(): number {
    // IOTLB_ASID is offered whatever nas is (the kernel checks each ASID against nas instead).
    let f = backendBit('IOTLB_MSG_V2') | backendBit('IOTLB_BATCH') | backendBit('IOTLB_ASID') | backendBit('ENABLE_AFTER_DRIVER_OK');
    if (this.ops.suspend) f |= backendBit('SUSPEND');
    if (this.ops.resume) f |= backendBit('RESUME');
    if (this.ops.getVqDescGroup) f |= backendBit('DESC_ASID');
    if (this.persistentMap) f |= backendBit('IOTLB_PERSIST');
    // Proposal: a parent that takes page faults lets userspace leave guest memory unpinned.
    if (this.ops.enablePageFaults) f |= backendBit('IOPF');
    return f;
  }

  /**
   * Runs one call: mutex, ioctlNs, body, MessageEvent with duration and errno; `onError` (if
   * any) turns the body's error into the one the caller sees. The body returns
   * its result, or the generator of the parent op it ends with (delegated to, one level
   * fewer than a wrapping generator). The mutex grant and the ioctlNs wait take the kernel's
   * fast path (Resource.acquireNow, Kernel.advanceIfNext) when their event would be the next to
   * fire: the same clock, state and event order as yielding, without a resume of every
   * generator up the VMM's stack.
   */
  private call<T>(type: MessageType, info: MsgInfo, body: () => Proc<Result<T>> | Result<T>, onError: ((e: Err) => Err) | null = null): Proc<Result<T>> {
    return this.ioctl(type, info, body, false, onError);
  }

  /** `call` for a body that never waits (it returns its Result, never a parent op's generator). */
  private callNow<T>(type: MessageType, info: MsgInfo, body: () => Result<T>): Proc<Result<T>> {
    return this.ioctl(type, info, body, true, null);
  }

  /** The call itself; `sync` says the body returns its Result (no generator to tell apart from it). */
  private *ioctl<T>(type: MessageType, info: MsgInfo, body: () => Proc<Result<T>> | Result<T>, sync: boolean, onError: ((e: Err) => Err) | null): Proc<Result<T>> {
    const k = this.kernel;
    if (!this.mutex.acquireNow()) yield this.mutex.acquire();
    const t0 = k.now;
    let r: Result<T>;
    try {
      const ioctlNs = this.device.costs.ioctlNs;
      if (!k.advanceIfNext(ioctlNs)) yield ioctlNs;
      const b = body();
      r = sync ? (b as Result<T>) : 'ok' in b ? b : yield* b;
    } finally {
      this.mutex.release();
    }
    if (onError !== null && !r.ok) r = onError(r);
    this.report(type, info, t0, r);
    return r;
  }

  /** The MessageEvent of a call that began at t0 and ends now with `r`. */
  private report(type: MessageType, info: MsgInfo, t0: number, r: Result<unknown>): void {
    const now = this.kernel.now;
    // One object shape for every message (absent fields undefined): no spread copies per call.
    this.bus.emit({
      kind: 'msg',
      t: now,
      dur: now - t0,
      device: this.name,
      type,
      asid: info.asid,
      iova: info.iova,
      size: info.size,
      index: info.index,
      value: info.value,
      errno: r.ok ? undefined : r.errno,
    });
  }

  /** vhost_vdpa_vring_ioctl rejects an index >= nvqs with ENOBUFS. */
  private vqCheck(vq: number): Err | null {
    return Number.isInteger(vq) && vq >= 0 && vq < this.ops.nvqs ? null : err('ENOBUFS', `vq ${vq} >= nvqs ${this.ops.nvqs}`);
  }

  getFeatures(): Proc<Result<bigint>> {
    return this.callNow('GET_FEATURES', NO_INFO, () => {
      return ok(this.ops.getDeviceFeatures());
    });
  }

  setFeatures(features: bigint): Proc<Result> {
    return this.call('SET_FEATURES', NO_INFO, () => {
      // Features cannot change once negotiated (vhost_vdpa_set_features: EBUSY).
      if ((this.ops.getStatus() & Status.FEATURES_OK) !== 0) return err('EBUSY', 'features already negotiated (FEATURES_OK)');
      return this.ops.setDriverFeatures(features);
    });
  }

  getBackendFeatures(): Proc<Result<number>> {
    return this.callNow('GET_BACKEND_FEATURES', NO_INFO, () => {
      return ok(this.offeredBackendFeatures());
    });
  }

  /**
   * VHOST_SET_BACKEND_FEATURES, checked in the kernel's order: bits the driver does not know
   * EOPNOTSUPP; SUSPEND/RESUME on a device without the op EOPNOTSUPP; DESC_ASID without
   * IOTLB_ASID EINVAL; DESC_ASID on a device
   * without get_vq_desc_group EOPNOTSUPP; IOTLB_PERSIST without persistent maps EOPNOTSUPP.
   */
  setBackendFeatures(features: number): Proc<Result> {
    return this.call('SET_BACKEND_FEATURES', NO_INFO, () => {
      const bit = (n: keyof typeof BackendFeature): boolean => (features & backendBit(n)) !== 0;
      if ((features & ~KNOWN_BACKEND_BITS) !== 0) return err('EOPNOTSUPP', `unknown backend feature bits 0x${(features & ~KNOWN_BACKEND_BITS).toString(16)}`);
      if (bit('SUSPEND') && !this.ops.suspend) return err('EOPNOTSUPP', 'device cannot suspend');
      if (bit('RESUME') && !this.ops.resume) return err('EOPNOTSUPP', 'device cannot resume');
      if (bit('DESC_ASID') && !bit('IOTLB_ASID')) return err('EINVAL', 'DESC_ASID requires IOTLB_ASID');
      if (bit('DESC_ASID') && !this.ops.getVqDescGroup) return err('EOPNOTSUPP', 'device has no descriptor group');
      if (bit('IOTLB_PERSIST') && !this.persistentMap) return err('EOPNOTSUPP', 'device cannot keep maps across reset');
      if (bit('IOPF')) return this.enableIopf(features);
      this.backendFeatures = features;
      return OK;
    });
  }

  /**
   * The proposed IOPF bit: EOPNOTSUPP for a parent that cannot take page faults (as
   * vhost_vdpa_unlocked_ioctl's VHOST_SET_BACKEND_FEATURES refuses SUSPEND without
   * vhost_vdpa_can_suspend); else the parent's page-fault path is enabled and from now on
   * UPDATEs map without pinning (as vhost_vdpa_va_map does).
   */
  private *enableIopf(features: number): Proc<Result> {
    if (!this.ops.enablePageFaults) return err('EOPNOTSUPP', 'device cannot take page faults');
    const r = yield* this.ops.enablePageFaults();
    if (!r.ok) return r;
    this.backendFeatures = features;
    return OK;
  }

  /** Guest memory is mapped without pinning: a use_va parent, or the proposed IOPF negotiated. */
  private get unpinned(): boolean {
    return this.device.useVa || this.has('IOPF');
  }

  getVqsCount(): Proc<Result<number>> {
    return this.callNow('GET_VQS_COUNT', NO_INFO, () => {
      return ok(this.ops.nvqs);
    });
  }

  getGroupNum(): Proc<Result<number>> {
    return this.callNow('GET_GROUP_NUM', NO_INFO, () => {
      return ok(this.ops.ngroups);
    });
  }

  getIovaRange(): Proc<Result<IovaRange>> {
    return this.callNow('GET_IOVA_RANGE', NO_INFO, () => {
      return ok(this.iovaRange);
    });
  }

  getAsNum(): Proc<Result<number>> {
    return this.callNow('GET_AS_NUM', NO_INFO, () => {
      return ok(this.ops.nas);
    });
  }

  getVringGroup(vq: number): Proc<Result<number>> {
    return this.callNow('GET_VRING_GROUP', vqInfo(vq), () => {
      const bad = this.vqCheck(vq);
      if (bad) return bad;
      const g = this.ops.getVqGroup(vq);
      return g >= this.ops.ngroups ? err('EIO', `group ${g} >= ngroups ${this.ops.ngroups}`) : ok(g);
    });
  }

  getVringDescGroup(vq: number): Proc<Result<number>> {
    return this.callNow('GET_VRING_DESC_GROUP', vqInfo(vq), () => {
      const bad = this.vqCheck(vq);
      if (bad) return bad;
      if (!this.ops.getVqDescGroup) return err('EOPNOTSUPP', 'device has no descriptor group (get_vq_desc_group)');
      const g = this.ops.getVqDescGroup(vq);
      return g >= this.ops.ngroups ? err('EIO', `descriptor group ${g} >= ngroups ${this.ops.ngroups}`) : ok(g);
    });
  }

  /** VHOST_VDPA_SET_GROUP_ASID: ENOBUFS for a group >= nvqs (the vring prelude), EINVAL for an ASID >= nas, then the parent's answer. */
  setGroupAsid(group: number, asid: number): Proc<Result> {
    return this.call('SET_GROUP_ASID', msgInfo(asid, undefined, undefined, group), () => {
      // A vring ioctl: the group number goes through the vring index check (against nvqs) first.
      const bad = this.vqCheck(group);
      if (bad) return bad;
      if (!Number.isInteger(asid) || asid < 0 || asid >= this.ops.nas) return err('EINVAL', `asid ${asid} >= nas ${this.ops.nas}`);
      return this.ops.setGroupAsid(group, asid);
    });
  }

  getStatus(): Proc<Result<number>> {
    return this.callNow('GET_STATUS', NO_INFO, () => {
      return ok(this.ops.getStatus());
    });
  }

  /** Status 0 resets; clearing any bit otherwise is EINVAL (vhost_vdpa_set_status). */
  setStatus(status: number): Proc<Result> {
    return this.call('SET_STATUS', msgInfo(undefined, undefined, undefined, undefined, status), () => {
      if (status === 0) return this.reset();
      const old = this.ops.getStatus() & ~Status.DEVICE_NEEDS_RESET;
      if ((old & ~status) !== 0) return err('EINVAL', `status 0x${status.toString(16)} clears bits of 0x${old.toString(16)} without a reset`);
      return this.ops.setStatus(status);
    });
  }

  /**
   * Reset (_compat_vdpa_reset): closes any batch and resets the device, with CLEAN_MAP unless
   * IOTLB_PERSIST was acked, so the device drops its maps (an on-chip IOMMU returns to its initial
   * map). The vhost-side IOTLB and its pins stay: they go with INVALIDATE (or close), and the next
   * set_map of an ASID hands the device the whole vhost-side map again.
   */
  private reset(): Proc<Result> {
    this.inBatch = false;
    const persist = this.has('IOTLB_PERSIST');
    return this.ops.reset({ cleanMap: !persist });
  }

  setVringNum(vq: number, num: number): Proc<Result> {
    return this.call('SET_VRING_NUM', vqInfo(vq, num), () => {
      return this.vqCheck(vq) ?? this.ops.setVqNum(vq, num);
    });
  }

  setVringAddr(vq: number, addr: VringAddr): Proc<Result> {
    return this.call('SET_VRING_ADDR', vqInfo(vq), () => {
      return this.vqCheck(vq) ?? this.ops.setVqAddress(vq, addr);
    });
  }

  setVringBase(vq: number, base: VringBase): Proc<Result> {
    return this.call('SET_VRING_BASE', vqInfo(vq, base.lastAvailIdx), () => {
      return this.vqCheck(vq) ?? this.ops.setVqState(vq, base);
    });
  }

  getVringBase(vq: number): Proc<Result<VringBase>> {
    return this.callNow('GET_VRING_BASE', vqInfo(vq), () => {
      return this.vqCheck(vq) ?? this.ops.getVqState(vq);
    });
  }

  setVringKick(vq: number, _fd: number): Proc<Result> {
    return this.callNow('SET_VRING_KICK', vqInfo(vq), () => {
      return this.vqCheck(vq) ?? OK;
    });
  }

  setVringCall(vq: number, _fd: number): Proc<Result> {
    return this.callNow('SET_VRING_CALL', vqInfo(vq), () => {
      return this.vqCheck(vq) ?? OK;
    });
  }

  setVringEnable(vq: number, enable: boolean): Proc<Result> {
    return this.call('SET_VRING_ENABLE', vqInfo(vq, enable ? 1 : 0), () => {
      return this.vqCheck(vq) ?? this.ops.setVqReady(vq, enable);
    });
  }

  /** VHOST_VDPA_SUSPEND: nothing to do before DRIVER_OK; EOPNOTSUPP without the op. */
  suspend(): Proc<Result> {
    return this.call('SUSPEND', NO_INFO, () => {
      // vhost_vdpa_suspend: nothing to do before DRIVER_OK; EOPNOTSUPP without the op.
      if ((this.ops.getStatus() & Status.DRIVER_OK) === 0) return OK;
      if (!this.ops.suspend) return err('EOPNOTSUPP', 'device cannot suspend');
      return this.ops.suspend();
    });
  }

  /** vhost_vdpa_resume: nothing to do before DRIVER_OK; EOPNOTSUPP without the op. */
  resume(): Proc<Result> {
    return this.call('RESUME', NO_INFO, () => {
      if ((this.ops.getStatus() & Status.DRIVER_OK) === 0) return OK;
      if (!this.ops.resume) return err('EOPNOTSUPP', 'device cannot resume');
      return this.ops.resume();
    });
  }

  /** vhost_vdpa's kick handler (handle_vq_kick): the eventfd write reaches the parent's kick_vq. */
  kick(vq: number): void {
    this.ops.kickVq(vq);
  }

  /** The call eventfd (vhost_vdpa_setup_vq_irq): the parent's vq callback signals it. */
  onCall(vq: number, handler: ((vq: number) => void) | null): void {
    this.ops.setVqCb(vq, handler);
  }

  /**
   * write() of a struct vhost_msg_v2 (vhost_chr_write_iter): without IOTLB_ASID acked the asid
   * field is padding and the message goes to ASID 0; an UPDATE or INVALIDATE of size 0 is EINVAL;
   * any failure of the message handler makes write() fail with EFAULT — the handler's own errno
   * does not reach user space (it stays in the reason here).
   */
  iotlbMsg(msg: IotlbMsg): Proc<Result> {
    const type: MessageType =
      msg.type === 'update' ? 'IOTLB_UPDATE' : msg.type === 'invalidate' ? 'IOTLB_INVALIDATE' : msg.type === 'batchBegin' ? 'IOTLB_BATCH_BEGIN' : 'IOTLB_BATCH_END';
    const info = msg.type === 'update' || msg.type === 'invalidate' ? msgInfo(msg.asid, msg.iova, msg.size) : msgInfo(msg.asid);
    if ((msg.type === 'update' || msg.type === 'invalidate') && !(msg.size > 0)) return this.call(type, info, () => err('EINVAL', `${type} of size 0`));
    return this.call(
      type,
      info,
      () => {
        const asid = this.has('IOTLB_ASID') ? msg.asid : 0;
        return this.processIotlbMsg(asid === msg.asid ? msg : { ...msg, asid });
      },
      handlerFault,
    );
  }

  /**
   * vhost_vdpa_process_iotlb_msg: UPDATE and BATCH_BEGIN find or allocate the ASID's IOTLB
   * (vhost_vdpa_find_alloc_as: EINVAL for an ASID >= nas); any other message needs an IOTLB
   * allocated before (EINVAL); a message for another ASID inside a batch is EINVAL. A message
   * with nothing to wait for returns its result; the others return the generator that does it.
   */
  private processIotlbMsg(msg: IotlbMsg): Proc<Result> | Result {
    const asid = msg.asid;
    if (msg.type === 'update' || msg.type === 'batchBegin') {
      if (!Number.isInteger(asid) || asid < 0 || asid >= this.as.length) return err('EINVAL', `can't find and alloc ASID ${asid} (nas ${this.as.length})`);
      this.allocated[asid] = true;
    } else if (!Number.isInteger(asid) || asid < 0 || asid >= this.as.length || this.allocated[asid] !== true) {
      return err('EINVAL', `no IOTLB for ASID ${asid}`);
    }
    if (this.inBatch && this.batchAsid !== asid) return err('EINVAL', `message for ASID ${asid} inside a batch for ASID ${this.batchAsid}`);
    switch (msg.type) {
      case 'update':
        return this.update(asid, msg.iova, msg.size, msg.uaddr, msg.perm);
      case 'invalidate':
        return this.unmap(asid, msg.iova, msg.size);
      case 'batchBegin':
        this.batchAsid = asid;
        this.inBatch = true;
        return OK;
      case 'batchEnd':
        if (this.inBatch && this.ops.setMap) return this.batchEnd(asid);
        this.inBatch = false;
        return OK;
    }
  }

  /** BATCH_END of an open batch on a set_map parent: one rebuild of the ASID's whole map, then the batch is closed. */
  private *batchEnd(asid: number): Proc<Result> {
    // The kernel ignores set_map's return value here: a failed rebuild leaves the device's map as the device left it.
    if (this.ops.setMap) yield* this.ops.setMap(asid, this.as[asid]!);
    this.inBatch = false;
    return OK;
  }

  /**
   * IOTLB UPDATE (vhost_vdpa_process_iotlb_update): EINVAL outside the device's IOVA range,
   * EEXIST on overlap; then vhost_vdpa_va_map for a use_va parent (one entry per VMA, nothing
   * pinned) or vhost_vdpa_pa_map (pin, one entry per physically contiguous run).
   */
  private *update(asid: number, iova: number, size: number, uaddr: number, perm: AccessMode): Proc<Result> {
    const iotlb = this.as[asid]!;
    const range = this.iovaRange;
    if (iova < range.first || iova + size - 1 > range.last) {
      return err('EINVAL', `IOVA range [${iova}, ${iova + size}) outside the device's [${range.first}, ${range.last}]`);
    }
    if (iotlb.intersects(iova, size)) return err('EEXIST', `IOVA range [${iova}, ${iova + size}) already mapped in ASID ${asid}`);
    const injected = this.faults.hit('iotlbUpdate', this.name);
    if (injected !== null) return err(injected as ErrnoName, `injected fault: UPDATE [${iova}, ${iova + size}) in ASID ${asid}`);
    if (!this.mm.covers(uaddr, size)) return err('EFAULT', `UPDATE of unmapped memory [${uaddr}, ${uaddr + size})`);
    const shape = this.mm.pinShape(uaddr, size);
    const va = this.unpinned;
    const split: EntrySplit = va ? { entries: shape.vmaPieces, entryGcd: shape.pieceGcd } : { entries: shape.runs, entryGcd: shape.runGcd };
    if (!va) {
      const pinned = yield* this.pin(uaddr, size, shape);
      if (!pinned.ok) return pinned;
    }
    const added = iotlb.add(iova, size, uaddr, perm, split);
    if (!added.ok) {
      if (!va) yield* this.unpinRanges([{ start: iova, size, value: { uaddr, perm, ...split } }]);
      return added;
    }
    const addNs = Math.round(split.entries * this.hostCosts.iotlbEntryAddNs);
    if (!this.kernel.advanceIfNext(addNs)) yield addNs;
    let r: Result = OK;
    if (this.ops.dmaMap) r = yield* this.ops.dmaMap(asid, iova, size, uaddr, perm, split);
    else if (this.ops.setMap) {
      if (!this.inBatch) r = yield* this.ops.setMap(asid, iotlb);
    } else if (this.device.iommuDomain !== null) r = yield* this.iommuMap(iova, size, uaddr, perm, split);
    if (!r.ok) yield* this.unmap(asid, iova, size);
    return r;
  }

  /**
   * Removes every vhost-side range intersecting [iova, iova+size) (vhost_vdpa_iotlb_unmap: per
   * entry, pa mode unpins it, the parent's dma_unmap, vhost_iotlb_map_free), then a set_map
   * outside a batch. Always OK (an INVALIDATE of nothing mapped is not an error).
   */
  private *unmap(asid: number, iova: number, size: number): Proc<Result> {
    const gone = this.as[asid]!.del(iova, size);
    if (!this.unpinned) yield* this.unpinRanges(gone);
    else if (this.has('IOPF') && gone.length > 0) this.invalidationReached(gone);
    let entries = 0;
    for (const r of gone) entries += r.value.entries;
    const delNs = Math.round(entries * this.hostCosts.iotlbEntryDelNs);
    if (entries > 0 && !this.kernel.advanceIfNext(delNs)) yield delNs;
    if (this.ops.dmaUnmap) {
      for (const r of gone) yield* this.ops.dmaUnmap(asid, r.start, r.size);
    } else if (this.ops.setMap) {
      if (!this.inBatch) yield* this.ops.setMap(asid, this.as[asid]!);
    } else if (this.device.iommuDomain !== null && gone.length > 0) {
      yield* this.iommuUnmap(gone);
    }
    return OK;
  }

  /** The device's translations of unmapped ranges are invalidated with them (the parent's unmap, an ATS invalidation). */
  private invalidationReached(gone: readonly IotlbRange[]): void {
    let pages = 0;
    for (const r of gone) pages += Math.ceil(r.size / PAGE_SIZE);
    this.bus.emit({ kind: 'iopfInvalidate', t: this.kernel.now, device: this.name, source: 'unmap', pages, hva: gone[0]!.start });
  }

  /** vhost_vdpa_map for a platform-IOMMU parent: iommu_map per entry (dmaMapPerRangeNs each, dmaMapPerPageNs per page). */
  private *iommuMap(iova: number, size: number, uaddr: number, perm: AccessMode, split: EntrySplit): Proc<Result> {
    const c = this.device.costs;
    const t0 = this.kernel.now;
    const mapNs = this.device.jittered(dmaMapNs(c, split.entries, Math.ceil(size / PAGE_SIZE)));
    if (!this.kernel.advanceIfNext(mapNs)) yield mapNs;
    const r = (this.device.iommuDomain as VhostIotlb).add(iova, size, uaddr, perm, split);
    this.bus.emit({ kind: 'mapWork', t: this.kernel.now, dur: this.kernel.now - t0, device: this.name, asid: 0, what: 'dmaMap', ranges: split.entries });
    return r;
  }

  /** vhost_vdpa_general_unmap for a platform-IOMMU parent: iommu_unmap per entry. */
  private *iommuUnmap(gone: readonly IotlbRange[]): Proc<void> {
    const c = this.device.costs;
    const t0 = this.kernel.now;
    const domain = this.device.iommuDomain as VhostIotlb;
    let entries = 0;
    let pages = 0;
    for (const r of gone) {
      domain.del(r.start, r.size);
      entries += r.value.entries;
      pages += Math.ceil(r.size / PAGE_SIZE);
    }
    const unmapNs = this.device.jittered(dmaMapNs(c, entries, pages));
    if (!this.kernel.advanceIfNext(unmapNs)) yield unmapNs;
    this.bus.emit({ kind: 'mapWork', t: this.kernel.now, dur: this.kernel.now - t0, device: this.name, asid: 0, what: 'dmaUnmap', ranges: entries });
  }

  /**
   * Pins [uaddr, uaddr+size) as vhost_vdpa_pa_map does: RLIMIT_MEMLOCK first (ENOMEM when the
   * process's pinned_vm would pass it), then pin_user_pages in chunks of one page of page
   * pointers, faulting in (and zeroing) folios not resident yet. Every page is pinned by this
   * call even when another device holds a pin on it already; pinned_vm counts each pin.
   */
  private *pin(uaddr: number, size: number, shape: PinShape): Proc<Result> {
    const k = this.kernel;
    const t0 = k.now;
    const mem = this.mm;
    const h = this.hostCosts;
    if (h.memlockLimitBytes !== null && (mem.pinnedVm + shape.pages) * PAGE_SIZE > h.memlockLimitBytes) {
      return err('ENOMEM', `pinning ${shape.pages} pages passes RLIMIT_MEMLOCK (${h.memlockLimitBytes} bytes, ${mem.pinnedVm} pages pinned)`);
    }
    const r = mem.pin(uaddr, size);
    if (!r.ok) return r;
    mem.pinnedVm += shape.pages;
    const pinNs = shape.smallPages * h.pinSmallPerPageNs + shape.largeSubpages * h.pinLargePerSubpageNs;
    const faultNs = shape.coldSmallFolios * h.faultSmallNs + shape.coldLargeFolios * h.faultLargeNs + (shape.coldBytes / h.zeroBytesPerSecond) * 1e9;
    const ns = this.device.jittered(Math.round(pinNs + faultNs));
    if (!k.advanceIfNext(ns)) yield ns;
    if (shape.coldBytes > 0) mem.touch(uaddr, size);
    this.bus.emit({ kind: 'pin', t: k.now, dur: k.now - t0, device: this.name, pages: shape.pages });
    return OK;
  }

  /** Unpins the pages of removed ranges (vhost_vdpa_pa_unmap: page by page, writable pages marked dirty). */
  private *unpinRanges(ranges: IotlbRange[]): Proc<void> {
    const k = this.kernel;
    const t0 = k.now;
    let pages = 0;
    let writable = 0;
    for (const r of ranges) {
      this.mm.unpin(r.value.uaddr, r.size);
      const [first, end] = pageSpan(r.value.uaddr, r.size);
      pages += end - first;
      if ((r.value.perm & 2) !== 0) writable += end - first;
    }
    if (pages > 0) {
      this.mm.pinnedVm -= pages;
      const h = this.hostCosts;
      const ns = this.device.jittered(Math.round(pages * h.unpinPerPageNs + writable * h.setDirtyPerPageNs));
      if (!k.advanceIfNext(ns)) yield ns;
      this.bus.emit({ kind: 'pin', t: k.now, dur: k.now - t0, device: this.name, pages: -pages });
    }
  }

}
