// dataPlaneWiring.ts — the machine around one NIC: the guest driver, the source and destination
// QEMU data paths (SVQ forwarders, the CVQ channel) over their devices, the network feeding
// whichever device carries the NIC, and the invariant checks. It routes the guest's kicks and
// the devices' calls for the mode of each start (passthrough: host notifiers straight to the
// device; SVQ: through QEMU), and follows the ring indices across the SVQ switch and switchover.
// Through a long pre-copy pass the workload sleeps except in the pass's last window, and while
// the NIC's device is stopped it is suspended (vmm/detailWindows.ts, vmm/workload.ts).

import type { Kernel, Rng } from './kernel/index.js';
import type { EventBus } from './events.js';
import type { ResolvedDevice, Scenario } from './scenario/scenario.js';
import type { VdpaDevice } from '../device/vdpaDevice.js';
import type { HostMemory } from '../device/hostMemory.js';
import { err, OK, type Result } from '../device/errno.js';
import type { VringBase } from '../device/uapi.js';
import type { VhostVdpaNet } from '../vmm/vhostVdpaNet.js';
import type { NetCtrlState } from '../vmm/cvqState.js';
import type { DirtyRange } from '../vmm/dirtyLog.js';
import { PAGE_SIZE, type GuestMemory } from '../vmm/guestMemory.js';
import { GuestNet, guestNicFootprint, nicCommands, type NicConfig } from '../vmm/guestNet.js';
import { SvqForwarder } from '../vmm/svqForwarder.js';
import { CvqChannelImpl } from '../vmm/cvqChannel.js';
import { Workload } from '../vmm/workload.js';
import { InvariantLog } from '../vmm/invariants.js';
import { defaultVmmCosts, type VmmCosts } from '../vmm/vmmCosts.js';
import type { PrecopyPass } from '../vmm/precopy.js';
import { dormantSpan, observeNs, type DetailMode } from '../vmm/detailWindows.js';
import type { QueuedEvent } from './kernel/index.js';

export interface DataPlaneInput {
  kernel: Kernel;
  bus: EventBus;
  rng: Rng;
  device: ResolvedDevice;
  scenario: Scenario;
  src: { dev: VdpaDevice; net: VhostVdpaNet };
  dst: { dev: VdpaDevice; net: VhostVdpaNet };
  srcHost: HostMemory;
  dstHost: HostMemory;
  ctrl: NetCtrlState;
  memory: GuestMemory;
  costs?: VmmCosts;
  /** A fault is part of the experiment: FaultEvents are not invariant violations. */
  expectFaults?: boolean;
  /** 'windows' (default): detail only in observation windows; 'full': every burst and probe in detail. */
  detail?: DetailMode;
}

export interface DataPlane {
  /** Guest ranges devices wrote, as SVQ saw them, since the previous call. */
  deviceDirty(): Iterable<DirtyRange>;
  onSwitchover(edge: 'sourceStopped' | 'destinationStarted'): void;
  /** A pre-copy pass starts: sleep through it but for its last window. */
  onPrecopyPass(pass: PrecopyPass): void;
  /** Final checks; the run's invariant counts. */
  finish(): { checked: number; violations: string[] };
  /** The migration ended (done or failed): the traffic stops after a short tail. */
  halt(): void;
  /** For tests and traces. */
  readonly guest: GuestNet;
  readonly workload: Workload;
  readonly log: InvariantLog;
  readonly src: HostSide;
  readonly dst: HostSide;
}

/** One host's QEMU data path for the NIC. */
export interface HostSide {
  readonly role: 'src' | 'dst';
  readonly dev: VdpaDevice;
  readonly net: VhostVdpaNet;
  readonly host: HostMemory;
  /** One SVQ per vq (the CVQ's carries the channel's hook). */
  readonly svqs: SvqForwarder[];
  readonly channel: CvqChannelImpl;
  /** Starts seen (0 before the first). */
  starts: number;
}

/** Lingering traffic after the destination starts, so the last gap closes. */
const TAIL_NS = 20_000_000;

