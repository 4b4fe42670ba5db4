// nicWiring.ts — the machine around one NIC: the guest driver, the source and destination QEMU
// data paths (shadow virtqueues, the CVQ channel) over their devices, the network feeding
// whichever device carries the NIC, and the invariant checks. It routes the guest's kicks and
// the devices' calls for the mode of each start (passthrough: host notifiers straight to the
// device; SVQ: through QEMU), and follows the ring indices across the SVQ switch and switchover.
// Through a long pre-copy pass the workload sleeps except in the pass's last window, and while
// the NIC's device is stopped it is suspended (detailWindows.ts, sim/guest/workload.ts).

import type { Kernel, QueuedEvent, Rng } from '../kernel/index.js';
import type { EventBus } from '../events/events.js';
import type { ResolvedDevice, Scenario } from '../scenario/scenario.js';
import type { AddedDevice } from '../../device/parents/vdpaDevAdd.js';
import type { HostMemory } from '../../device/shared/hostMemory.js';
import { err, ok, OK, type Result } from '../../device/uapi/errno.js';
import type { VringBase } from '../../device/uapi/uapi.js';
import type { NetClient } from '../../vmm/netClient.js';
import type { NetCtrlState } from '../../vmm/cvqState.js';
import type { DirtyRange } from '../../vmm/dirtyLog.js';
import { PAGE_SIZE, type GuestMemory } from '../../vmm/guestMemory.js';
import { ShadowVirtqueue } from '../../vmm/shadowVirtqueue.js';
import { CvqChannelImpl } from '../../vmm/cvqChannel.js';
import { Status } from '../../device/uapi/uapi.js';
import { defaultVmmCosts, type VmmCosts } from '../../vmm/vmmCosts.js';
import type { PrecopyPass } from '../../vmm/precopy.js';
import { GuestNet, nicCommands } from '../guest/virtioNet.js';
import { Workload } from '../guest/workload.js';
import { InvariantLog } from './invariants.js';
import { dormantSpan, observeNs, type DetailMode } from './detailWindows.js';
import { pageFaultWindows, type PageFaultWindows } from './pageFaultWindows.js';

/** One host's side of the NIC as the testbed built it. */
interface NicOnHost {
  dev: AddedDevice;
  net: NetClient;
  /** The host's QEMU process memory. */
  host: HostMemory;
}

export interface NicWiringInput {
  kernel: Kernel;
  bus: EventBus;
  rng: Rng;
  device: ResolvedDevice;
  scenario: Scenario;
  src: NicOnHost;
  dst: NicOnHost;
  ctrl: NetCtrlState;
  memory: GuestMemory;
  costs?: VmmCosts;
  /** A fault is part of the experiment: FaultEvents are not invariant violations. */
  expectFaults?: boolean;
  /** 'windows' (default): detail only in observation windows; 'full': every burst and probe in detail. */
  detail?: DetailMode;
}

export interface NicWiring {
  /** Guest ranges devices wrote, as SVQ saw them, since the previous call. */
  deviceDirty(): Iterable<DirtyRange>;
  onSwitchover(edge: 'sourceStopped' | 'destinationStarted' | 'sourceResumed'): void;
  /** A pre-copy pass starts: sleep through it but for its last window. */
  onPrecopyPass(pass: PrecopyPass): void;
  /** Final checks; the run's invariant counts. */
  finish(): { checked: number; violations: string[] };
  /** The migration ended (done or failed): the traffic stops after a short tail. */
  halt(): void;
  /** Why the NIC's data plane is not running on the host the VM ended on, or null when it is. */
  dataPlaneProblem(): string | null;
  /** A device of this NIC failed: the data plane runs in full detail from now on (sleeping assumes a working device). */
  deviceError(): void;
  /** For tests and traces. */
  readonly guest: GuestNet;
  readonly workload: Workload;
  readonly log: InvariantLog;
  readonly src: HostSide;
  readonly dst: HostSide;
}

/** One host's QEMU data path for the NIC. */
interface HostSide {
  readonly role: 'src' | 'dst';
  readonly dev: AddedDevice;
  readonly net: NetClient;
  readonly host: HostMemory;
  /** One SVQ per vq (the CVQ's carries the channel's hook). */
  readonly svqs: ShadowVirtqueue[];
  readonly channel: CvqChannelImpl;
}

