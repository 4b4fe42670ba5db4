// vhostVdpaNet.ts — QEMU's vhost-vdpa net client for one device (net/vhost-vdpa.c with
// hw/virtio/vhost-vdpa.c): init (feature and group discovery), device start in passthrough or
// SVQ mode, device stop, and the CVQ state replay. Talks to the device only through VhostVdpaFd.

import type { Kernel, Proc } from '../sim/kernel/index.js';
import type { EventBus } from '../sim/events/events.js';
import { backendBit, Status, type BackendFeatureName, type VhostVdpaFd, type VringBase } from '../device/uapi/uapi.js';
import { err, type Result } from '../device/uapi/errno.js';
import { MemoryListener, allocatedIova, identityIova, type ListenerSection, type SectionIovaPolicy } from './memoryListener.js';
import { SvqRings, type SvqAreaSizes } from './svqRings.js';
import type { IovaAllocator } from './iovaAllocator.js';
import type { QemuHeap } from './qemuHeap.js';
import type { NetCtrlState, CtrlCommand } from './cvqState.js';
import { iotlbBatch } from './iotlbBatch.js';
import { Access } from '../device/uapi/uapi.js';
import { guestVringAddrOf } from './guestRingSlot.js';
import { vhostVdpaNetValidSvqFeatures } from './svqValidFeatures.js';

/** VMM strategies that change the mechanism (scenario `migration.strategies`). */
export interface NetStrategies {
  /** Move only the data vqs' descriptor group to ASID 1 for SVQ (needs DESC_ASID). */
  descGroup: boolean;
  /** Negotiate IOTLB_PERSIST and keep the listener registered across resets. */
  iotlbPersist: boolean;
  /**
   * Register the memory listener at vhost_vdpa_set_owner (QEMU 10.1+, upstream); false: at the
   * first device start only (QEMU 10.0). The machine reset drops it unless maps persist.
   */
  earlyMap: boolean;
  /** Batch the per-vq shadow vring and CVQ buffer UPDATE/INVALIDATEs. */
  batchMaps: boolean;
  /** Negotiate the proposed VHOST_BACKEND_F_IOPF: guest memory is mapped without pinning, the device takes page faults, RAM discards stay allowed. */
  pageFaults: boolean;
  /** Let QEMU's SVQ feature check accept VIRTIO_F_RING_PACKED (the packed-SVQ proposal). */
  svqPacked: boolean;
}

/** Where each strategy comes from (`svqsim list` prints these): all but earlyMap are proposals. */
export const STRATEGY_SOURCES: Readonly<Record<keyof NetStrategies, string>> = {
  descGroup: 'proposal: "vdpa: dedicated descriptor table group" (QEMU RFC, 2023) over the kernel\'s get_vq_desc_group; the ASID 0 re-sync after a reset is svqsim\'s own step',
  iotlbPersist: 'proposal: QEMU negotiating VHOST_BACKEND_F_IOTLB_PERSIST, which the kernel offers and upstream QEMU never asks for',
  earlyMap: 'upstream since QEMU 10.1 ("Move memory listener register to vhost_vdpa_init", commit 494c50dcc0): the listener registers at set_owner and the machine reset drops it; false models QEMU 10.0',
  batchMaps: 'proposal: the shadow-vring and CVQ-buffer UPDATE/INVALIDATEs in one IOTLB batch per ASID (upstream sends them one by one)',
  pageFaults:
    'proposal: page faults instead of pinning ("VIRTIO_F_PARTIAL_ORDER for page fault handling", virtio RFC, seed 003): QEMU negotiating a VHOST_BACKEND_F_IOPF bit no kernel has, so vhost-vdpa maps guest memory unpinned and QEMU leaves RAM discards enabled (upstream vhost_vdpa_init disables them)',
  svqPacked:
    'proposal: Sahil Siddiq, "Add packed virtqueue support to SVQ", v5, qemu-devel, Mar 2025, unmerged: vhost_svq_valid_features accepts VIRTIO_F_RING_PACKED, so a device offering packed rings no longer gets a migration blocker',
};

/** The strategies as upstream QEMU (10.1+) behaves: results label every strategy that differs. */
export const UPSTREAM_STRATEGIES: Readonly<NetStrategies> = { descGroup: false, iotlbPersist: false, earlyMap: true, batchMaps: false, pageFaults: false, svqPacked: false };

/** Sends the replayed CVQ commands through the shadow CVQ: all queued, one poll. */
export interface CvqChannel {
  sendAll(commands: readonly CtrlCommand[]): Proc<Result<number[]>>;
  /** Waits until no guest command is half-handled (QEMU handles one under the BQL, start to ack). */
  quiesce?(): Proc<void>;
}

/**
 * The data path's view of a device start and stop: `started` after DRIVER_OK, before any vq is
 * enabled, with the guest-side bases the vqs resume from; `svqStop` for one shadowed vq while the
 * device is suspended (vhost_svq_stop: used buffers flushed to the guest, in-flight ones given
 * back), returning the guest ring's index — what vhost_vdpa_get_vring_base reports for a
 * shadowed vq; `stopped` once every base is known, before the reset.
 */
export interface NetDataPathHooks {
  started(svq: boolean, cvqShadowed: boolean, bases: readonly VringBase[]): Result;
  svqStop(vq: number): Result<VringBase>;
  /** A passthrough vq of a device that was reset instead of suspended: its base from the guest's used index, the ring rewound to it. */
  recoverBase(vq: number): Result<VringBase>;
  /** Optional: the stop begins, before anything reaches the device (the data path may need to catch up on time it did not simulate). */
  stopping?(): void;
  stopped(bases: readonly VringBase[]): Result;
}

