// workload.ts — the traffic around one NIC: bulk traffic per queue pair (RX from the wire into
// the device, TX from the guest) in bursts every BURST_NS, and a probe flow — a ping from the
// wire on RX queue 0 every interval, answered by the guest on TX queue 0; a reply leaving the
// device is a delivered probe, a ping the device could not take is a lost one. The observed
// downtime is the longest gap between delivered probes (metrics/recorder.ts).

import type { Kernel, Rng } from '../sim/kernel/index.js';
import type { EventBus } from '../sim/events.js';
import type { NetFrame } from '../device/netBuffers.js';
import { GUEST_BUFFER_BYTES, type GuestNet } from './guestNet.js';

/** Shortest burst period of the bulk traffic. */
export const BURST_NS = 100_000;
/** Work items per direction a burst aims to carry (bounded work per burst, few bursts). */
const ITEMS_PER_BURST = 4;
/** Longest burst period (a slow flow still moves every millisecond). */
export const MAX_BURST_NS = 1_000_000;
/** Bytes of a probe ping and of its reply (ICMP echo over Ethernet). */
export const PROBE_BYTES = 98;

/** The network side of the device currently carrying the NIC (the machine switches it at switchover). */
export interface WireIn {
  /** Frames for RX vq `vq`; returns how many the device took. */
  deliver(vq: number, count: number, len: number, packets: number, tag: number): number;
}

export interface WorkloadConfig {
  kernel: Kernel;
  bus: EventBus;
  rng: Rng;
  /** Device name in ProbeEvents. */
  device: string;
  queuePairs: number;
  traffic: { packetsPerSecond: number; packetSize: number; rxFraction: number } | null;
  probe: { interval: number } | null;
  guest: GuestNet;
  wire: WireIn;
}

export class Workload {
  /** Static configuration. */
  private readonly cfg: WorkloadConfig;
  /** Fractional RX and TX packets carried to the next burst, per queue pair. */
  private readonly rxAcc: Float64Array;
  private readonly txAcc: Float64Array;
  /** Packets in one work item (one pool buffer). */
  private readonly perItem: number;
  /** Running (between start and stop). */
  private active = false;
  /** Simulated time after which nothing more is generated. */
  private endAt = Number.POSITIVE_INFINITY;
  /** Next probe sequence number. */
  private nextProbe = 1;
  /** Probes sent and delivered. */
  probesSent = 0;
  probesDelivered = 0;
  /** Pings the guest answered, by tag, awaiting the reply on the wire. */
  private readonly answered = new Set<number>();
  /** Bulk frames dropped: RX at the device, TX in the guest (no buffer or ring slot). */
  droppedFrames = 0;
  private readonly burstFn: () => void;
  private readonly probeFn: () => void;
  /** Burst period: long enough for ITEMS_PER_BURST work items per direction, within [BURST_NS, MAX_BURST_NS]. */
  readonly burstNs: number;

  constructor(cfg: WorkloadConfig) {
    this.cfg = cfg;
    this.rxAcc = new Float64Array(cfg.queuePairs);
    this.txAcc = new Float64Array(cfg.queuePairs);
    const size = cfg.traffic?.packetSize ?? 1500;
    this.perItem = Math.max(1, Math.floor(GUEST_BUFFER_BYTES / size));
    const t = cfg.traffic;
    const slowest = t === null ? 0 : t.packetsPerSecond * Math.min(t.rxFraction, 1 - t.rxFraction || 1);
    const fill = slowest > 0 ? Math.ceil((ITEMS_PER_BURST * this.perItem * 1e9) / slowest) : BURST_NS;
    this.burstNs = Math.min(MAX_BURST_NS, Math.max(BURST_NS, fill));
    this.burstFn = () => this.burst();
    this.probeFn = () => this.probe();
    cfg.guest.onProbe = (tag) => {
      this.answered.add(tag);
      cfg.guest.sendTx(0, 1, PROBE_BYTES, 1, tag);
    };
  }

  /** Starts the flows (the NIC is up). */
  start(): void {
    if (this.active) return;
    this.active = true;
    const k = this.cfg.kernel;
    if (this.cfg.traffic !== null && this.cfg.traffic.packetsPerSecond > 0) k.after(this.burstNs, this.burstFn);
    const p = this.cfg.probe;
    if (p !== null) k.after(this.cfg.rng.int(1, p.interval), this.probeFn);
  }

  /** Stops generating at simulated time `t` at the latest. */
  stopBy(t: number): void {
    this.endAt = Math.min(this.endAt, t);
  }

  /** A frame left the device on TX vq `vq`. */
  transmitted(_vq: number, frame: NetFrame | undefined): void {
    if (frame === undefined || frame.tag === 0) return;
    if (!this.answered.delete(frame.tag)) return;
    this.probesDelivered++;
    this.cfg.bus.emit({ kind: 'probe', t: this.cfg.kernel.now, device: this.cfg.device, delivered: true });
  }

  private burst(): void {
    const k = this.cfg.kernel;
    const t = this.cfg.traffic;
    if (t === null || k.now > this.endAt) return;
    const per = (t.packetsPerSecond * this.burstNs) / 1e9;
    const size = t.packetSize;
    for (let q = 0; q < this.cfg.queuePairs; q++) {
      this.rxAcc[q] += per * t.rxFraction;
      this.txAcc[q] += per * (1 - t.rxFraction);
      const rx = Math.floor(this.rxAcc[q]);
      const tx = Math.floor(this.txAcc[q]);
      this.rxAcc[q] -= rx;
      this.txAcc[q] -= tx;
      if (rx > 0) this.items(rx, size, (count, len, packets) => count - this.cfg.wire.deliver(2 * q, count, len, packets, 0));
      if (tx > 0) this.items(tx, size, (count, len, packets) => count - this.cfg.guest.sendTx(q, count, len, packets, 0));
    }
    k.after(this.burstNs, this.burstFn);
  }

  /** Splits `packets` into full work items and one partial item; `send` returns frames dropped. */
  private items(packets: number, size: number, send: (count: number, len: number, packets: number) => number): void {
    const full = Math.floor(packets / this.perItem);
    const rest = packets - full * this.perItem;
    const itemLen = Math.min(GUEST_BUFFER_BYTES, this.perItem * size);
    let dropped = 0;
    if (full > 0) dropped += send(full, itemLen, this.perItem);
    if (rest > 0) dropped += send(1, Math.min(GUEST_BUFFER_BYTES, rest * size), rest);
    this.droppedFrames += dropped;
  }

  private probe(): void {
    const k = this.cfg.kernel;
    const p = this.cfg.probe;
    if (p === null || k.now > this.endAt) return;
    const tag = this.nextProbe++;
    this.probesSent++;
    if (this.cfg.wire.deliver(0, 1, PROBE_BYTES, 1, tag) === 0) {
      this.cfg.bus.emit({ kind: 'probe', t: k.now, device: this.cfg.device, delivered: false });
    }
    k.after(p.interval, this.probeFn);
  }
}
