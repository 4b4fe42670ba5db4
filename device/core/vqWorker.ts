// vqWorker.ts — the device core's virtqueue worker (vdpa_sim's vdpasim_net_work, generic over
// profiles): on a kick, or when frames arrive from the wire, it reaches the vq's ring through
// the IOTLB of the vq's descriptor group, pops available buffers, DMAs every buffer through the
// IOTLB of the vq's group, pushes them used, publishes and signals the call eventfd. TX buffers
// leave on the wire; RX buffers take frames from the wire (dropped and counted when no buffer is
// available or the vq is not live); the CVQ applies control commands. A translation miss is a
// device fault: DEVICE_NEEDS_RESET, a FaultEvent, and the device stops.

import type { Proc, QueuedEvent } from '../../sim/kernel/index.js';
import { decodeVringBase, encodeVringBase, ringAreaSizes, RingInvariantError, type AvailChain, type BufferDesc, type DeviceRingState, type Virtqueue } from '../shared/ring/index.js';
import { VIRTIO_NET_CTRL_ERR, VIRTIO_NET_CTRL_OK, isCtrlMessage, isCtrlStatus, isFrame, type NetFrame } from '../shared/netBuffers.js';
import { rewindDevice } from '../shared/ring/ringRewind.js';
import type { DeviceCore } from './deviceCore.js';
import type { Iopf } from './iopf.js';
import { VirtioFeature } from '../uapi/uapi.js';

/** Where transmitted frames go (the network the device is attached to). */
export interface WirePort {
  /** A buffer left the device on TX vq `vq`; `frame` is its content when the model knows it. */
  transmit(vq: number, frame: NetFrame | undefined, len: number): void;
}

/** Counters of the worker, for tests and notes. */
export interface DataPlaneStats {
  txFrames: number;
  rxFrames: number;
  /** Frames that arrived while the RX vq was not live or had no buffer. */
  rxDropped: number;
  cvqCommands: number;
}

/** Worker state of one vq. */
interface VqEngine {
  /** The ring reached through the vq's addresses at the last access; null until then. */
  ring: Virtqueue | null;
  /** SET_VRING_BASE or a reset happened: resume the ring at the vq's indices at the next access. */
  restore: boolean;
  /** Call eventfd handler (SET_VRING_CALL), null when nobody listens. */
  call: ((vq: number) => void) | null;
  /** A kick is waiting to be processed (CVQ: commands take time). */
  kicked: QueuedEvent | null;
  /** The vq is being processed now (a kick meanwhile makes it go round again). */
  busy: boolean;
  /** A kick arrived while busy. */
  again: boolean;
  /** Host addresses the three areas translated to when `ring` was found there. */
  hvaDesc: number;
  hvaDriver: number;
  hvaDevice: number;
}

/** Device-side network state the CVQ commands change. */
export interface DeviceNetState {
  /** Active queue pairs (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET). */
  queuePairs: number;
  /** VLAN ids in the filter. */
  vlans: Set<number>;
  /** Commands applied since the last reset. */
  applied: number;
}

/** At most this many buffers per vq per pass (a burst per kick, as hardware does). */
const BURST = 256;

export class VqWorker {
  /** The device this worker belongs to. */
  private readonly dev: DeviceCore;
  /** Per-vq worker state. */
  private readonly q: VqEngine[];
  /** Where TX frames go; null drops them. */
  private wire: WirePort | null = null;
  /** Counters. */
  readonly stats: DataPlaneStats = { txFrames: 0, rxFrames: 0, rxDropped: 0, cvqCommands: 0 };
  /** Device network state (reset with the device). */
  private net: DeviceNetState;
  /** The CVQ commands being processed (they complete after cvqCommandNs each). */
  private cvqPending: QueuedEvent | null = null;
  /** Bound processing callback (one per worker, not per kick). */
  private readonly runKick = (vq: unknown): void => this.process(vq as number);
  /** The device's page-fault engine (capabilities.pageFaults), else null. */
  private iopf: Iopf | null = null;

  constructor(dev: DeviceCore) {
    this.dev = dev;
    this.q = Array.from({ length: dev.nvqs }, () => ({ ring: null, restore: true, call: null, kicked: null, busy: false, again: false, hvaDesc: -1, hvaDriver: -1, hvaDevice: -1 }));
    this.net = { queuePairs: 1, vlans: new Set(), applied: 0 };
  }

