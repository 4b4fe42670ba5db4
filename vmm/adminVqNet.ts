// adminVqNet.ts — QEMU's client of one NIC whose device is a virtual device of an admin-virtqueue
// management device: the transport of seed 004 (every basic facility an admin command) with its
// device MMU, in two migration modes.
//  - `svq`: the VMM shadows the vqs as it does over vhost-vdpa, but through admin commands. The
//    seed has no SUSPEND, so a stop is QEMU's reset-based stop for a device without it
//    (vhost_vdpa_suspend falling back to vhost_vdpa_reset_device; bases recovered from the guest's
//    used index). Guest RAM stays mapped at IOVA = GPA in ASID 0 across resets when the device
//    MMU keeps its maps, and the shadow vrings go to free IOVAs of ASID 0: the descriptor group's
//    effect without a descriptor group. The CVQ is isolated by a per-vq MMU_ASID_SET(cvq, 1),
//    whatever the device's groups.
//  - `deviceParts` (virtio 1.4, as Linux's vfio/virtio migration drives it): no SVQ; migration
//    start only switches dirty tracking on; at switchover DEV_MODE_SET stops the device and
//    DEV_PARTS_GET reads its state through a resource object (virtiovf_pci_save_device_data), and
//    the destination writes it with DEV_PARTS_SET (virtiovf_pci_resume_device_data) before
//    DEV_MODE_SET resumes it.
// The resume point of a passthrough vq needs a vq state command the seed lacks: VQ_STATE_SET/GET
// (svqsim's addition, modelled on vdpa's set_vq_state/get_vq_state).

import type { Kernel, Proc } from '../sim/kernel/index.js';
import type { EventBus } from '../sim/events/events.js';
import { err, ok, OK, type Result } from '../device/uapi/errno.js';
import { Access, Status, type IotlbWriter, type VqNotifier, type VringBase } from '../device/uapi/uapi.js';
import { VIRTIO_ID_NET, type AdminCommand, type AdminValue, type AdminVqFd, type DevParts } from '../device/uapi/adminVq.js';
import { MemoryListener, identityIova, type ListenerSection, type SectionIovaPolicy } from './memoryListener.js';
import { SvqRings } from './svqRings.js';
import type { IovaAllocator } from './iovaAllocator.js';
import type { QemuHeap } from './qemuHeap.js';
import type { NetCtrlState } from './cvqState.js';
import type { CvqChannel, NetClientConfig, NetDataPathHooks } from './vhostVdpaNet.js';
import type { NetClient } from './netClient.js';
import type { DirtyRange } from './dirtyLog.js';
import { AdminMmuChannel } from './adminMmuChannel.js';
import { guestVringAddrOf } from './guestRingSlot.js';

/** The scenario's choices for the admin-vq transport. */
export interface AdminVqOptions {
  /** Which host this client runs on. */
  role: 'src' | 'dst';
  mode: 'svq' | 'deviceParts';
  /** One admin command in flight at a time (else as many as the admin vq holds). */
  serial: boolean;
  /** When the destination creates its virtual device: at its init (during pre-copy) or inside the switchover. */
  createAt: 'init' | 'switchover';
  /** The device MMU keeps its maps across a reset (else the VMM maps guest RAM again after each). */
  keepMapsAtReset: boolean;
}

/** Where each admin-vq migration mode comes from (`svqsim list` and result documents print these). */
export const ADMIN_VQ_SOURCES: Readonly<Record<AdminVqOptions['mode'], string>> = {
  svq: 'proposal: the admin-virtqueue transport with a device MMU (virtio RFC "Introduce admin virtqueue as a new transport", 2021; seed 004), QEMU\'s SVQ over it; the VQ_STATE commands are svqsim\'s addition',
  deviceParts:
    'standard: virtio 1.4 device parts (DEV_MODE_SET, DEV_PARTS_GET/SET) as Linux vfio/virtio drives them (6.13+), with IOMMU dirty tracking (iommufd); device-side dirty tracking is a proposal',
};

/** Where a device-parts migration carries the source's parts to the destination. */
export interface DevPartsStream {
  parts: DevParts | null;
}

/** A writer that sends nothing: what the device already dropped is only forgotten. */
const NO_MESSAGES: IotlbWriter = {
  // eslint-disable-next-line require-yield
  *iotlbMsg(): Proc<Result> {
    return OK;
  },
};