/** Lingering traffic after the destination starts, so the last gap closes. */
export const TAIL_NS = 20_000_000;

const baseOf = (bases: readonly VringBase[], vq: number): VringBase => bases[vq] ?? { lastAvailIdx: 0 };

class NicPath implements NicWiring {
  /** The run's inputs for this NIC. */
  private readonly input: NicWiringInput;
  /** QEMU-side costs (CVQ poll). */
  private readonly costs: VmmCosts;
  /** Virtqueues of the NIC (2 per pair + CVQ) and the CVQ's index. */
  private readonly nvq: number;
  private readonly cvq: number;
  /** Detail only in observation windows (else every burst in detail). */
  private windows: boolean;
  readonly log: InvariantLog;
  readonly guest: GuestNet;
  readonly workload: Workload;
  readonly src: HostSide;
  readonly dst: HostSide;
  /** The side whose device carries the NIC now (null before the first start). */
  private current: HostSide | null = null;
  /** Starts seen per side (0 before the first). */
  private readonly starts = new Map<HostSide, number>();
  /** Pages the device wrote, by buffer start: bounded by the buffer pool. */
  private dirty = new Map<number, number>();
  /** The planned sleep and wake of the current pass. */
  private planned: QueuedEvent[] = [];
  /** DMA faults seen on this NIC's devices. */
  private faults = 0;
  /** When the settle window after the last start on the source ends (-Infinity before one). */
  private settledAt = Number.NEGATIVE_INFINITY;
  /** A page-fault run's sleep rules (pageFaultWindows.ts), else null. */
  private readonly pf: PageFaultWindows | null;

  constructor(input: NicWiringInput) {
    this.input = input;
    const { kernel, memory } = input;
    const d = input.device;
    this.costs = input.costs ?? defaultVmmCosts;
    this.log = new InvariantLog(() => kernel.now);
    this.nvq = 2 * d.queuePairs + 1;
    this.cvq = this.nvq - 1;
    // A source device that fails at a time would meet the replay of a skipped stretch with the
    // rings that replay left, not those of full detail, and the recovery that follows depends on
    // them: such a NIC runs in full detail throughout (the destination's data plane never sleeps).
    const timedSourceError = input.scenario.faults.some((f) => f.kind === 'needsReset' && f.host === 'source' && f.device === d.name);
    this.windows = (input.detail ?? 'windows') === 'windows' && !timedSourceError;
    const violation = (o: string, m: string): void => this.log.violation(o, m);
    this.guest = new GuestNet({
      name: `guest:${d.name}`,
      queuePairs: d.queuePairs,
      queueSize: d.queueSize,
      layout: d.ring,
      inOrder: d.inOrder,
      partialOrder: d.partialOrder,
      vringAddr: (vq) => input.src.net.guestVringAddr(vq),
      memory,
      hosts: [input.src.host, input.dst.host],
      violation,
    });
    this.workload = new Workload({
      kernel,
      bus: input.bus,
      rng: input.rng,
      device: d.name,
      queuePairs: d.queuePairs,
      traffic: input.scenario.workload.traffic,
      probe: input.scenario.workload.probe,
      guest: this.guest,
      wire: { deliver: (vq, count, len, packets, tag) => (this.current === null ? 0 : this.current.dev.port.receive(vq, count, len, packets, tag)) },
      stallDown: () => this.windows && !this.rxEnabling(),
      ...(input.scenario.migration.strategies.pageFaults ? { canSleep: () => this.pf?.canSleep() !== false, tallyBatches: true } : {}),
    });
    // A flow a replay cannot reproduce (bursts that differ, bursts and pings off a common grid) runs in detail.
    if (!this.workload.replayExact) this.windows = false;
    this.pf = pageFaultWindows(input.scenario, this.guest, memory, d.queuePairs, () => this.current, () => this.workload.batchesSteady);
    this.src = this.makeSide('src', input.src);
    this.dst = this.makeSide('dst', input.dst);
    const names = new Set([input.src.dev.name, input.dst.dev.name]);
    input.bus.stream.subscribe((e) => {
      if (e.kind !== 'fault' || !names.has(e.device)) return;
      this.faults++;
      if (!input.expectFaults) this.log.violation(`${e.device} vq${e.vq}`, `DMA fault: ${e.reason}`);
    });
    this.guest.setOnReap((ring) => this.log.usedForward(ring));
  }