  /** Gives the worker the device's page-fault engine: RX writes to pages not resident fault instead of failing. */
  attachIopf(iopf: Iopf): void {
    this.iopf = iopf;
  }

  /** Waits for the outstanding page faults to complete (a suspend), taking no new buffer meanwhile. */
  *drainFaults(): Proc<void> {
    if (this.iopf !== null) yield* this.iopf.drain();
  }

  /** A resume: buffers are taken again after the drain of a suspend. */
  resumeFaults(): void {
    this.iopf?.resumeIntake();
  }

  /** Connects the device's network port: where transmitted frames go. */
  connect(wire: WirePort | null): void {
    this.wire = wire;
  }

  /** The device's network state as the CVQ commands left it. */
  get netState(): Readonly<DeviceNetState> {
    return this.net;
  }

  /** Loads a network state restored from elsewhere (virtio 1.4 DEV_PARTS_SET at a migration's destination). */
  loadNetState(queuePairs: number, vlans: readonly number[]): void {
    this.net = { queuePairs, vlans: new Set(vlans), applied: this.net.applied };
  }

  /** True for an RX vq (even indices below the CVQ). */
  isRx(vq: number): boolean {
    return vq < this.dev.cvqIndex && vq % 2 === 0;
  }

  // ---- eventfds ----

  /**
   * The kick eventfd was written. TX is processed at once (a kick during processing makes it go
   * round again); the CVQ is processed from an event (its commands take time).
   */
  kick(vq: number): void {
    if (!this.dev.validVq(vq) || this.isRx(vq)) {
      // RX buffers are consumed when frames arrive; a kick only says new buffers are there.
      return;
    }
    const e = this.q[vq]!;
    if (vq === this.dev.cvqIndex) {
      if (e.kicked === null) e.kicked = this.dev.kernel.after(0, this.runKick, vq);
      return;
    }
    if (e.busy) {
      e.again = true;
      return;
    }
    e.busy = true;
    try {
      do {
        e.again = false;
        this.process(vq);
      } while (e.again);
    } finally {
      e.busy = false;
    }
  }

  /** Sets the handler signalled through the vq's call eventfd. */
  setCall(vq: number, handler: ((vq: number) => void) | null): void {
    if (this.dev.validVq(vq)) this.q[vq]!.call = handler;
  }

  // ---- lifecycle, from the ops ----

  /** Reset: device-private ring state is dropped and the next start resumes at the set base. */
  reset(): void {
    this.iopf?.reset();
    for (const e of this.q) {
      e.ring?.resetDevice();
      e.ring = null;
      e.restore = true;
      if (e.kicked !== null) this.dev.kernel.cancel(e.kicked);
      e.kicked = null;
    }
    this.abortCvq();
    this.net = { queuePairs: 1, vlans: new Set(), applied: 0 };
  }

  /** SET_VRING_BASE: resume at the new indices at the next access. */
  baseSet(vq: number): void {
    if (!this.dev.validVq(vq)) return;
    this.q[vq]!.restore = true;
  }

  /** SET_VRING_ADDR: the ring must be found again. */
  addrSet(vq: number): void {
    if (!this.dev.validVq(vq)) return;
    this.q[vq]!.ring = null;
  }

  /** SUSPEND: nothing new completes; commands in progress give their buffers back. */
  suspended(): void {
    this.abortCvq();
  }

  /** A vq may have become live (DRIVER_OK, enable, resume): look at its ring as a kick would. */
  maybeLive(vq: number): void {
    if (this.dev.vqLive(vq)) {
      if (this.isRx(vq)) this.reach(vq);
      else this.kick(vq);
    }
  }

  /** After DRIVER_OK or a resume, enabled vqs with work pending are processed. */
  allMaybeLive(): void {
    for (let vq = 0; vq < this.dev.nvqs; vq++) this.maybeLive(vq);
  }

  // ---- ring access ----

  /** Emits a device fault not raised by an IOTLB translation (a ring the device cannot use). */
  private fault(vq: number, iova: number, reason: string): void {
    const dev = this.dev;
    dev.markNeedsReset();
    dev.bus.emit({ kind: 'fault', t: dev.kernel.now, device: dev.name, vq, asid: dev.asidFor(vq, 'desc'), iova, access: 'read', reason });
  }