/** The CVQ's ASID when isolated. */
const CVQ_ASID = 1;
const GUEST_ASID = 0;
/** The CVQ isolation probe's reset, and the init's: the status after ACKNOWLEDGE and DRIVER. */
const ACK_DRIVER = Status.ACKNOWLEDGE | Status.DRIVER;

export class AdminVqNet implements NetClient {
  /** Simulation kernel. */
  private readonly kernel: Kernel;
  /** Event stream for phase events. */
  private readonly bus: EventBus;
  /** The management driver's fd. */
  private readonly admin: AdminVqFd;
  /** Static configuration. */
  readonly cfg: NetClientConfig;
  /** The transport's choices. */
  private readonly opts: AdminVqOptions;
  /** The device parts' way to the destination (device-parts mode). */
  private readonly stream: DevPartsStream;
  /** Guest RAM sections. */
  private readonly sections: readonly ListenerSection[];
  /** Maps through the device MMU. */
  private readonly mmu: AdminMmuChannel;
  /** Guest RAM's IOVAs (IOVA = GPA in ASID 0). */
  readonly listener: MemoryListener;
  /** One IOVA allocator per ASID. */
  private readonly iovaSpaces = new Map<number, IovaAllocator>();
  /** Builds an IOVA allocator. */
  private readonly newIovaSpace: () => IovaAllocator;
  /** IOVA = GPA placement of guest RAM. */
  private readonly identity: SectionIovaPolicy;
  /** One SVQ per vq. */
  readonly svqs: SvqRings[] = [];
  /** CVQ buffer host addresses (out, status) and their IOVAs while mapped (-1 otherwise). */
  readonly cvqBufs: { hva: number; iova: number }[] = [];
  /** The virtual device's id (VDEV_CREATE), 0 before it exists. */
  private deviceId = 0;
  /** MMU_ASID_SET(cvq, 1) succeeded at init: the CVQ can be isolated. */
  private cvqIsolated = false;
  /** Whether the CVQ is shadowed in the current start. */
  private cvqShadowed = true;
  /** Whether the data vqs are shadowed in the current start. */
  private svqMode = false;
  /** ASID of the CVQ's buffers and shadow vring in the current start. */
  private cvqAsid = GUEST_ASID;
  /** Saved vring bases from the last stop. */
  vringBases: VringBase[] = [];
  /** Whether the device is started. */
  started = false;
  /** Dirty ranges read at the last stop of a device-parts migration, for the final sync. */
  private finalDirty: DirtyRange[] = [];
  /** Bytes of device parts sent at the switchover. */
  private partsBytes = 0;
  /** Dirty tracking is on (a device-parts migration is under way at this source). */
  private trackingOn = false;
  /** SVQ data path start/stop (attachDataPath). */
  private dataPath: NetDataPathHooks | null = null;
  /** The CVQ channel the state replay sends through. */
  private cvqChannel: CvqChannel | null = null;

  constructor(
    kernel: Kernel,
    bus: EventBus,
    admin: AdminVqFd,
    cfg: NetClientConfig,
    opts: AdminVqOptions,
    stream: DevPartsStream,
    sections: readonly ListenerSection[],
    newIovaSpace: () => IovaAllocator,
    heap: QemuHeap,
  ) {
    this.kernel = kernel;
    this.bus = bus;
    this.admin = admin;
    this.cfg = cfg;
    this.opts = opts;
    this.stream = stream;
    this.sections = sections;
    this.newIovaSpace = newIovaSpace;
    this.mmu = new AdminMmuChannel(admin, opts.serial);
    this.listener = new MemoryListener(this.mmu);
    this.identity = identityIova(this.iovaAt(GUEST_ASID));
    const nvq = 2 * cfg.queuePairs + 1;
    for (let i = 0; i < nvq; i++) this.svqs.push(new SvqRings(i, cfg.svqSizes, heap));
    for (let i = 0; i < 2; i++) this.cvqBufs.push({ hva: heap.alloc(cfg.cvqBufferBytes, 'cvqBuffer'), iova: -1 });
    // Built before it is stored (see eslint.config.js on closures in properties).
    const beginDirtyTracking = (): Proc<Result> => this.dirtyTrackingOn();
    if (opts.mode === 'deviceParts') this.beginDirtyTracking = beginDirtyTracking;
  }