  /** QEMU's data path on one host: the CVQ channel, one SVQ per vq, hooked into the net client. */
  private makeSide(role: 'src' | 'dst', nic: NicOnHost): HostSide {
    const { kernel, memory, ctrl } = this.input;
    const { dev, net, host } = nic;
    const violation = (o: string, m: string): void => this.log.violation(o, m);
    const markDirty = (gpa: number, len: number): void => {
      const prev = this.dirty.get(gpa);
      if (prev === undefined || prev < len) this.dirty.set(gpa, len);
    };
    const channel = new CvqChannelImpl({
      name: `${net.cfg.name} cvq`,
      kernel,
      fd: net.fd,
      hostMemory: host,
      ctrl,
      buffers: () => ({ out: net.cvqBufs[0]!, status: net.cvqBufs[1]!, bytes: PAGE_SIZE }),
      gpaToHva: (gpa) => memory.gpaToHva(gpa),
      pollNs: this.costs.cvqPollNs,
      violation,
    });
    const svqs: ShadowVirtqueue[] = [];
    for (let vq = 0; vq < this.nvq; vq++) {
      svqs.push(
        new ShadowVirtqueue({
          vq,
          name: `${net.cfg.name} vq${vq}`,
          guest: this.guest.rings[vq]!,
          fd: net.fd,
          hostMemory: host,
          areas: () => {
            const s = net.svqs[vq]!;
            return { driver: s.hva.driver, driverBytes: net.cfg.svqSizes.driverAreaBytes, device: s.hva.device, deviceBytes: net.cfg.svqSizes.deviceAreaBytes };
          },
          translateAddr: (gpa) => net.listener.iovaOf(gpa),
          notifyGuest: (v) => this.guest.interrupt(v),
          markDirty,
          violation,
          hook: vq === this.cvq ? channel : undefined,
        }),
      );
    }
    channel.bindSvq(svqs[this.cvq]!);
    const side: HostSide = { role, dev, net, host, svqs, channel };
    this.starts.set(side, 0);
    net.attachDataPath(
      {
        started: (svq, cvqShadowed, bases) => this.started(side, svq, cvqShadowed, bases),
        svqStop: (vq) => this.svqStop(side, vq),
        recoverBase: (vq) => this.recoverBase(vq),
        stopping: () => this.stopping(side),
        stopped: () => this.stopped(side),
      },
      channel,
    );
    dev.port.connect({ transmit: (vq, frame) => this.workload.transmitted(vq, frame) });
    return side;
  }

  /**
   * After DRIVER_OK, before any vq is enabled: start the shadow vrings and route notifications.
   * A CVQ that is not shadowed (not isolated, data in passthrough) runs on the guest's ring.
   */
  private started(side: HostSide, svq: boolean, cvqShadowed: boolean, bases: readonly VringBase[]): Result {
    const starts = (this.starts.get(side) ?? 0) + 1;
    this.starts.set(side, starts);
    this.current = side;
    const cvq = this.cvq;
    if (cvqShadowed) {
      const c = side.svqs[cvq]!.start(baseOf(bases, cvq), false);
      if (!c.ok) return c;
    } else {
      this.startPassthrough(side, cvq, bases);
    }
    for (let vq = 0; vq < cvq; vq++) {
      if (svq) {
        const r = side.svqs[vq]!.start(baseOf(bases, vq));
        if (!r.ok) return r;
        this.log.passed();
      } else {
        this.startPassthrough(side, vq, bases);
      }
    }
    this.guest.setNotify(
      svq
        ? (vq) => side.svqs[vq]!.guestKick()
        : (vq) => {
            if (vq === cvq && cvqShadowed) side.svqs[cvq]!.guestKick();
            else side.net.fd.kick(vq);
          },
    );
    if (side.role === 'src' && starts === 1) {
      // Boot: the guest driver runs once the device is up, then configures the NIC (after QEMU's
      // state load when the CVQ is shadowed; at once when the guest drives the device's CVQ itself).
      const d = this.input.device;
      this.guest.resume();
      const configure = (): void => this.guest.configure(nicCommands(d.queuePairs, d.nic));
      if (cvqShadowed) side.channel.setAfterReplay(configure);
      else configure();
      this.workload.start();
    } else {
      this.workload.up();
    }
    if (side.role === 'src') this.settleThenSleep();
    return OK;
  }