  /**
   * Reaches the vq's ring: the three areas through the descriptor group's IOTLB, then the ring
   * object placed at those host addresses; applies a pending base. Null when not live or faulted.
   */
  private reach(vq: number): Virtqueue | null {
    const dev = this.dev;
    if (!dev.vqLive(vq)) return null;
    const s = dev.vqs[vq]!;
    const layout = dev.packed ? 'packed' : 'split';
    const sizes = ringAreaSizes(layout, s.num);
    const d = dev.dmaAddr(vq, 'desc', s.desc, sizes.descArea, 'read');
    if (d < 0) return null;
    const a = dev.dmaAddr(vq, 'driver', s.driver, sizes.driverArea, 'read');
    if (a < 0) return null;
    const u = dev.dmaAddr(vq, 'device', s.device, sizes.deviceArea, 'write');
    if (u < 0) return null;
    const e = this.q[vq]!;
    if (e.ring !== null && !e.restore && e.hvaDesc === d && e.hvaDriver === a && e.hvaDevice === u) return e.ring;
    const mem = dev.hostMemory;
    const ring = mem.objAt<Virtqueue>(d);
    if (ring === undefined || typeof ring.popAvail !== 'function' || mem.objAt(a) !== ring || mem.objAt(u) !== ring) {
      this.fault(vq, s.desc, `no ${layout} ring of vq ${vq} at the addresses set by SET_VRING_ADDR`);
      return null;
    }
    if (ring.num !== s.num || ring.layout !== layout) {
      this.fault(vq, s.desc, `vq ${vq}: ring ${ring.name} is ${ring.layout}/${ring.num}, device expects ${layout}/${s.num}`);
      return null;
    }
    if (e.ring !== ring || e.restore) {
      if (e.restore) {
        const state: DeviceRingState = decodeVringBase(layout, encodeVringBase(this.vqState(vq, layout)));
        ring.resetDevice();
        const r = ring.setDeviceState(state);
        if (!r.ok) {
          this.fault(vq, s.desc, `vq ${vq}: cannot resume ${ring.name} at the vring base: ${r.reason}`);
          return null;
        }
        e.restore = false;
      }
      e.ring = ring;
    }
    e.hvaDesc = d;
    e.hvaDriver = a;
    e.hvaDevice = u;
    return ring;
  }

  /** The vq's indices as SET_VRING_BASE left them. */
  private vqState(vq: number, layout: 'split' | 'packed'): DeviceRingState {
    const s = this.dev.vqs[vq]!;
    if (layout === 'split') return { layout, lastAvailIdx: s.lastAvailIdx & 0xffff, usedIdx: s.lastAvailIdx & 0xffff };
    return { layout, lastAvailIdx: s.lastAvailIdx, availWrapCounter: s.availWrap, usedIdx: s.lastUsedIdx, usedWrapCounter: s.usedWrap };
  }

  /** Publishes used entries, records the published position (GET_VRING_BASE) and signals the call. */
  private publish(vq: number, ring: Virtqueue): void {
    const interrupt = ring.flushUsed();
    const st = ring.getDeviceState();
    if (st.layout === 'packed') {
      this.dev.setVqIndices(vq, st.lastAvailIdx, st.usedIdx, st.availWrapCounter, st.usedWrapCounter);
    } else {
      this.dev.setVqIndices(vq, st.lastAvailIdx, st.usedIdx);
    }
    if (interrupt) this.q[vq]!.call?.(vq);
  }

  /** DMA of every descriptor of a chain; false after a fault. Returns the HVA of the first one. */
  private dmaChain(vq: number, descs: readonly BufferDesc[], write: boolean): number {
    let first = -1;
    for (let i = 0; i < descs.length; i++) {
      const dsc = descs[i]!;
      if (dsc.write !== write) continue;
      const r = this.dev.dmaAddr(vq, 'buffer', dsc.addr, dsc.len, write ? 'write' : 'read');
      if (r < 0) return -2;
      if (first < 0) first = r;
    }
    return first;
  }

  // ---- processing ----

  /** A kicked TX vq or the CVQ. */
  private process(vq: number): void {
    this.q[vq]!.kicked = null;
    try {
      if (vq === this.dev.cvqIndex) this.startCvq();
      else this.transmit(vq);
    } catch (e) {
      if (!(e instanceof RingInvariantError)) throw e;
      this.fault(vq, 0, e.message);
    }
  }