  /** Guest kicks and device MSIs go through the management driver. */
  get fd(): VqNotifier {
    return this.admin;
  }

  attachDataPath(dataPath: NetDataPathHooks | null, cvqChannel: CvqChannel): void {
    this.dataPath = dataPath;
    this.cvqChannel = cvqChannel;
  }

  guestVringAddr(vq: number): { desc: number; avail: number; used: number } {
    return guestVringAddrOf(this.cfg.svqSizes, this.cfg.guestRingGpa, vq);
  }

  private get cvqIndex(): number {
    return 2 * this.cfg.queuePairs;
  }

  private get nvq(): number {
    return 2 * this.cfg.queuePairs + 1;
  }

  private iovaAt(asid: number): IovaAllocator {
    let a = this.iovaSpaces.get(asid);
    if (a === undefined) {
      a = this.newIovaSpace();
      this.iovaSpaces.set(asid, a);
    }
    return a;
  }

  /** Runs `body` as a named phase of this device. */
  private *inPhase<T>(name: string, body: Proc<T>): Proc<T> {
    this.bus.emit({ kind: 'phase', t: this.kernel.now, edge: 'begin', name, device: this.cfg.name });
    try {
      return yield* body;
    } finally {
      this.bus.emit({ kind: 'phase', t: this.kernel.now, edge: 'end', name, device: this.cfg.name });
    }
  }

  /** Puts commands of this device on the admin vq (each names the virtual device). */
  private *run(cmds: readonly AdminCommand[]): Proc<Result<AdminValue[]>> {
    const r = yield* this.admin.exec(cmds, this.opts.serial);
    return r.ok ? r : err(r.errno, `${this.cfg.name}: ${r.reason}`);
  }

  /** The same, for commands that return nothing the caller reads. */
  private *send(cmds: readonly AdminCommand[]): Proc<Result> {
    const r = yield* this.run(cmds);
    return r.ok ? OK : r;
  }

  /**
   * Netdev creation: the management device's capabilities (CAP_GET on device_id 0), then — unless
   * this is a destination that creates its device at the switchover — the virtual device.
   */
  *init(): Proc<Result> {
    const cap = yield* this.run([{ op: 'CAP_GET', deviceId: 0 }]);
    if (!cap.ok) return cap;
    if (this.opts.role === 'dst' && this.opts.createAt === 'switchover') return OK;
    return yield* this.inPhase('create', this.create());
  }

  /**
   * VDEV_CREATE and what the management driver does next (seed 004 "Presenting Virtual Device"):
   * features and config read, the vqs' notification areas, the MMU enabled with guest RAM mapped at
   * IOVA = GPA (pinned now, outside any downtime), the CVQ isolation probe (MMU_ASID_SET of the
   * CVQ to ASID 1), and a reset that leaves the device at ACKNOWLEDGE | DRIVER.
   */
  private *create(): Proc<Result> {
    const created = yield* this.run([{ op: 'VDEV_CREATE', deviceId: 0, virtioId: VIRTIO_ID_NET, queuePairs: this.cfg.queuePairs }]);
    if (!created.ok) return created;
    const id = created.value[0];
    if (typeof id !== 'number') return err('EIO', `${this.cfg.name}: VDEV_CREATE returned no device id`);
    this.deviceId = id;
    this.mmu.bind(id);
    const d = id;
    const probe: AdminCommand[] = [
      { op: 'FEAT_DEVICE_GET', deviceId: d },
      { op: 'CONFIG_GET', deviceId: d, offset: 8, size: 2 },
    ];
    for (let vq = 0; vq < this.nvq; vq++) probe.push({ op: 'VQ_NOTIFY_GET', deviceId: d, vq });
    probe.push({ op: 'MMU_ENABLE', deviceId: d, enable: true });
    let r = yield* this.send(probe);
    if (!r.ok) return r;
    r = yield* this.inPhase('map', this.mapRam());
    if (!r.ok) return r;
    // The isolation probe: a device MMU with a second address space takes the CVQ into it.
    const iso = yield* this.admin.exec([{ op: 'MMU_ASID_SET', deviceId: d, vq: this.cvqIndex, asid: CVQ_ASID }], this.opts.serial);
    this.cvqIsolated = iso.ok;
    r = yield* this.send([
      { op: 'STATUS_SET', deviceId: d, status: 0 },
      { op: 'STATUS_SET', deviceId: d, status: ACK_DRIVER },
    ]);
    if (r.ok) this.afterReset();
    return r;
  }