export function attachDataPlane(input: DataPlaneInput): DataPlane {
  const { kernel, bus, memory, ctrl } = input;
  const d = input.device;
  const costs = input.costs ?? defaultVmmCosts;
  const log = new InvariantLog(() => kernel.now);
  const violation = (o: string, m: string): void => log.violation(o, m);
  const nvq = 2 * d.queuePairs + 1;
  const cvq = nvq - 1;
  const nic = (d as { nic?: NicConfig }).nic;

  // The NICs' rings and buffers sit one after the other in low RAM, in scenario order.
  let ringGpa = 0x100000;
  for (const other of input.scenario.devices) {
    if (other === d || other.name === d.name) break;
    ringGpa += guestNicFootprint(other.queuePairs, other.queueSize, other.ring);
  }
  input.src.net.guestRingGpa = ringGpa;
  input.dst.net.guestRingGpa = ringGpa;

  const guest = new GuestNet({
    name: `guest:${d.name}`,
    queuePairs: d.queuePairs,
    queueSize: d.queueSize,
    layout: d.ring,
    inOrder: d.inOrder,
    partialOrder: d.partialOrder,
    vringAddr: (vq) => input.src.net.guestVringAddr(vq),
    memory,
    hosts: [input.srcHost, input.dstHost],
    violation,
  });

  // Pages the device wrote, by buffer start: bounded by the buffer pool.
  let dirty = new Map<number, number>();
  const markDirty = (gpa: number, len: number): void => {
    const prev = dirty.get(gpa);
    if (prev === undefined || prev < len) dirty.set(gpa, len);
  };

  let current: HostSide | null = null;
  const workload = new Workload({
    kernel,
    bus,
    rng: input.rng,
    device: d.name,
    queuePairs: d.queuePairs,
    traffic: input.scenario.workload.traffic,
    probe: input.scenario.workload.probe,
    guest,
    wire: { deliver: (vq, count, len, packets, tag) => (current === null ? 0 : current.dev.dataPlane.receive(vq, count, len, packets, tag)) },
  });

  const makeSide = (role: 'src' | 'dst', dev: VdpaDevice, net: VhostVdpaNet, host: HostMemory): HostSide => {
    const channel = new CvqChannelImpl({
      name: `${net.cfg.name} cvq`,
      kernel,
      fd: net.fd,
      hostMemory: host,
      ctrl,
      buffers: () => ({ out: net.cvqBufs[0], status: net.cvqBufs[1], bytes: PAGE_SIZE }),
      gpaToHva: (gpa) => memory.gpaToHva(gpa),
      pollNs: costs.cvqPollNs,
      violation,
    });
    const svqs: SvqForwarder[] = [];
    for (let vq = 0; vq < nvq; vq++) {
      svqs.push(
        new SvqForwarder({
          vq,
          name: `${net.cfg.name} vq${vq}`,
          guest: guest.rings[vq],
          fd: net.fd,
          hostMemory: host,
          areas: () => {
            const s = net.svqs[vq];
            return { driver: s.hva.driver, driverBytes: net.cfg.svqSizes.driverAreaBytes, device: s.hva.device, deviceBytes: net.cfg.svqSizes.deviceAreaBytes };
          },
          translateAddr: (gpa) => net.listener.iovaOf(gpa),
          notifyGuest: (v) => guest.interrupt(v),
          markDirty,
          violation,
          hook: vq === cvq ? channel : undefined,
        }),
      );
    }
    channel.svq = svqs[cvq];
    const side: HostSide = { role, dev, net, host, svqs, channel, starts: 0 };
    net.cvqChannel = channel;
    net.dataPath = { started: (svq, bases) => started(side, svq, bases), stopped: (bases) => stopped(side, bases) };
    dev.dataPlane.wire = { transmit: (vq, frame) => workload.transmitted(vq, frame) };
    return side;
  };

  const baseOf = (bases: readonly VringBase[], vq: number): VringBase => bases[vq] ?? { lastAvailIdx: 0 };

  /** After DRIVER_OK, before any vq is enabled: build the shadow vrings and route notifications. */
  const windows = (input.detail ?? 'windows') === 'windows';
  /** The planned sleep and wake of the current pass. */
  let planned: QueuedEvent[] = [];
  const unplan = (): void => {
    for (const e of planned) kernel.cancel(e);
    planned = [];
  };

  const started = (side: HostSide, svq: boolean, bases: readonly VringBase[]): Result => {
    side.starts++;
    current = side;
    const c = side.svqs[cvq].start(baseOf(bases, cvq), false);
    if (!c.ok) return c;
    for (let vq = 0; vq < cvq; vq++) {
      if (svq) {
        const r = side.svqs[vq].start(baseOf(bases, vq));
        if (!r.ok) return r;
        log.checked++;
      } else {
        // Passthrough: the device resumes on the guest's ring itself, at the migrated index.
        const ring = guest.rings[vq];
        const at = ring.getDeviceState().lastAvailIdx;
        const want = baseOf(bases, vq).lastAvailIdx;
        log.check(at === want && ring.inflight === 0, `${side.net.cfg.name} vq${vq}`, () => `guest ring device side at ${at} (${ring.inflight} in flight), device resumes at ${want}`);
        if (side.role === 'dst') {
          // The destination device was given the source's index (SET_VRING_BASE), before it runs.
          const srcBase = baseOf(input.src.net.vringBases, vq).lastAvailIdx;
          const got = side.dev.vqs[vq].lastAvailIdx;
          log.check(got === srcBase, `${side.dev.name} vq${vq}`, () => `destination resumes at ${got}, source stopped at ${srcBase}`);
        }
        side.net.fd.onCall(vq, (v) => guest.interrupt(v));
      }
    }
    guest.notify = svq
      ? (vq) => side.svqs[vq].guestKick()
      : (vq) => {
          if (vq === cvq) side.svqs[cvq].guestKick();
          else side.net.fd.kick(vq);
        };
    if (side.role === 'src' && side.starts === 1) {
      // Boot: the guest driver runs once the device is up, then configures the NIC.
      guest.resume();
      side.channel.afterReplay = () => guest.configure(nicCommands(d.queuePairs, nic));
      workload.start();
    } else {
      workload.up();
    }
    return OK;
  };

  /** After the vring bases were read from the suspended device, before its reset. */
  const stopped = (side: HostSide, bases: readonly VringBase[]): Result => {
    side.channel.abort();
    for (let vq = 0; vq < nvq; vq++) {
      const f = side.svqs[vq];
      if (!f.active) {
        side.net.fd.onCall(vq, null);
        continue;
      }
      const r = f.stop();
      if (!r.ok) return r;
      if (vq === cvq) continue;
      const at = r.value.lastAvailIdx;
      const want = baseOf(bases, vq).lastAvailIdx;
      if (!log.check(at === want, `${side.net.cfg.name} vq${vq}`, () => `guest ring given back at ${at}, device vring base ${want}`)) {
        return err('EIO', `${side.net.cfg.name} vq${vq}: SVQ stop left the guest ring at ${at}, the device at ${want}`);
      }
    }
    // Until the next start every frame is dropped and every probe lost: no need to play them out.
    if (windows) workload.down();
    return OK;
  };

  const src = makeSide('src', input.src.dev, input.src.net, input.srcHost);
  const dst = makeSide('dst', input.dst.dev, input.dst.net, input.dstHost);

  let faults = 0;
  const names = new Set([input.src.dev.name, input.dst.dev.name]);
  bus.stream.subscribe((e) => {
    if (e.kind !== 'fault' || !names.has(e.device)) return;
    faults++;
    if (!input.expectFaults) log.violation(`${e.device} vq${e.vq}`, `DMA fault: ${e.reason}`);
  });

  guest.onReap = (ring) => log.usedForward(ring);
  const usedChecks = (): void => {
    for (const r of guest.rings) log.usedForward(r);
  };

  return {
    guest,
    workload,
    log,
    src,
    dst,
    deviceDirty(): Iterable<DirtyRange> {
      const out: DirtyRange[] = [];
      for (const [gpa, len] of dirty) out.push({ gpa, len });
      dirty = new Map();
      return out;
    },
    onPrecopyPass(pass): void {
      unplan();
      if (!windows) return;
      const t = input.scenario.workload;
      const span = dormantSpan(pass, observeNs(t.probe?.interval ?? 0, workload.burstNs));
      if (span === null) return;
      planned = [kernel.at(Math.max(kernel.now, span.from), () => workload.sleep()), kernel.at(span.to, () => workload.wake())];
    },
    onSwitchover(edge): void {
      unplan();
      workload.wake();
      usedChecks();
      if (edge === 'sourceStopped') {
        guest.pause();
        return;
      }
      guest.resume();
      workload.stopBy(kernel.now + TAIL_NS);
    },
    halt(): void {
      unplan();
      workload.wake();
      workload.stopBy(kernel.now + TAIL_NS);
    },
    finish() {
      usedChecks();
      let outstanding = 0;
      for (let vq = 0; vq < nvq; vq++) {
        const ring = guest.rings[vq];
        outstanding += ring.outstanding;
        log.check(guest.availableIn(vq) === ring.outstanding, ring.name, () => `${guest.availableIn(vq)} buffers available by the driver's count, ${ring.outstanding} outstanding in the ring`);
      }
      log.check(guest.madeAvailable - guest.usedBack === outstanding, `guest:${d.name}`, () => `${guest.madeAvailable} made available, ${guest.usedBack} used, ${outstanding} outstanding`);
      log.check(input.expectFaults === true || faults === 0, `guest:${d.name}`, () => `${faults} DMA faults`);
      return { checked: log.checked, violations: [...log.violations] };
    },
  };
}