  /** TX: every available buffer leaves on the wire. */
  private transmit(vq: number): void {
    // A worker inside a page fault (or a suspend waiting for one) takes no buffer: the fault's end looks again.
    if (this.iopf !== null && this.iopf.blocked(vq)) return;
    const ring = this.reach(vq);
    if (ring === null) return;
    const mem = this.dev.hostMemory;
    let n = 0;
    for (;;) {
      if (n === BURST) {
        // Bounded work per pass; the rest on the next one.
        this.q[vq]!.again = true;
        break;
      }
      const c = ring.popAvail();
      if (c === null) break;
      const hva = this.dmaChain(vq, c.descs, false);
      if (hva === -2) return;
      let len = 0;
      for (const d of c.descs) if (!d.write) len += d.len;
      const frame = hva >= 0 ? mem.objAt(hva) : undefined;
      const r = ring.pushUsed(c.head, 0);
      if (!r.ok) throw new RingInvariantError(ring.name, r.reason);
      this.stats.txFrames++;
      n++;
      this.wire?.transmit(vq, isFrame(frame) ? frame : undefined, len);
    }
    if (n > 0) this.publish(vq, ring);
  }

  /**
   * Frames from the wire for RX vq `vq`: `count` buffers of `len` bytes, each carrying `packets`
   * packets, tagged `tag`. Returns how many were received (the rest are dropped and counted).
   */
  receive(vq: number, count: number, len: number, packets: number, tag: number): number {
    let got = 0;
    try {
      got = this.receiveInto(vq, count, len, packets, tag);
    } catch (e) {
      if (!(e instanceof RingInvariantError)) throw e;
      this.fault(vq, 0, e.message);
    }
    this.stats.rxDropped += count - got;
    return got;
  }

  private receiveInto(vq: number, count: number, len: number, packets: number, tag: number): number {
    const ring = this.reach(vq);
    if (ring === null) return 0;
    const mem = this.dev.hostMemory;
    const pf = this.iopf;
    let got = 0;
    while (got < count) {
      // A vq stopped behind a page fault (or a suspend waiting for one) takes no buffer.
      if (pf !== null && pf.blocked(vq)) break;
      const c = ring.popAvail();
      if (c === null) break;
      const n = Math.min(len, c.writeLen);
      const hva = this.dmaChain(vq, c.descs, true);
      if (hva === -2) {
        if (got > 0) this.publish(vq, ring);
        return got;
      }
      const frame = hva >= 0 ? mem.objAt(hva) : undefined;
      if (isFrame(frame)) {
        frame.tag = tag;
        frame.packets = packets;
        frame.len = n;
      }
      if (pf !== null && pf.active && this.faultRx(pf, vq, ring, c, n)) {
        got++;
        continue;
      }
      const r = ring.pushUsed(c.head, n);
      if (!r.ok) throw new RingInvariantError(ring.name, r.reason);
      got++;
    }
    this.stats.rxFrames += got;
    if (got > 0) this.publish(vq, ring);
    return got;
  }

  /**
   * Page faults (device/core/iopf.ts): when the first `n` bytes of an RX buffer land on pages that
   * are not resident, the device holds the frame and raises a fault; the buffer is used when its
   * page response arrives. With PARTIAL_ORDER the vq goes on with later buffers meanwhile (used
   * out of order; the ring sets FLUSH again once the device has caught up); without it the vq
   * stops behind the fault. False when nothing needs faulting in.
   */
  private faultRx(pf: Iopf, vq: number, ring: Virtqueue, c: AvailChain, n: number): boolean {
    const ranges: [number, number][] = [];
    let pages = 0;
    let left = n;
    for (const d of c.descs) {
      if (!d.write || left <= 0) continue;
      const len = Math.min(d.len, left);
      left -= len;
      const t = this.dev.dma(vq, 'buffer', d.addr, len, 'write');
      if (!t.ok) return false;
      const p = pf.pagesToFault(t.value, len);
      if (p > 0) {
        ranges.push([t.value, len]);
        pages += p;
      }
    }
    if (pages === 0) return false;
    const partial = (this.dev.driverFeatures & (1n << BigInt(VirtioFeature.PARTIAL_ORDER))) !== 0n;
    pf.raise(vq, ranges, pages, partial ? 'outOfOrder' : 'stall', () => this.usedAfterFault(vq, ring, c.head, n));
    return true;
  }