  /** Guest RAM mapped at IOVA = GPA in ASID 0, one MMU_MAP per section. */
  private *mapRam(): Proc<Result> {
    return yield* this.mmu.collect(this.listener.register(this.sections, this.identity, GUEST_ASID, false));
  }

  /** The machine reset: STATUS_SET 0 (the MMU off, every vq in ASID 0, the maps dropped unless kept). */
  *machineReset(): Proc<Result> {
    if (this.deviceId === 0) return OK;
    const r = yield* this.inPhase('reset', this.send([{ op: 'STATUS_SET', deviceId: this.deviceId, status: 0 }]));
    if (r.ok) this.afterReset();
    return r;
  }

  /** What a reset did to the VMM's view: without kept maps the MMU forgot guest RAM and QEMU's own maps. */
  private afterReset(): void {
    if (this.opts.keepMapsAtReset) return;
    this.listener.forget();
    for (const s of this.svqs) if (s.mappedAsid !== null) s.unmap(NO_MESSAGES, this.iovaAt(s.mappedAsid), false).next();
    for (const b of this.cvqBufs) {
      if (b.iova < 0) continue;
      this.iovaAt(this.cvqAsid).free(b.iova);
      b.iova = -1;
    }
  }

  /** Whether the CVQ is shadowed in a start of this mode. */
  private shadowsCvq(svq: boolean): boolean {
    return this.opts.mode !== 'deviceParts' && (svq || this.cvqIsolated);
  }

  /**
   * Starts the device: at the destination of a device-parts migration from the source's parts;
   * otherwise features, the MMU (and guest RAM again if the reset dropped it), the CVQ's ASID and
   * buffers, per vq size, address, state and MSI, the shadow vrings, DRIVER_OK, the CVQ replay and
   * the data vqs enabled.
   */
  *start(svq: boolean, bases: readonly VringBase[], ctrl: NetCtrlState): Proc<Result> {
    if (this.deviceId === 0) {
      const c = yield* this.inPhase('create', this.create());
      if (!c.ok) return c;
    }
    if (this.opts.mode === 'deviceParts' && this.opts.role === 'dst' && this.stream.parts !== null) return yield* this.startFromParts(bases);
    this.svqMode = svq;
    this.cvqShadowed = this.shadowsCvq(svq);
    this.cvqAsid = this.cvqShadowed && this.cvqIsolated ? CVQ_ASID : GUEST_ASID;
    // Guest RAM first (a reset that dropped the maps took it): its IOVAs are its GPAs, the shadow vrings take free ones.
    let r: Result = OK;
    if (!this.listener.registered) {
      r = yield* this.inPhase('map', this.mapRam());
      if (!r.ok) return r;
    }
    r = yield* this.inPhase('vqSetup', this.setupQueues(svq, bases));
    if (!r.ok) return r;
    r = yield* this.inPhase('driverOk', this.driverOk());
    if (!r.ok) return r;
    if (this.dataPath !== null) {
      r = this.dataPath.started(svq, this.cvqShadowed, bases);
      if (!r.ok) return r;
    }
    r = yield* this.inPhase('cvqReplay', this.replay(ctrl));
    if (!r.ok) return r;
    const enable: AdminCommand[] = [];
    for (let vq = 0; vq < this.cvqIndex; vq++) enable.push({ op: 'VQ_ENABLE_SET', deviceId: this.deviceId, vq, enable: true });
    r = yield* this.inPhase('enable', this.send(enable));
    if (r.ok) this.started = true;
    return r;
  }

  /** start's maps, gathered by the MMU channel: the CVQ buffers when shadowed, then each shadowed vq's shadow vring. */
  private *mapQemuMemory(svq: boolean): Proc<Result> {
    if (this.cvqShadowed) {
      const b = this.mapCvqBuffers();
      if (!b.ok) return b;
    }
    for (let vq = 0; vq < this.nvq; vq++) {
      const shadowed = vq === this.cvqIndex ? this.cvqShadowed : svq;
      if (!shadowed) continue;
      const asid = vq === this.cvqIndex ? this.cvqAsid : GUEST_ASID;
      const m = yield* this.svqs[vq]!.map(this.mmu, this.iovaAt(asid), asid, false);
      if (!m.ok) return m;
    }
    return OK;
  }