export interface NetClientConfig {
  name: string;
  queuePairs: number;
  /** Ring size of every vq (SET_VRING_NUM). */
  queueSize: number;
  /** Virtio features the VMM asks for (already filtered by what the guest acked). */
  features: bigint;
  strategies: NetStrategies;
  /** Shadow vring area sizes for this device's ring layout and queue size. */
  svqSizes: SvqAreaSizes;
  /** CVQ buffer size (one page each for the command and the status, as QEMU allocates). */
  cvqBufferBytes: number;
  /** Guest-physical address where the guest driver puts this device's rings (one slot per vq). */
  guestRingGpa: number;
}

/** The phases a device start/stop reports (names shared with the result document). */
export type DevPhase = 'suspend' | 'svqStop' | 'vringState' | 'reset' | 'unmap' | 'ackDriver' | 'cvqStop' | 'map' | 'vqSetup' | 'driverOk' | 'cvqReplay' | 'enable';

/** The backend features QEMU asks for (vhost_vdpa_set_backend_cap: MSG_V2, BATCH, IOTLB_ASID, SUSPEND). */
const WANTED_BACKEND: BackendFeatureName[] = ['IOTLB_MSG_V2', 'IOTLB_BATCH', 'IOTLB_ASID', 'SUSPEND'];

/** The body of an empty IOTLB batch: BATCH_BEGIN, BATCH_END and nothing between. */
function* emptyBatch(): Proc<Result> {
  yield 0;
  return { ok: true, value: undefined };
}

/** QEMU's ASID for shadowed, QEMU-owned memory (CVQ buffers, and shadow vrings with a descriptor group). */
const VHOST_VDPA_NET_CVQ_ASID = 1;
const GUEST_PA_ASID = 0;

export class VhostVdpaNet {
  /** Simulation kernel (for time stamps of phase events). */
  private readonly kernel: Kernel;
  /** Event stream for phase events. */
  private readonly bus: EventBus;
  /** The device's vhost-vdpa file descriptor. */
  readonly fd: VhostVdpaFd;
  /** Static configuration. */
  readonly cfg: NetClientConfig;
  /** Guest RAM sections the listener maps. */
  private readonly sections: readonly ListenerSection[];
  /** IOVA allocator shared by the listener (SVQ mode) and the shadow vrings. */
  private readonly newIovaSpace: () => IovaAllocator;
  /** One IOVA allocator per ASID: each address space has its own IOVA range. */
  private readonly iovaSpaces = new Map<number, IovaAllocator>();
  /** The memory listener of this device. */
  readonly listener: MemoryListener;
  /** Backend features acked by both sides. */
  backendFeatures = 0;
  /** The device's IOVA range (VHOST_VDPA_GET_IOVA_RANGE at netdev creation). */
  iovaRange = { first: 0, last: Number.MAX_SAFE_INTEGER };
  /** Group of the data vqs, of the CVQ, and the data vqs' descriptor group (if DESC_ASID). */
  groups = { data: 0, cvq: 0, dataDesc: null as number | null };
  /** The device's features (VHOST_GET_FEATURES at netdev creation). */
  private deviceFeatures = 0n;
  /** Why QEMU blocks outgoing migration with this device (the SVQ feature check at init failed), null: nothing blocks. */
  migrationBlocker: string | null = null;
  /** vhost_vdpa_probe_cvq_isolation found the CVQ in a group of its own (s->cvq_isolated). */
  cvqIsolated = false;
  /** ASID of the CVQ (its shadow vring and buffers) in the current start. */
  private cvqAsidNow = GUEST_PA_ASID;
  /** One SVQ per vq, indexed by vq, all created in the constructor (data vqs used only in SVQ mode; the CVQ is always shadowed). */
  readonly svqs: SvqRings[] = [];
  /** CVQ buffer host addresses (out, status) and their IOVAs while mapped (-1 otherwise). */
  readonly cvqBufs: { hva: number; iova: number }[] = [];
  /** Whether the data vqs are shadowed in the current start. */
  svqMode = false;
  /**
   * Whether the CVQ is shadowed in the current start (v->shadow_vqs_enabled of the CVQ client):
   * with the data vqs, or alone when the probe found it isolated; otherwise it runs on the
   * guest's own ring like a data vq and QEMU never sees its commands.
   */
  cvqShadowed = true;
  /** Saved vring bases from the last stop (passed to the next start and migrated). */
  vringBases: VringBase[] = [];
  /** Whether the device is started. */
  started = false;
  /** IOVA = GPA placement of guest RAM. */
  private readonly identityPolicy: SectionIovaPolicy;
  /** Allocated-IOVA placement of guest RAM (SVQ without descriptor group). */
  private readonly allocatedPolicy: SectionIovaPolicy;
  /** How the listener placed RAM in the current registration. */
  private listenerPolicy: SectionIovaPolicy;
  /** The device was reset since the last start (its maps are gone unless IOTLB_PERSIST). */
  private deviceReset = false;
  /** Device-side CVQ channel (attachDataPath). */
  private cvqChannel: CvqChannel | null = null;
  /** SVQ data path start/stop (attachDataPath). */
  private dataPath: NetDataPathHooks | null = null;