  /** The page response of a held RX buffer arrived: it is used and published. */
  private usedAfterFault(vq: number, ring: Virtqueue, head: number, n: number): void {
    try {
      const r = ring.pushUsed(head, n);
      if (!r.ok) throw new RingInvariantError(ring.name, r.reason);
      this.publish(vq, ring);
    } catch (e) {
      if (!(e instanceof RingInvariantError)) throw e;
      this.fault(vq, 0, e.message);
    }
    // A `va` worker is free again: the TX buffers made available meanwhile go now.
    if (this.iopf?.mode === 'va' && !this.iopf.blocked(vq)) {
      for (let q = 1; q < this.dev.cvqIndex; q += 2) this.maybeLive(q);
    }
  }

  /** CVQ: pop every command; they complete together after cvqCommandNs each. */
  private startCvq(): void {
    if (this.cvqPending !== null) return;
    const vq = this.dev.cvqIndex;
    const ring = this.reach(vq);
    if (ring === null) return;
    const chains: AvailChain[] = [];
    for (let c = ring.popAvail(); c !== null; c = ring.popAvail()) chains.push(c);
    if (chains.length === 0) return;
    const cost = chains.length * this.dev.costs.cvqCommandNs;
    this.cvqPending = this.dev.kernel.after(cost, () => {
      this.cvqPending = null;
      try {
        this.completeCvq(ring, chains);
      } catch (e) {
        if (!(e instanceof RingInvariantError)) throw e;
        this.fault(vq, 0, e.message);
      }
    });
  }

  private completeCvq(ring: Virtqueue, chains: readonly AvailChain[]): void {
    const vq = this.dev.cvqIndex;
    if (!this.dev.vqLive(vq)) return;
    const mem = this.dev.hostMemory;
    for (const c of chains) {
      const out = this.dmaChain(vq, c.descs, false);
      if (out === -2) return;
      const inn = this.dmaChain(vq, c.descs, true);
      if (inn === -2) return;
      const msg = out >= 0 ? mem.objectAt(out) : undefined;
      const status = inn >= 0 ? mem.objectAt(inn) : undefined;
      // An injected fault NACKs the command (the device answers VIRTIO_NET_ERR, its state unchanged).
      const nack = this.dev.faults.hit('cvqCommand', this.dev.name) !== null;
      const ack = !nack && msg !== undefined && msg.offset === 0 && isCtrlMessage(msg.obj) ? this.applyCtrl(msg.obj.command) : VIRTIO_NET_CTRL_ERR;
      if (status !== undefined && status.offset === 0 && isCtrlStatus(status.obj)) status.obj.ack = ack;
      this.stats.cvqCommands++;
      const r = ring.pushUsed(c.head, inn >= 0 ? 1 : 0);
      if (!r.ok) throw new RingInvariantError(ring.name, r.reason);
    }
    this.publish(vq, ring);
    if (ring.hasAvail()) this.kick(vq);
  }

  /** Commands popped but not completed go back to the ring (suspend, reset). */
  private abortCvq(): void {
    if (this.cvqPending === null) return;
    this.dev.kernel.cancel(this.cvqPending);
    this.cvqPending = null;
    const vq = this.dev.cvqIndex;
    const ring = this.q[vq]!.ring;
    if (ring === null) return;
    const r = rewindDevice(ring);
    if (!r.ok) {
      this.fault(vq, 0, `vq ${vq}: cannot give back unfinished commands: ${r.reason}`);
      return;
    }
    this.dev.setVqIndices(vq, ring.getDeviceState().lastAvailIdx, this.dev.vqs[vq]!.lastUsedIdx);
  }

  /** Applies one control command to the device's state; returns the ack. */
  private applyCtrl(c: { readonly cls: string; readonly cmd: string; readonly [field: string]: unknown }): number {
    const n = this.net;
    if (c.cls === 'mq' && c.cmd === 'vqPairsSet') {
      const pairs = c.pairs;
      if (typeof pairs !== 'number' || pairs < 1 || pairs > this.dev.queuePairs) return VIRTIO_NET_CTRL_ERR;
      n.queuePairs = pairs;
    } else if (c.cls === 'vlan') {
      const vid = c.vid;
      if (typeof vid !== 'number' || vid < 0 || vid > 4095) return VIRTIO_NET_CTRL_ERR;
      if (c.cmd === 'add') n.vlans.add(vid);
      else n.vlans.delete(vid);
    } else if (!['mac', 'mq', 'rx', 'offloads'].includes(c.cls)) {
      return VIRTIO_NET_CTRL_ERR;
    }
    n.applied++;
    return VIRTIO_NET_CTRL_OK;
  }
}