  /** Features, the MMU, the CVQ's ASID and buffers, every vq, and the shadow vrings' maps. */
  private *setupQueues(svq: boolean, bases: readonly VringBase[]): Proc<Result> {
    const d = this.deviceId;
    const cmds: AdminCommand[] = [
      { op: 'STATUS_SET', deviceId: d, status: ACK_DRIVER },
      { op: 'FEAT_DRIVER_SET', deviceId: d, features: this.cfg.features },
      { op: 'STATUS_SET', deviceId: d, status: ACK_DRIVER | Status.FEATURES_OK },
      { op: 'MMU_ENABLE', deviceId: d, enable: true },
    ];
    if (this.cvqAsid === CVQ_ASID) cmds.push({ op: 'MMU_ASID_SET', deviceId: d, vq: this.cvqIndex, asid: CVQ_ASID });
    for (let vq = 0; vq < this.nvq; vq++) {
      const shadowed = vq === this.cvqIndex ? this.cvqShadowed : svq;
      cmds.push({ op: 'VQ_SIZE_SET', deviceId: d, vq, size: this.cfg.queueSize });
      cmds.push({ op: 'VQ_STATE_SET', deviceId: d, vq, state: shadowed ? { lastAvailIdx: 0 } : (bases[vq] ?? { lastAvailIdx: 0 }) });
      cmds.push({ op: 'MSI_VQ_SET', deviceId: d, vq, addr: 0xfee0_0000, data: vq }, { op: 'MSI_VQ_ENABLE', deviceId: d, vq, on: true });
    }
    let r = yield* this.send(cmds);
    if (!r.ok) return r;
    r = yield* this.mmu.collect(this.mapQemuMemory(svq));
    if (!r.ok) return r;
    const addrs: AdminCommand[] = [];
    for (let vq = 0; vq < this.nvq; vq++) {
      const shadowed = vq === this.cvqIndex ? this.cvqShadowed : svq;
      const a = shadowed ? this.svqs[vq]!.vringAddr() : this.guestVringAddr(vq);
      addrs.push({ op: 'VQ_ADDR_SET', deviceId: d, vq, desc: a.desc, driver: a.avail, device: a.used });
    }
    return yield* this.send(addrs);
  }

  /** The CVQ's command (read-only) and status (writable) buffers, gathered into the current MMU submission. */
  private mapCvqBuffers(): Result {
    const size = this.cfg.cvqBufferBytes;
    for (let i = 0; i < this.cvqBufs.length; i++) {
      const b = this.cvqBufs[i]!;
      const a = this.iovaAt(this.cvqAsid).alloc(size, b.hva);
      if (!a.ok) return a;
      b.iova = a.value;
      // Inside collect: sent with the shadow vrings' maps.
      const g = this.mmu.gather({ type: 'update', asid: this.cvqAsid, iova: a.value, size, uaddr: b.hva, perm: i === 0 ? Access.RO : Access.RW });
      if (!g.ok) return g;
    }
    return OK;
  }

  /** DRIVER_OK, read back (EIO when it did not stick). */
  private *driverOk(): Proc<Result> {
    const d = this.deviceId;
    const r = yield* this.run([
      { op: 'STATUS_SET', deviceId: d, status: ACK_DRIVER | Status.FEATURES_OK | Status.DRIVER_OK },
      { op: 'STATUS_GET', deviceId: d },
    ]);
    if (!r.ok) return r;
    const st = r.value[1];
    if (typeof st !== 'number' || (st & Status.DRIVER_OK) === 0) return err('EIO', `${this.cfg.name}: DRIVER_OK did not stick (status 0x${Number(st).toString(16)})`);
    return OK;
  }

  /** The CVQ enabled, then (shadowed) QEMU's device state replayed: all commands queued, one poll. */
  private *replay(ctrl: NetCtrlState): Proc<Result> {
    const en = yield* this.send([{ op: 'VQ_ENABLE_SET', deviceId: this.deviceId, vq: this.cvqIndex, enable: true }]);
    if (!en.ok || !this.cvqShadowed) return en;
    if (this.cvqChannel === null) return err('EIO', `${this.cfg.name}: no CVQ channel to replay the device state`);
    const acks = yield* this.cvqChannel.sendAll(ctrl.loadCommands());
    if (!acks.ok) return acks;
    const bad = acks.value.findIndex((a) => a !== 0);
    return bad >= 0 ? err('EIO', `${this.cfg.name}: device refused CVQ command ${bad} of the replay`) : OK;
  }