  constructor(kernel: Kernel, bus: EventBus, fd: VhostVdpaFd, cfg: NetClientConfig, sections: readonly ListenerSection[], newIovaSpace: () => IovaAllocator, heap: QemuHeap) {
    this.kernel = kernel;
    this.bus = bus;
    this.fd = fd;
    this.cfg = cfg;
    this.sections = sections;
    this.newIovaSpace = newIovaSpace;
    this.listener = new MemoryListener(fd);
    this.identityPolicy = identityIova(this.iovaAt(GUEST_PA_ASID));
    this.allocatedPolicy = allocatedIova(this.iovaAt(GUEST_PA_ASID));
    this.listenerPolicy = this.identityPolicy;
    const nvq = 2 * cfg.queuePairs + 1;
    for (let i = 0; i < nvq; i++) this.svqs.push(new SvqRings(i, cfg.svqSizes, heap));
    for (let i = 0; i < 2; i++) this.cvqBufs.push({ hva: heap.alloc(cfg.cvqBufferBytes, 'cvqBuffer'), iova: -1 });
  }
  /** Attaches the data path (the SVQs' start and stop; null: none) and the CVQ channel the state replay sends through. */
  attachDataPath(dataPath: NetDataPathHooks | null, cvqChannel: CvqChannel): void {
    this.dataPath = dataPath;
    this.cvqChannel = cvqChannel;
  }


  /** The IOVA allocator of an address space. */
  iovaAt(asid: number): IovaAllocator {
    let a = this.iovaSpaces.get(asid);
    if (a === undefined) {
      a = this.newIovaSpace();
      this.iovaSpaces.set(asid, a);
    }
    return a;
  }

  get cvqIndex(): number {
    return 2 * this.cfg.queuePairs;
  }

  private has(name: BackendFeatureName): boolean {
    return (this.backendFeatures & backendBit(name)) !== 0;
  }

  /** Whether the maps survive a reset (IOTLB_PERSIST negotiated). */
  get persistent(): boolean {
    return this.has('IOTLB_PERSIST');
  }

  private phase(name: string, edge: 'begin' | 'end'): void {
    this.bus.emit({ kind: 'phase', t: this.kernel.now, edge, name, device: this.cfg.name });
  }

  /** Runs `body` as a named phase of this device. */
  *inPhase<T>(name: DevPhase, body: Proc<T>): Proc<T> {
    this.phase(name, 'begin');
    try {
      return yield* body;
    } finally {
      this.phase(name, 'end');
    }
  }

  /**
   * net_vhost_vdpa_init / vhost_vdpa_init: backend features (vhost_vdpa_set_backend_cap), the vq
   * count and groups, ACKNOWLEDGE|DRIVER, and for the CVQ client the isolation probe.
   */
  *init(): Proc<Result> {
    const fd = this.fd;
    // net_init_vhost_vdpa: the device's features (the probe and the migration blocker use them).
    const features = yield* fd.getFeatures();
    if (!features.ok) return features;
    this.deviceFeatures = features.value;
    this.migrationBlocker = this.svqFeatureBlocker(features.value);
    // vhost_vdpa_get_iova_range: the range the shared IOVA tree allocates from.
    const range = yield* fd.getIovaRange();
    if (!range.ok) return range;
    this.iovaRange = range.value;
    const offered = yield* fd.getBackendFeatures();
    if (!offered.ok) return offered;
    const s = this.cfg.strategies;
    const wanted = [...WANTED_BACKEND];
    // Proposals (not upstream QEMU): the descriptor group and persistent maps are negotiated only by their strategies.
    if (s.descGroup) wanted.push('DESC_ASID');
    if (s.iotlbPersist) wanted.push('IOTLB_PERSIST');
    if (s.pageFaults) wanted.push('IOPF');
    let mask = 0;
    for (const w of wanted) mask |= backendBit(w);
    // A strategy the device does not offer is an error here: validation should have caught it.
    for (const w of ['DESC_ASID', 'IOTLB_PERSIST', 'IOPF'] as const) {
      if ((mask & backendBit(w)) !== 0 && (offered.value & backendBit(w)) === 0) {
        return err('EOPNOTSUPP', `${this.cfg.name}: device does not offer backend feature ${w}`);
      }
    }
    const set = yield* fd.setBackendFeatures(offered.value & mask);
    if (!set.ok) return set;
    this.backendFeatures = offered.value & mask;
    this.groups = { data: 0, cvq: 0, dataDesc: null };
    if (this.has('DESC_ASID')) {
      const d = yield* fd.getVringDescGroup(0);
      if (!d.ok) return d;
      this.groups.dataDesc = d.value;
    }
    // vhost_vdpa_init (first dev): the driver is there.
    let r = yield* this.addStatus(Status.ACKNOWLEDGE | Status.DRIVER);
    if (!r.ok) return r;
    if (s.earlyMap) {
      // vhost_vdpa_set_owner (QEMU 10.1+, first dev): the listener registers "optimistically" at
      // passthrough IOVAs, so guest RAM is pinned (and faulted in) now, outside any downtime.
      r = yield* this.inPhase('map', this.listener.register(this.sections, this.identityPolicy, GUEST_PA_ASID, this.has('IOTLB_BATCH')));
      if (!r.ok) return r;
      this.listenerPolicy = this.identityPolicy;
    }
    // net_vhost_vdpa_init of the CVQ client, after the data queue pairs' vhost_dev_init.
    r = yield* this.probeCvqIsolation();
    if (!r.ok) return r;
    return { ok: true, value: undefined };
  }