  /**
   * After a start on the source the data plane runs in detail for a window W (the guest
   * configures its NIC, the first frames flow), then sleeps until a control step touches the
   * device: the next stop wakes it (stopping), a pre-copy pass or the switchover plans anew.
   */
  private settleThenSleep(): void {
    if (!this.windows || this.pf?.dormancy === false) return;
    const kernel = this.input.kernel;
    const t = this.input.scenario.workload;
    this.unplan();
    const w = observeNs(t.probe?.interval ?? 0, this.workload.burstNs);
    this.settledAt = kernel.now + w;
    this.planned = [kernel.after(w, () => this.workload.sleep())];
  }

  /**
   * The device carrying the NIC runs but has not enabled every RX vq yet (a start's CVQ replay
   * comes first): it refuses frames it will take a moment later, with nothing the workload hears
   * of in between, so a refusal then is no stall. Refused by a full ring, a suspended device or
   * one that needs a reset, frames stay refused until the guest runs or the device stops or starts.
   */
  private rxEnabling(): boolean {
    const v = this.current?.dev.view;
    if (v === undefined || !v.running) return false;
    for (let q = 0; q < this.input.device.queuePairs; q++) if (v.vqs[2 * q]?.ready !== true) return true;
    return false;
  }

  /** A stop of `side`'s device begins (vhost_net_stop): a sleeping data plane wakes to meet it. */
  private stopping(side: HostSide): void {
    if (side !== this.current) return;
    this.unplan();
    this.workload.wake();
  }

  /** Passthrough: the device resumes on the guest's ring itself, at the migrated index. */
  private startPassthrough(side: HostSide, vq: number, bases: readonly VringBase[]): void {
    const ring = this.guest.rings[vq]!;
    const at = ring.getDeviceState().lastAvailIdx;
    const want = baseOf(bases, vq).lastAvailIdx;
    this.log.check(at === want && ring.inflight === 0, `${side.net.cfg.name} vq${vq}`, () => `guest ring device side at ${at} (${ring.inflight} in flight), device resumes at ${want}`);
    if (side.role === 'dst') {
      // The destination device was given the source's index (SET_VRING_BASE), before it runs.
      const srcBase = baseOf(this.input.src.net.vringBases, vq).lastAvailIdx;
      const got = side.dev.view.vqs[vq]!.lastAvailIdx;
      this.log.check(got === srcBase, `${side.dev.name} vq${vq}`, () => `destination resumes at ${got}, source stopped at ${srcBase}`);
    }
    side.net.fd.onCall(vq, (v) => this.guest.interrupt(v));
  }

  /**
   * vhost_svq_stop of one shadowed vq on the suspended device (the CVQ's channel gives up its
   * commands in flight first): the guest ring's index is the vq's base.
   */
  private svqStop(side: HostSide, vq: number): Result<VringBase> {
    if (vq === this.cvq) side.channel.abort();
    const f = side.svqs[vq]!;
    if (!f.active) return err('EIO', `${side.net.cfg.name} vq${vq}: shadow virtqueue not started`);
    const r = f.stop();
    if (!r.ok) return r;
    const ring = this.guest.rings[vq]!;
    if (vq !== this.cvq && !this.log.check(ring.inflight === 0, `${side.net.cfg.name} vq${vq}`, () => `${ring.inflight} guest buffers still in flight after the SVQ stop`)) {
      return err('EIO', `${side.net.cfg.name} vq${vq}: SVQ stop left ${ring.inflight} guest buffers in flight`);
    }
    const st = r.value;
    return ok(st.layout === 'split' ? { lastAvailIdx: st.lastAvailIdx } : { lastAvailIdx: st.lastAvailIdx, availWrap: st.availWrapCounter, lastUsedIdx: st.usedIdx, usedWrap: st.usedWrapCounter });
  }

  /**
   * A passthrough vq whose device was reset instead of suspended: what the device had taken but
   * not used is lost to it, so the guest ring's device side goes back to the used index (QEMU's
   * virtio_queue_restore_last_avail_idx) and those buffers are offered again at the next start.
   */
  private recoverBase(vq: number): Result<VringBase> {
    const ring = this.guest.rings[vq]!;
    const st = ring.getDeviceState();
    if (st.layout !== 'split') return err('EOPNOTSUPP', `vq${vq}: recovering a packed ring's indices from the guest is not modelled`);
    ring.resetDevice();
    const r = ring.setDeviceState({ layout: 'split', lastAvailIdx: st.usedIdx, usedIdx: st.usedIdx });
    if (!r.ok) return r;
    return ok({ lastAvailIdx: st.usedIdx });
  }