  /**
   * Stops the device. Device parts at a migration's source: DEV_MODE_SET stopped, the parts read,
   * the last dirty pages read. Otherwise the seed's transport has no suspend: QEMU resets the device
   * (vhost_vdpa_suspend's fallback), recovers each passthrough vq's base from the guest's used
   * index, stops the shadowed vqs and unmaps the shadow vrings and CVQ buffers.
   */
  *stop(): Proc<Result> {
    this.dataPath?.stopping?.();
    if (this.cvqChannel?.quiesce) yield* this.cvqChannel.quiesce();
    if (this.trackingOn) return yield* this.stopToParts();
    const d = this.deviceId;
    let r = yield* this.inPhase('reset', this.send([{ op: 'STATUS_SET', deviceId: d, status: 0 }]));
    if (!r.ok) return r;
    const bases: VringBase[] = [];
    for (let vq = 0; vq < this.nvq; vq++) {
      const shadowed = vq === this.cvqIndex ? this.cvqShadowed : this.svqMode;
      const b = shadowed ? this.svqBase(vq) : this.recoveredBase(vq);
      if (!b.ok) return b;
      bases[vq] = b.value;
    }
    this.vringBases = bases;
    if (this.dataPath !== null) {
      r = this.dataPath.stopped(bases);
      if (!r.ok) return r;
    }
    r = yield* this.inPhase('unmap', this.unmapQemuMemory());
    this.afterReset();
    this.started = false;
    return r;
  }

  /** vhost_svq_stop of a shadowed vq: its base is the guest ring's index. */
  private svqBase(vq: number): Result<VringBase> {
    if (this.dataPath === null) return ok(this.vringBases[vq] ?? { lastAvailIdx: 0 });
    return this.dataPath.svqStop(vq);
  }

  /** A passthrough vq of a reset device: its base from the guest's used index. */
  private recoveredBase(vq: number): Result<VringBase> {
    if (this.dataPath === null) return ok(this.vringBases[vq] ?? { lastAvailIdx: 0 });
    return this.dataPath.recoverBase(vq);
  }

  /** The shadow vrings and CVQ buffers unmapped (MMU_UNMAP each), gathered into one submission. */
  private *unmapQemuMemory(): Proc<Result> {
    if (!this.opts.keepMapsAtReset) return OK;
    return yield* this.mmu.collect(this.unmapQemuMemoryBody());
  }

  /** unmapQemuMemory's messages, gathered by the MMU channel: the shadow vrings, then the CVQ buffers. */
  private *unmapQemuMemoryBody(): Proc<Result> {
    for (const s of this.svqs) {
      if (s.mappedAsid === null) continue;
      const u = yield* s.unmap(this.mmu, this.iovaAt(s.mappedAsid), false);
      if (!u.ok) return u;
    }
    for (const b of this.cvqBufs) {
      if (b.iova < 0) continue;
      const g = this.mmu.gather({ type: 'invalidate', asid: this.cvqAsid, iova: b.iova, size: this.cfg.cvqBufferBytes });
      if (!g.ok) return g;
      this.iovaAt(this.cvqAsid).free(b.iova);
      b.iova = -1;
    }
    return OK;
  }

  /** The error path of a failed start: reset, QEMU's own maps undone. */
  *abortStart(): Proc<Result> {
    if (this.deviceId === 0) return OK;
    let r = yield* this.inPhase('reset', this.send([{ op: 'STATUS_SET', deviceId: this.deviceId, status: 0 }]));
    if (r.ok) r = yield* this.inPhase('unmap', this.unmapQemuMemory());
    this.afterReset();
    this.started = false;
    return r;
  }

  // ---- device parts (virtio 1.4) ----

  /** Migration start of a device-parts migration (no SVQ switch): present in that mode only. */
  readonly beginDirtyTracking?: () => Proc<Result>;

  /** Dirty tracking on; the device keeps running. */
  private *dirtyTrackingOn(): Proc<Result> {
    const r = yield* this.inPhase('dirtyTrack', this.admin.setDirtyTracking(true));
    if (r.ok) this.trackingOn = true;
    return r;
  }