  /**
   * net_vhost_vdpa_init, queue pair 0: vhost_vdpa_net_valid_svq_features on the offered features
   * fills v->migration_blocker; vhost_vdpa_init hands it to the vhost_dev (error_propagate) and
   * vhost_dev_init adds it (migrate_add_blocker_normal), so every later `migrate` is refused. The
   * VM still boots and runs in passthrough (x-svq=on would refuse the netdev instead; not modelled).
   */
  private svqFeatureBlocker(features: bigint): string | null {
    const s = this.cfg.strategies;
    const check = vhostVdpaNetValidSvqFeatures(features, { packed: s.svqPacked, partialOrder: s.pageFaults });
    return check.ok ? null : `${this.cfg.name}: migration blocker from net_vhost_vdpa_init: ${check.reason}`;
  }

  /**
   * The machine reset after the devices are created (qemu_system_reset → vhost_vdpa_reset_device):
   * SET_STATUS 0, then the listener unregisters — unless the maps persist (IOTLB_PERSIST, a
   * proposal) — so the first start registers it again; the pages it faulted in stay resident.
   */
  *machineReset(): Proc<Result> {
    let r: Result = yield* this.inPhase('reset', this.fd.setStatus(0));
    if (!r.ok) return r;
    this.deviceReset = true;
    if (this.listener.registered && !this.persistent) {
      r = yield* this.inPhase('unmap', this.listener.unregister(GUEST_PA_ASID, this.has('IOTLB_BATCH')));
      if (!r.ok) return r;
    }
    return r;
  }

  /**
   * vhost_vdpa_probe_cvq_isolation: without IOTLB_ASID the CVQ cannot be isolated; otherwise the
   * device is taken to FEATURES_OK, the CVQ's group is compared with every data vq's, and the
   * device is reset.
   */
  private *probeCvqIsolation(): Proc<Result> {
    const fd = this.fd;
    this.cvqIsolated = false;
    const backend = yield* fd.getBackendFeatures();
    if (!backend.ok) return backend;
    if ((backend.value & backendBit('IOTLB_ASID')) === 0) return { ok: true, value: undefined };
    let r = yield* fd.setStatus(Status.ACKNOWLEDGE | Status.DRIVER);
    if (!r.ok) return r;
    r = yield* fd.setFeatures(this.deviceFeatures);
    if (!r.ok) return r;
    r = yield* fd.setStatus(Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK);
    if (!r.ok) return r;
    const c = yield* fd.getVringGroup(this.cvqIndex);
    if (!c.ok) return c;
    this.groups.cvq = c.value;
    let isolated = true;
    for (let vq = 0; vq < this.cvqIndex; vq++) {
      const d = yield* fd.getVringGroup(vq);
      if (!d.ok) return d;
      if (vq === 0) this.groups.data = d.value;
      if (d.value === c.value) isolated = false;
    }
    // The probe always ends with a reset (the device is at status 0 until the first start).
    r = yield* fd.setStatus(0);
    if (!r.ok) return r;
    this.cvqIsolated = isolated;
    return r;
  }

  /** Where guest RAM must sit in IOVA space for a start in this mode. */
  private ramPolicy(svq: boolean): SectionIovaPolicy {
    // Passthrough, SVQ with the descriptor group, or SVQ over persistent maps that stay where
    // passthrough put them: guest buffers keep IOVA = GPA and only QEMU's memory gets new IOVAs.
    return !svq || this.useDescGroup || this.cfg.strategies.iotlbPersist ? this.identityPolicy : this.allocatedPolicy;
  }

  /**
   * Guest RAM stays mapped across the reset of a stop: the maps persist, or the descriptor group
   * keeps guest RAM at IOVA = GPA in ASID 0 whatever the mode.
   */
  private get keepsRamMaps(): boolean {
    return this.persistent || this.useDescGroup;
  }

  private get useDescGroup(): boolean {
    return this.cfg.strategies.descGroup && this.groups.dataDesc !== null;
  }

  /**
   * vhost_net_start for this device: the data queue pairs' vhost_dev_start in order (features at
   * the first), the CVQ client's start (vhost_vdpa_net_cvq_start) and its vhost_dev_start, the
   * listener (last dev, vhost_vdpa_dev_start), DRIVER_OK, the CVQ load (vhost_vdpa_net_cvq_load:
   * CVQ enable, replay, data vq enables). `bases` are the guest-side vring bases to resume from
   * (migrated, or saved at the previous stop).
   */
  *start(svq: boolean, bases: readonly VringBase[], ctrl: NetCtrlState): Proc<Result> {
    const batch = this.has('IOTLB_BATCH');
    const batchSmall = batch && this.cfg.strategies.batchMaps;
    this.svqMode = svq;
    this.cvqShadowed = svq || this.cvqIsolated;
    this.cvqAsidNow = this.cvqAsidFor(svq);
    let r: Result = yield* this.inPhase('vqSetup', this.setupQueues(svq, bases, batchSmall));
    if (!r.ok) return r;

    // Guest RAM: the listener stays registered when it already sits at the IOVAs this mode
    // needs. The vhost-side map (and its pins) survived the reset; without IOTLB_PERSIST the
    // device dropped its own copy, so (proposal, not upstream) an empty batch on ASID 0 makes it
    // rebuild from the vhost side (one set_map, no UPDATE, no pinning).
    const policy = this.ramPolicy(svq);
    if (this.listener.registered && policy !== this.listenerPolicy) {
      r = yield* this.inPhase('unmap', this.listener.unregister(GUEST_PA_ASID, batch));
      if (!r.ok) return r;
    }
    if (!this.listener.registered) {
      r = yield* this.inPhase('map', this.listener.register(this.sections, policy, GUEST_PA_ASID, batch));
      if (!r.ok) return r;
      this.listenerPolicy = policy;
    } else if (!this.persistent && this.deviceReset) {
      r = yield* this.inPhase('map', iotlbBatch(this.fd, GUEST_PA_ASID, true, emptyBatch()));
      if (!r.ok) return r;
    }
    this.deviceReset = false;

    r = yield* this.inPhase('driverOk', this.addStatus(Status.DRIVER_OK));
    if (!r.ok) return r;
    if (this.dataPath !== null) {
      r = this.dataPath.started(svq, this.cvqShadowed, bases);
      if (!r.ok) return r;
    }

    r = yield* this.inPhase('cvqReplay', this.replay(ctrl));
    if (!r.ok) return r;

    r = yield* this.inPhase('enable', this.enableVrings());
    if (!r.ok) return r;
    this.started = true;
    return r;
  }