  /** Every vring base is known (the device is suspended, not yet reset): passthrough vqs lose their call. */
  private stopped(side: HostSide): Result {
    for (let vq = 0; vq < this.nvq; vq++) {
      if (!side.svqs[vq]!.active) side.net.fd.onCall(vq, null);
    }
    // Until the next start every frame is dropped and every probe lost: no need to play them out.
    if (this.windows) this.workload.down();
    return OK;
  }

  private unplan(): void {
    for (const e of this.planned) this.input.kernel.cancel(e);
    this.planned = [];
  }

  private usedChecks(): void {
    for (const r of this.guest.rings) this.log.usedForward(r);
  }

  deviceDirty(): Iterable<DirtyRange> {
    // A sync reads what SVQ reported: a sleeping data plane first plays what it skipped (a NIC
    // that settled before another NIC's switch ended sleeps through the sync at pre-copy start).
    if (this.workload.mode === 'dormant') this.workload.wake();
    const out: DirtyRange[] = [];
    for (const [gpa, len] of this.dirty) out.push({ gpa, len });
    this.dirty = new Map();
    // A migration without SVQ: what the device's dirty tracking recorded at the source.
    if (this.src.net.trackedDirty) out.push(...this.src.net.trackedDirty());
    return out;
  }

  onPrecopyPass(pass: PrecopyPass): void {
    this.unplan();
    if (!this.windows || this.pf?.dormancy === false) return;
    const kernel = this.input.kernel;
    const t = this.input.scenario.workload;
    const span = dormantSpan(pass, observeNs(t.probe?.interval ?? 0, this.workload.burstNs), this.settledAt);
    if (span === null) return;
    this.planned = [kernel.at(Math.max(kernel.now, span.from), () => this.workload.sleep()), kernel.at(span.to, () => this.workload.wake())];
  }

  onSwitchover(edge: 'sourceStopped' | 'destinationStarted' | 'sourceResumed'): void {
    this.unplan();
    this.workload.wake();
    this.usedChecks();
    if (edge === 'sourceStopped') {
      this.guest.pause();
      return;
    }
    this.guest.resume();
    this.workload.guestRunning();
    this.workload.stopBy(this.input.kernel.now + TAIL_NS);
  }

  halt(): void {
    this.unplan();
    this.workload.wake();
    this.workload.stopBy(this.input.kernel.now + TAIL_NS);
  }

  deviceError(): void {
    this.windows = false;
    this.unplan();
    this.workload.wake();
  }

  dataPlaneProblem(): string | null {
    const side = this.current;
    if (side === null) return `${this.input.device.name}: the data plane never started`;
    const v = side.dev.view;
    if ((v.status & Status.DEVICE_NEEDS_RESET) !== 0) return `${side.dev.name}: the device set DEVICE_NEEDS_RESET and nothing reset it; its data plane stayed down`;
    if (!v.running) return `${side.dev.name}: the data plane is not running (status 0x${v.status.toString(16)}${v.suspended ? ', suspended' : ''})`;
    return null;
  }

  finish(): { checked: number; violations: string[] } {
    const { guest, log } = this;
    const name = this.input.device.name;
    this.usedChecks();
    let outstanding = 0;
    for (let vq = 0; vq < this.nvq; vq++) {
      const ring = guest.rings[vq]!;
      outstanding += ring.outstanding;
      log.check(guest.availableIn(vq) === ring.outstanding, ring.name, () => `${guest.availableIn(vq)} buffers available by the driver's count, ${ring.outstanding} outstanding in the ring`);
    }
    log.check(guest.madeAvailable - guest.usedBack === outstanding, `guest:${name}`, () => `${guest.madeAvailable} made available, ${guest.usedBack} used, ${outstanding} outstanding`);
    log.check(this.input.expectFaults === true || this.faults === 0, `guest:${name}`, () => `${this.faults} DMA faults`);
    return { checked: log.checked, violations: [...log.violations] };
  }
}

/** Wires one NIC of the scenario across both hosts. */
export function wireNic(input: NicWiringInput): NicWiring {
  return new NicPath(input);
}