  trackedDirty(): Iterable<DirtyRange> {
    const out = [...this.finalDirty, ...(this.trackingOn ? this.admin.takeDirty() : [])];
    this.finalDirty = [];
    return out;
  }

  migratedStateBytes(): number {
    return this.partsBytes;
  }

  /**
   * The source's switchover (vfio RUNNING → RUNNING_P2P → STOP → STOP_COPY, virtiovf_pci_step_device_state_locked):
   * DEV_MODE_SET stopped, a parts-get object, its size (DEV_PARTS_METADATA_GET), the parts
   * (DEV_PARTS_GET), the object destroyed; then the last dirty bitmap, and tracking off.
   */
  private *stopToParts(): Proc<Result> {
    const d = this.deviceId;
    let r: Result = yield* this.inPhase('suspend', this.send([{ op: 'DEV_MODE_SET', deviceId: d, stopped: true }]));
    if (!r.ok) return r;
    const got = yield* this.inPhase('devParts', this.readParts());
    if (!got.ok) return got;
    const parts = got.value;
    this.stream.parts = parts;
    this.partsBytes = parts.bytes;
    this.vringBases = parts.state.vqs.map((q) => q.base);
    if (this.dataPath !== null) {
      r = this.dataPath.stopped(this.vringBases);
      if (!r.ok) return r;
    }
    const dirty = yield* this.inPhase('dirtySync', this.admin.readDirty());
    if (!dirty.ok) return dirty;
    this.finalDirty = dirty.value;
    r = yield* this.admin.setDirtyTracking(false);
    this.trackingOn = false;
    this.started = false;
    return r;
  }

  /** RESOURCE_OBJ_CREATE(get), DEV_PARTS_METADATA_GET, DEV_PARTS_GET, RESOURCE_OBJ_DESTROY. */
  private *readParts(): Proc<Result<DevParts>> {
    const d = this.deviceId;
    const obj = yield* this.run([{ op: 'RESOURCE_OBJ_CREATE', deviceId: d, objType: 'get' }]);
    if (!obj.ok) return obj;
    const objId = obj.value[0] as number;
    const got = yield* this.run([
      { op: 'DEV_PARTS_METADATA_GET', deviceId: d, objId },
      { op: 'DEV_PARTS_GET', deviceId: d, objId },
      { op: 'RESOURCE_OBJ_DESTROY', deviceId: d, objId },
    ]);
    if (!got.ok) return got;
    const parts = got.value[1];
    if (parts === null || typeof parts !== 'object' || !('parts' in parts)) return err('EIO', `${this.cfg.name}: DEV_PARTS_GET returned no parts`);
    return ok(parts);
  }

  /**
   * The destination's switchover (STOP → RESUMING → STOP → RUNNING_P2P → RUNNING): DEV_MODE_SET
   * stopped, a parts-set object, DEV_PARTS_SET of the source's parts, the object destroyed, the
   * data path started at the parts' vq states, DEV_MODE_SET running.
   */
  private *startFromParts(bases: readonly VringBase[]): Proc<Result> {
    const d = this.deviceId;
    const parts = this.stream.parts!;
    this.svqMode = false;
    this.cvqShadowed = false;
    let r: Result = yield* this.inPhase('suspend', this.send([{ op: 'DEV_MODE_SET', deviceId: d, stopped: true }]));
    if (!r.ok) return r;
    if (!this.listener.registered) {
      r = yield* this.inPhase('map', this.mapRam());
      if (!r.ok) return r;
    }
    const obj = yield* this.run([{ op: 'RESOURCE_OBJ_CREATE', deviceId: d, objType: 'set' }]);
    if (!obj.ok) return obj;
    const objId = obj.value[0] as number;
    r = yield* this.inPhase(
      'devParts',
      this.send([
        { op: 'DEV_PARTS_SET', deviceId: d, objId, parts },
        { op: 'RESOURCE_OBJ_DESTROY', deviceId: d, objId },
        { op: 'MMU_ENABLE', deviceId: d, enable: true },
      ]),
    );
    if (!r.ok) return r;
    if (this.dataPath !== null) {
      r = this.dataPath.started(false, false, bases);
      if (!r.ok) return r;
    }
    r = yield* this.inPhase('enable', this.send([{ op: 'DEV_MODE_SET', deviceId: d, stopped: false }]));
    if (r.ok) this.started = true;
    return r;
  }
}