  /** vhost_vdpa_add_status: read, set the bits unless already set, read back (EIO if they did not stick). */
  private *addStatus(bits: number): Proc<Result> {
    const cur = yield* this.fd.getStatus();
    if (!cur.ok) return cur;
    if ((cur.value & bits) === bits) return { ok: true, value: undefined };
    const set = yield* this.fd.setStatus(cur.value | bits);
    if (!set.ok) return set;
    const now = yield* this.fd.getStatus();
    if (!now.ok) return now;
    if ((now.value & bits) !== bits) return err('EIO', `${this.cfg.name}: status bits 0x${bits.toString(16)} did not stick`);
    return { ok: true, value: undefined };
  }

  /**
   * The ASID of the CVQ (its shadow vring and buffers) for a start: with the data vqs shadowed
   * (shared->shadow_data) it stays in ASID 0 with everything; with passthrough data it is
   * isolated in ASID 1 when the probe found it alone in its group. With the descriptor group
   * (proposal) the shadow vrings and the CVQ share ASID 1.
   */
  private cvqAsidFor(svq: boolean): number {
    if (svq) return this.useDescGroup ? VHOST_VDPA_NET_CVQ_ASID : GUEST_PA_ASID;
    return this.cvqIsolated ? VHOST_VDPA_NET_CVQ_ASID : GUEST_PA_ASID;
  }

  /** The ASID of the CVQ in the current start. */
  private get cvqAsid(): number {
    return this.cvqAsidNow;
  }

  /** The ASID a shadowed vq's rings are mapped in. */
  private svqAsid(vq: number): number {
    if (vq === this.cvqIndex) return this.cvqAsid;
    return this.useDescGroup ? VHOST_VDPA_NET_CVQ_ASID : GUEST_PA_ASID;
  }

  /**
   * Maps the CVQ buffers and the shadow vrings of `vqs`. Upstream sends each UPDATE on its own
   * (one set_map rebuild each); with map batching, one batch per ASID covers them all.
   */
  private *mapQemuMemory(vqs: readonly number[], withCvqBuffers: boolean, batchSmall: boolean): Proc<Result> {
    const asids = new Set<number>(vqs.map((vq) => this.svqAsid(vq)));
    if (withCvqBuffers) asids.add(this.cvqAsid);
    for (const asid of [...asids].sort((a, b) => a - b)) {
      const r = yield* iotlbBatch(this.fd, asid, batchSmall, this.mapQemuMemoryIn(asid, vqs, withCvqBuffers));
      if (!r.ok) return r;
    }
    return { ok: true, value: undefined };
  }

  /** mapQemuMemory in one ASID: the CVQ buffers (when they are mapped there), then the shadow vrings of `vqs` mapped there. */
  private *mapQemuMemoryIn(asid: number, vqs: readonly number[], withCvqBuffers: boolean): Proc<Result> {
    if (withCvqBuffers && asid === this.cvqAsid) {
      const b = yield* this.mapCvqBuffers(asid);
      if (!b.ok) return b;
    }
    for (const vq of vqs) {
      if (this.svqAsid(vq) !== asid) continue;
      const m = yield* this.svqs[vq]!.map(this.fd, this.iovaAt(asid), asid, false);
      if (!m.ok) return m;
    }
    return { ok: true, value: undefined };
  }

  /**
   * vhost_net_start up to the listener: the call eventfds QEMU does not shadow
   * (set_guest_notifiers), then per data queue pair vhost_dev_start (features and FEATURES_OK at
   * the first), then the CVQ client's start and its vhost_dev_start. With map batching
   * (proposal) every shadow vring and CVQ buffer UPDATE goes up front, one batch per ASID.
   */
  private *setupQueues(svq: boolean, bases: readonly VringBase[], batchSmall: boolean): Proc<Result> {
    const fd = this.fd;
    const nvq = 2 * this.cfg.queuePairs + 1;
    let r: Result = { ok: true, value: undefined };
    if (!svq) {
      // set_guest_notifiers → vhost_vdpa_set_vring_call: an ioctl for every vq not shadowed.
      const end = this.cvqShadowed ? this.cvqIndex : nvq;
      for (let vq = 0; vq < end; vq++) {
        r = yield* fd.setVringCall(vq, 200 + vq);
        if (!r.ok) return r;
      }
    }
    if (svq && this.useDescGroup) {
      // Descriptor group (proposal): the data vqs' ring areas move to ASID 1 before anything is
      // mapped there, so the device builds that ASID's map for data-path use from the first UPDATE.
      r = yield* fd.setGroupAsid(this.groups.dataDesc as number, VHOST_VDPA_NET_CVQ_ASID);
      if (!r.ok) return r;
    }
    if (batchSmall) {
      r = yield* this.cvqGroupStart();
      if (!r.ok) return r;
      const all: number[] = [];
      for (let vq = 0; vq < nvq; vq++) if ((vq === this.cvqIndex && this.cvqShadowed) || svq) all.push(vq);
      r = yield* this.mapQemuMemory(all, this.cvqShadowed, true);
      if (!r.ok) return r;
    }
    for (let qp = 0; qp < this.cfg.queuePairs; qp++) {
      if (qp === 0) {
        // vhost_dev_set_features → vhost_vdpa_set_features (first dev): features, then FEATURES_OK.
        r = yield* fd.setFeatures(this.cfg.features);
        if (!r.ok) return r;
        r = yield* this.addStatus(Status.FEATURES_OK);
        if (!r.ok) return r;
      }
      r = yield* this.devStart([2 * qp, 2 * qp + 1], svq, bases, batchSmall);
      if (!r.ok) return r;
    }
    if (!batchSmall) {
      // vhost_vdpa_net_cvq_start: ASID (passthrough data only), then the two buffers, each UPDATE on its own.
      r = yield* this.cvqGroupStart();
      if (!r.ok) return r;
      if (this.cvqShadowed) {
        r = yield* this.mapCvqBuffers(this.cvqAsid);
        if (!r.ok) return r;
      }
    }
    // The CVQ's own vhost_dev_start (the last dev): shadowed, or on the guest's ring.
    return yield* this.devStart([this.cvqIndex], this.cvqShadowed, bases, batchSmall);
  }

  /**
   * vhost_vdpa_net_cvq_start's group move: with passthrough data and an isolated CVQ (or, as a
   * proposal, the descriptor group with SVQ), GET_VRING_GROUP and SET_GROUP_ASID(cvq group, 1).
   * With the data vqs shadowed upstream sends nothing: the CVQ stays in ASID 0.
   */
  private *cvqGroupStart(): Proc<Result> {
    const fd = this.fd;
    if (this.cvqAsid !== VHOST_VDPA_NET_CVQ_ASID) return { ok: true, value: undefined };
    const g = yield* fd.getVringGroup(this.cvqIndex);
    if (!g.ok) return g;
    return yield* fd.setGroupAsid(g.value, VHOST_VDPA_NET_CVQ_ASID);
  }

  /**
   * vhost_dev_start of one vhost_dev (a queue pair, or the CVQ): vhost_virtqueue_start per vq
   * (SET_VRING_NUM; passthrough also SET_VRING_BASE at the guest's index, SET_VRING_ADDR with
   * GPAs, SET_VRING_KICK), then vhost_vdpa_svqs_start for shadowed vqs (vhost_vdpa_svq_setup:
   * SET_VRING_BASE 0 — the shadow vring is fresh, the guest's index stays in QEMU — KICK, CALL,
   * vhost_vdpa_svq_map_rings: two unbatched UPDATEs, then SET_VRING_ADDR with the IOVAs).
   */
  private *devStart(vqs: readonly number[], shadowed: boolean, bases: readonly VringBase[], batchSmall: boolean): Proc<Result> {
    const fd = this.fd;
    let r: Result = { ok: true, value: undefined };
    for (const vq of vqs) {
      r = yield* fd.setVringNum(vq, this.cfg.queueSize);
      if (!r.ok) return r;
      if (shadowed) continue;
      r = yield* fd.setVringBase(vq, bases[vq] ?? { lastAvailIdx: 0 });
      if (!r.ok) return r;
      r = yield* fd.setVringAddr(vq, this.guestVringAddr(vq));
      if (!r.ok) return r;
      r = yield* fd.setVringKick(vq, 100 + vq);
      if (!r.ok) return r;
    }
    if (!shadowed) return r;
    for (const vq of vqs) {
      r = yield* fd.setVringBase(vq, { lastAvailIdx: 0 });
      if (!r.ok) return r;
      r = yield* fd.setVringKick(vq, 100 + vq);
      if (!r.ok) return r;
      r = yield* fd.setVringCall(vq, 200 + vq);
      if (!r.ok) return r;
      if (!batchSmall) {
        r = yield* this.svqs[vq]!.map(fd, this.iovaAt(this.svqAsid(vq)), this.svqAsid(vq), false);
        if (!r.ok) return r;
      }
      r = yield* fd.setVringAddr(vq, this.svqs[vq]!.vringAddr());
      if (!r.ok) return r;
    }
    return r;
  }

  /** Guest-physical addresses of the guest's own vring for `vq` (passthrough mode). */
  guestVringAddr(vq: number): { desc: number; avail: number; used: number } {
    return guestVringAddrOf(this.cfg.svqSizes, this.cfg.guestRingGpa, vq);
  }

  /** Maps the CVQ command buffer (read-only) and status buffer (writable) in `asid`. */
  private *mapCvqBuffers(asid: number): Proc<Result> {
    const size = this.cfg.cvqBufferBytes;
    for (let i = 0; i < this.cvqBufs.length; i++) {
      const b = this.cvqBufs[i]!;
      const a = this.iovaAt(asid).alloc(size, b.hva);
      if (!a.ok) return a;
      b.iova = a.value;
      const u = yield* this.fd.iotlbMsg({ type: 'update', asid, iova: a.value, size, uaddr: b.hva, perm: i === 0 ? Access.RO : Access.RW });
      if (!u.ok) {
        // vhost_vdpa_cvq_map_buf removes the IOVA of a map that failed.
        this.iovaAt(asid).free(b.iova);
        b.iova = -1;
        return u;
      }
    }
    return { ok: true, value: undefined };
  }

  /** Unmaps the CVQ buffers. */
  private *unmapCvqBuffers(asid: number): Proc<Result> {
    const size = this.cfg.cvqBufferBytes;
    for (const b of this.cvqBufs) {
      if (b.iova < 0) continue;
      const u = yield* this.fd.iotlbMsg({ type: 'invalidate', asid, iova: b.iova, size });
      if (!u.ok) return u;
      this.iovaAt(asid).free(b.iova);
      b.iova = -1;
    }
    return { ok: true, value: undefined };
  }

  /** Map batching (proposal): every shadow vring and the CVQ buffers unmapped in one batch per ASID. */
  private *unmapQemuMemoryBatched(): Proc<Result> {
    const asids = new Set<number>([this.cvqAsid]);
    for (const s of this.svqs) if (s.mappedAsid !== null) asids.add(s.mappedAsid);
    for (const asid of [...asids].sort((a, b) => a - b)) {
      const r = yield* iotlbBatch(this.fd, asid, true, this.unmapQemuMemoryIn(asid));
      if (!r.ok) return r;
    }
    return { ok: true, value: undefined };
  }

  /** unmapQemuMemoryBatched in one ASID: the shadow vrings mapped there, then the CVQ buffers when they are. */
  private *unmapQemuMemoryIn(asid: number): Proc<Result> {
    for (const s of this.svqs) {
      if (s.mappedAsid !== asid) continue;
      const x = yield* s.unmap(this.fd, this.iovaAt(asid), false);
      if (!x.ok) return x;
    }
    return asid === this.cvqAsid ? yield* this.unmapCvqBuffers(asid) : { ok: true, value: undefined };
  }

  /** vhost_vdpa_net_load: every command queued at once, one poll. */
  private *replay(ctrl: NetCtrlState): Proc<Result> {
    const commands = this.cvqShadowed ? ctrl.loadCommands() : [];
    this.bus.emit({ kind: 'note', t: this.kernel.now, device: this.cfg.name, text: this.cvqShadowed ? `CVQ replay: ${commands.length} commands` : 'CVQ not shadowed (not isolated): no state loaded' });
    if (this.cvqChannel === null) return err('EIO', `${this.cfg.name}: no CVQ channel to replay the device state`);
    // vhost_vdpa_net_cvq_load: the CVQ is enabled first, the data vqs after the state is loaded.
    const en = yield* this.fd.setVringEnable(this.cvqIndex, true);
    if (!en.ok) return en;
    // Only a shadowed CVQ carries QEMU's state (v->shadow_vqs_enabled): otherwise nothing is loaded.
    if (!this.cvqShadowed) return { ok: true, value: undefined };
    const acks = yield* this.cvqChannel.sendAll(commands);
    if (!acks.ok) return acks;
    const bad = acks.value.findIndex((a) => a !== 0);
    if (bad >= 0) return err('EIO', `${this.cfg.name}: device refused CVQ command ${bad} of the replay`);
    return { ok: true, value: undefined };
  }

  /** SET_VRING_ENABLE of every data vq (the CVQ was enabled for the replay). */
  private *enableVrings(): Proc<Result> {
    let r: Result = { ok: true, value: undefined };
    for (let vq = 0; vq < 2 * this.cfg.queuePairs; vq++) {
      r = yield* this.fd.setVringEnable(vq, true);
      if (!r.ok) return r;
    }
    return r;
  }

  /**
   * vhost_net_stop for this device, vhost_dev by vhost_dev (queue pairs, then the CVQ):
   * vhost_vdpa_suspend (once, first dev); per dev vhost_vdpa_svqs_stop (each shadowed vq stopped
   * and its two ring areas unmapped while the device is still suspended) and
   * vhost_vdpa_get_vring_base (GET_VRING_BASE for passthrough vqs; a shadowed vq's base is the
   * guest ring's index QEMU holds); then vhost_vdpa_reset_status (reset, which unregisters the
   * listener, then ACKNOWLEDGE|DRIVER) and vhost_vdpa_net_cvq_stop (the CVQ buffers).
   * GET_VRING_BASE is sent for every passthrough vq: the model follows the fix that shares the
   * suspended state between the net clients ("vdpa: fix vhost-vdpa suspended state not be
   * shared", 2025), not the earlier code where only the first pair's clients saw it.
   */
  *stop(): Proc<Result> {
    const fd = this.fd;
    const batch = this.has('IOTLB_BATCH');
    const batchSmall = batch && this.cfg.strategies.batchMaps;
    this.dataPath?.stopping?.();
    if (this.cvqChannel?.quiesce) yield* this.cvqChannel.quiesce();
    // vhost_vdpa_suspend: without VHOST_BACKEND_F_SUSPEND the device is reset instead
    // (vhost_vdpa_reset_device), and the vring bases cannot be read from it afterwards.
    const suspended = this.has('SUSPEND');
    let r: Result = suspended ? yield* this.inPhase('suspend', fd.suspend()) : yield* this.resetDevice();
    if (!r.ok) return r;
    const bases: VringBase[] = [];
    const devs: number[][] = [];
    for (let qp = 0; qp < this.cfg.queuePairs; qp++) devs.push([2 * qp, 2 * qp + 1]);
    devs.push([this.cvqIndex]);
    for (const vqs of devs) {
      const shadowed = vqs[0] === this.cvqIndex ? this.cvqShadowed : this.svqMode;
      if (shadowed) {
        r = yield* this.inPhase('svqStop', this.svqsStop(vqs, bases, batchSmall));
        if (!r.ok) return r;
        continue;
      }
      r = yield* this.inPhase('vringState', suspended ? this.getVringBases(vqs, bases) : this.recoverVringBases(vqs, bases));
      if (!r.ok) return r;
    }
    this.vringBases = bases;
    if (this.dataPath !== null) {
      r = this.dataPath.stopped(bases);
      if (!r.ok) return r;
    }
    // vhost_vdpa_reset_status: vhost_vdpa_reset_device (SET_STATUS 0, then the listener
    // unregisters unless the maps are kept), then ACKNOWLEDGE|DRIVER.
    r = yield* this.inPhase('reset', fd.setStatus(0));
    if (!r.ok) return r;
    this.deviceReset = true;
    if (!this.keepsRamMaps && this.listener.registered) {
      r = yield* this.inPhase('unmap', this.listener.unregister(GUEST_PA_ASID, batch));
      if (!r.ok) return r;
    }
    r = yield* this.inPhase('ackDriver', this.addStatus(Status.ACKNOWLEDGE | Status.DRIVER));
    if (!r.ok) return r;
    r = yield* this.inPhase('cvqStop', batchSmall ? this.unmapQemuMemoryBatched() : this.unmapCvqBuffers(this.cvqAsid));
    this.started = false;
    return r;
  }

  /**
   * The error path of a failed start (vhost_net_start → vhost_dev_stop of what was started, then
   * vhost_vdpa_reset_status): the device reset, the listener unregistered unless the maps
   * persist, ACKNOWLEDGE|DRIVER, and QEMU's own maps (shadow vrings, CVQ buffers) undone, so a
   * later start begins from a clean device.
   */
  *abortStart(): Proc<Result> {
    const batch = this.has('IOTLB_BATCH');
    let r: Result = yield* this.inPhase('reset', this.fd.setStatus(0));
    if (!r.ok) return r;
    this.deviceReset = true;
    if (this.listener.registered && !this.keepsRamMaps) {
      r = yield* this.inPhase('unmap', this.listener.unregister(GUEST_PA_ASID, batch));
      if (!r.ok) return r;
    }
    r = yield* this.inPhase('ackDriver', this.addStatus(Status.ACKNOWLEDGE | Status.DRIVER));
    if (!r.ok) return r;
    for (const ring of this.svqs) {
      if (ring.mappedAsid === null) continue;
      r = yield* ring.unmap(this.fd, this.iovaAt(ring.mappedAsid), false);
      if (!r.ok) return r;
    }
    r = yield* this.unmapCvqBuffers(this.cvqAsid);
    this.started = false;
    return r;
  }

  /** vhost_vdpa_svqs_stop for one vhost_dev: each shadowed vq stopped and its ring areas unmapped; its base is the guest's index. */
  private *svqsStop(vqs: readonly number[], bases: VringBase[], batchSmall: boolean): Proc<Result> {
    for (const vq of vqs) {
      if (this.dataPath !== null) {
        const b = this.dataPath.svqStop(vq);
        if (!b.ok) return b;
        bases[vq] = b.value;
      } else {
        bases[vq] = this.vringBases[vq] ?? { lastAvailIdx: 0 };
      }
      const ring = this.svqs[vq]!;
      if (!batchSmall && ring.mappedAsid !== null) {
        const r = yield* ring.unmap(this.fd, this.iovaAt(ring.mappedAsid), false);
        if (!r.ok) return r;
      }
    }
    return { ok: true, value: undefined };
  }

  /** vhost_vdpa_reset_device: SET_STATUS 0, then (QEMU 10.1) the listener unregisters unless the maps are kept. */
  private *resetDevice(): Proc<Result> {
    let r: Result = yield* this.inPhase('reset', this.fd.setStatus(0));
    if (!r.ok) return r;
    this.deviceReset = true;
    if (this.listener.registered && !this.keepsRamMaps) r = yield* this.inPhase('unmap', this.listener.unregister(GUEST_PA_ASID, this.has('IOTLB_BATCH')));
    return r;
  }

  /**
   * vhost_vdpa_get_vring_base on a device that was reset, not suspended: "cannot trust in value
   * returned by device, let vhost recover used idx from guest" — no ioctl; vhost_virtqueue_stop
   * restores the last avail index from the guest's used index (virtio_queue_restore_last_avail_idx),
   * so buffers the device had taken but not used are offered again.
   */
  private *recoverVringBases(vqs: readonly number[], bases: VringBase[]): Proc<Result> {
    for (const vq of vqs) {
      if (this.dataPath === null) {
        bases[vq] = this.vringBases[vq] ?? { lastAvailIdx: 0 };
        continue;
      }
      const b = this.dataPath.recoverBase(vq);
      if (!b.ok) return b;
      bases[vq] = b.value;
    }
    yield 0;
    return { ok: true, value: undefined };
  }

  /** vhost_vdpa_get_vring_base for passthrough vqs: GET_VRING_BASE from the suspended device. */
  private *getVringBases(vqs: readonly number[], bases: VringBase[]): Proc<Result> {
    for (const vq of vqs) {
      const b = yield* this.fd.getVringBase(vq);
      if (!b.ok) return b;
      bases[vq] = b.value;
    }
    return { ok: true, value: undefined };
  }
}
