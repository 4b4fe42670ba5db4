// workload.ts — the traffic around one NIC: bulk traffic per queue pair (RX from the wire into
// the device, TX from the guest) in bursts every BURST_NS, and a probe flow — a ping from the
// wire on RX queue 0 every interval, answered by the guest on TX queue 0; a reply leaving the
// device is a delivered probe, a ping the device could not take is a lost one. The observed
// downtime is the longest gap between delivered probes (metrics/recorder.ts).
//
// Generation can be suspended and resumed on its time grid (bursts and probes keep their
// phase). Dormant (sim/testbed/detailWindows.ts): a steady stretch (a long pre-copy pass, a NIC waiting
// for its device's next stop), with the probe flow paused (ProbePauseEvents). Down: the NIC's
// device is stopped, or the paused guest's device can take nothing, so every frame is dropped and
// every probe lost. Either way no kernel event runs meanwhile; at the resume the earlier skipped
// bursts are accounted in aggregate (packets = rate × time) and the last ones — as many as it
// takes to cycle the guest's buffer pools — are replayed at once through the real path, so the
// device writes (and SVQ reports dirty) the very buffers it would have written, the guest queues
// what it would have queued, and the rings stay consistent.

import type { Kernel, QueuedEvent, Rng } from '../kernel/index.js';
import type { EventBus } from '../events/events.js';
import type { NetFrame } from '../../device/shared/netBuffers.js';
import { GUEST_BUFFER_BYTES, type GuestNet } from './virtioNet.js';
import { UsedBatchTally } from './usedBatchTally.js';

/** Shortest burst period of the bulk traffic. */
const BURST_NS = 100_000;
/** Work items per direction a burst aims to carry (bounded work per burst, few bursts). */
const ITEMS_PER_BURST = 4;
/** Longest burst period (a slow flow still moves every millisecond). */
const MAX_BURST_NS = 1_000_000;
/** Bytes of a probe ping and of its reply (ICMP echo over Ethernet). */
const PROBE_BYTES = 98;

/** The network side of the device currently carrying the NIC (the machine switches it at switchover). */
interface WireIn {
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
  /**
   * While the guest is paused and the device can take nothing more (every RX queue offered a
   * frame took none), nothing changes on the data plane until the guest runs again or the device
   * stops: the workload goes down early instead of offering frame after frame (observation
   * windows; false in full detail).
   */
  stallDown?: () => boolean;
  /**
   * Optional: a dormancy also waits until this holds (checked with the rings' clean point, retried
   * every burst period). Must not change model state.
   */
  canSleep?: () => boolean;
  /** Optional: credit dormant bursts with the used-ring batches they would have made (usedBatchTally.ts). */
  tallyBatches?: boolean;
}

/** Generating; asleep through a steady state; suspended while the NIC's device is stopped. */
export type WorkloadMode = 'live' | 'dormant' | 'down';

/** What suspended stretches carried, accounted in aggregate rather than burst by burst. */
export interface WorkloadAggregate {
  /** Bursts skipped and not replayed. */
  bursts: number;
  /** Packets those bursts carried (dormant) or that were dropped (down), per direction. */
  rxPackets: number;
  txPackets: number;
  droppedPackets: number;
  /** Probes sent while down (all lost), and probe slots skipped while the flow was paused. */
  probesLost: number;
  probesPaused: number;
  /** Used-ring batches the dormant bursts would have made (only with tallyBatches). */
  usedBatches: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

type Traffic = WorkloadConfig['traffic'];

/** Whether bursts `burstNs` apart carry a whole number of packets per queue pair in each direction (the very expressions carry() adds to its fractions). */
export function wholeBursts(t: Traffic, burstNs: number): boolean {
  if (t === null || t.packetsPerSecond <= 0) return true;
  const per = (t.packetsPerSecond * burstNs) / 1e9;
  return Number.isInteger(per * t.rxFraction) && Number.isInteger(per * (1 - t.rxFraction));
}

/** Candidate periods tried on each side of the one asked for. */
const PERIOD_SEARCH = 10_000;

/**
 * The burst period: `want` when its bursts carry whole packets and it lies on the probe's grid
 * (divides the probe interval or is a multiple of it), else the nearest period within
 * [BURST_NS, MAX_BURST_NS] that does both (the first above, else the first below), else one that
 * carries whole packets at least, so that all bursts are alike, keep their order with the pings,
 * and a NIC can sleep (Workload.replayExact). A rate that allows no whole bursts there (33,333
 * pps: whole packets only every second) keeps `want`, and its NIC runs in detail.
 */
export function burstPeriod(t: Traffic, probeNs: number | null, want: number): number {
  // On the probe's grid: one period divides the other, so bursts and pings keep their order.
  const onGrid = (p: number): boolean => probeNs === null || probeNs % p === 0 || p % probeNs === 0;
  const good = (p: number): boolean => wholeBursts(t, p) && onGrid(p);
  if (good(want) || t === null || t.packetsPerSecond <= 0 || !Number.isInteger(t.packetsPerSecond)) return want;
  // The shortest period carrying a whole number of packets at all.
  const step = 1e9 / gcd(t.packetsPerSecond, 1e9);
  if (!Number.isInteger(step) || step > MAX_BURST_NS) return want;
  const near = (ok: (p: number) => boolean): number | null => {
    const up = Math.ceil(want / step) * step;
    for (let i = 0, p = up; i < PERIOD_SEARCH && p <= MAX_BURST_NS; i++, p += step) if (p >= BURST_NS && ok(p)) return p;
    for (let i = 0, p = up - step; i < PERIOD_SEARCH && p >= BURST_NS; i++, p -= step) if (ok(p)) return p;
    return null;
  };
  return near(good) ?? (wholeBursts(t, want) ? want : near((p) => wholeBursts(t, p))) ?? want;
}

/** Number of grid points first + j·period (j ≥ 0) strictly before `before`. */
function gridPointsBefore(first: number, period: number, before: number): number {
  return first >= before ? 0 : Math.ceil((before - first) / period);
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
  /** Why the workload is down: the device stopped, or the guest is paused and the device full. */
  private downFor: 'device' | 'stall' = 'device';
  /** Tag and send time of the last probe sent, and the delivery latency last measured on it (NaN until one). */
  private lastProbeTag = 0;
  private lastProbeAt = 0;
  private probeLatency = Number.NaN;
  /** When the last probe reply left the device (NaN until one did). */
  private lastDeliveredAt = Number.NaN;
  /** Probes sent and delivered. */
  probesSent = 0;
  probesDelivered = 0;
  /** Pings the guest answered, by tag, awaiting the reply on the wire. */
  private readonly answered = new Set<number>();
  /** Bulk frames dropped: RX at the device, TX in the guest (no buffer or ring slot). */
  droppedFrames = 0;
  /** The burst, probe and sleep-retry timers' callbacks, bound once (class fields: see eslint.config.js). */
  private readonly burstFn = (): void => this.burst();
  private readonly probeFn = (): void => this.probe();
  private readonly trySleepFn = (): void => this.trySleep();
  /** Burst period: long enough for ITEMS_PER_BURST work items per direction, within [BURST_NS, MAX_BURST_NS]. */
  readonly burstNs: number;
  /** The last stretch of a suspension replayed at its resume: long enough for the bursts and the pings to cycle every pool of guest buffers. */
  private readonly replayNs: number;
  /**
   * Period of the burst and probe grids together (a common multiple, 0 when none is short
   * enough): skipping whole periods keeps the order of frames into the RX rings unchanged.
   */
  private readonly gridNs: number;
  /** Generating, dormant or down. */
  private state: WorkloadMode = 'live';
  /** Dormancy was asked for and waits for a clean point of the rings. */
  private sleepWanted = false;
  /** The pending retry of a dormancy that found the rings busy. */
  private sleepRetry: QueuedEvent | null = null;
  /** The next burst and probe: their event while live, their grid time always. */
  private burstEv: QueuedEvent | null = null;
  private burstAt = Number.POSITIVE_INFINITY;
  private probeEv: QueuedEvent | null = null;
  private probeAt = Number.POSITIVE_INFINITY;
  /** What suspended stretches carried. */
  readonly aggregate: WorkloadAggregate = { bursts: 0, rxPackets: 0, txPackets: 0, droppedPackets: 0, probesLost: 0, probesPaused: 0, usedBatches: 0 };
  /** Batches per live burst, for the dormant ones (tallyBatches), else null. */
  private readonly tally: UsedBatchTally | null;

  constructor(cfg: WorkloadConfig) {
    this.cfg = cfg;
    this.rxAcc = new Float64Array(cfg.queuePairs);
    this.txAcc = new Float64Array(cfg.queuePairs);
    const size = cfg.traffic?.packetSize ?? 1500;
    this.perItem = Math.max(1, Math.floor(GUEST_BUFFER_BYTES / size));
    this.tally = cfg.tallyBatches === true ? new UsedBatchTally(cfg.guest.rings) : null;
    const t = cfg.traffic;
    const slowest = t === null ? 0 : t.packetsPerSecond * Math.min(t.rxFraction, 1 - t.rxFraction || 1);
    const fill = slowest > 0 ? Math.ceil((ITEMS_PER_BURST * this.perItem * 1e9) / slowest) : BURST_NS;
    this.burstNs = burstPeriod(t, cfg.probe?.interval ?? null, Math.min(MAX_BURST_NS, Math.max(BURST_NS, fill)));
    // A burst moves at least one buffer per direction that has a packet in it (below one packet
    // per burst, one buffer every 1/packets bursts); a ping moves one RX buffer of queue 0.
    const pool = cfg.guest.perQueue;
    const perBurst = t === null || t.packetsPerSecond <= 0 ? 0 : (t.packetsPerSecond * this.burstNs) / 1e9;
    const rates = [t?.rxFraction ?? 0, 1 - (t?.rxFraction ?? 0)].map((f) => perBurst * f).filter((r) => r > 0);
    const burstsNs = rates.length === 0 ? 0 : Math.ceil(pool / Math.min(1, ...rates)) * this.burstNs;
    const pingsNs = cfg.probe === null ? 0 : pool * cfg.probe.interval;
    this.replayNs = Math.max(burstsNs, pingsNs);
    const periods = [rates.length > 0 ? this.burstNs : 0, cfg.probe?.interval ?? 0].filter((x) => x > 0);
    const common = periods.reduce((a, b) => (a / gcd(a, b)) * b, periods[0] ?? 0);
    this.gridNs = common <= this.replayNs ? common : 0;
    cfg.guest.setOnProbe((tag) => {
      this.answered.add(tag);
      cfg.guest.sendTx(0, 1, PROBE_BYTES, 1, tag);
    });
  }

  /**
   * A resume replays exactly what full detail would have put into the rings: every burst
   * carries the same whole number of packets per queue pair and direction (no fraction carried
   * from burst to burst, so the same work items), and with both bursts and pings their grids
   * share a period (gridNs), so the frames replayed follow on in the order full detail has.
   * Otherwise which RX buffer gets a longer item or a ping after a skipped stretch (so how many
   * pages SVQ reports dirty) depends on every burst before: such a flow must run in detail.
   */
  get replayExact(): boolean {
    const bulk = this.cfg.traffic !== null && this.cfg.traffic.packetsPerSecond > 0;
    return wholeBursts(this.cfg.traffic, this.burstNs) && (!bulk || this.cfg.probe === null || this.gridNs > 0);
  }

  /** Generating, dormant or down. */
  get mode(): WorkloadMode {
    return this.state;
  }

  /** With tallyBatches: the live bursts add batches at a steady rate, so dormant ones can be credited exactly. */
  get batchesSteady(): boolean {
    // Without bulk traffic nothing is skipped but pings, which come one buffer at a time.
    if (this.cfg.traffic === null || this.cfg.traffic.packetsPerSecond <= 0) return true;
    return this.tally?.steady() ?? true;
  }

  /** Starts the flows (the NIC is up). */
  start(): void {
    if (this.active) return;
    this.active = true;
    const k = this.cfg.kernel;
    if (this.cfg.traffic !== null && this.cfg.traffic.packetsPerSecond > 0) this.scheduleBurst(k.now + this.burstNs);
    const p = this.cfg.probe;
    if (p !== null) this.scheduleProbe(k.now + this.cfg.rng.int(1, p.interval));
  }

  private scheduleBurst(at: number): void {
    this.burstAt = at;
    this.burstEv = this.cfg.kernel.at(at, this.burstFn);
  }

  private scheduleProbe(at: number): void {
    this.probeAt = at;
    this.probeEv = this.cfg.kernel.at(at, this.probeFn);
  }

  /** Takes the pending burst and probe off the kernel; their grid times stay. */
  private suspendEvents(): void {
    const k = this.cfg.kernel;
    if (this.burstEv !== null) k.cancel(this.burstEv);
    if (this.probeEv !== null) k.cancel(this.probeEv);
    this.burstEv = null;
    this.probeEv = null;
  }

  /**
   * Goes dormant as soon as the rings are at a clean point (now, or at a later burst period):
   * no bursts, no probes, no kernel events until wake(). The probe flow pauses.
   */
  sleep(): void {
    if (!this.active || this.state !== 'live') return;
    this.sleepWanted = true;
    this.trySleep();
  }

  private trySleep(): void {
    this.sleepRetry = null;
    if (!this.sleepWanted || this.state !== 'live') return;
    const k = this.cfg.kernel;
    if (k.now > this.endAt) return;
    if (!this.cfg.guest.quiescent() || this.cfg.canSleep?.() === false) {
      this.sleepRetry = k.after(this.burstNs, this.trySleepFn);
      return;
    }
    this.sleepWanted = false;
    this.state = 'dormant';
    this.suspendEvents();
    if (this.cfg.probe !== null) this.cfg.bus.emit({ kind: 'probePause', t: k.now, device: this.cfg.device, edge: 'pause' });
  }

  /** Ends dormancy (or a dormancy still waiting for its clean point): accounts it and resumes. */
  wake(): void {
    this.sleepWanted = false;
    if (this.sleepRetry !== null) this.cfg.kernel.cancel(this.sleepRetry);
    this.sleepRetry = null;
    if (this.state !== 'dormant') return;
    if (this.cfg.probe !== null) {
      const lastDelivered = this.lastDeliveredWhileDormant();
      const t = this.cfg.kernel.now;
      this.cfg.bus.emit({ kind: 'probePause', t, device: this.cfg.device, edge: 'resume', ...(lastDelivered === null ? {} : { lastDelivered }) });
    }
    this.resume('dormant');
  }

  /**
   * When the last probe up to now was delivered, counting those of the dormant stretch: the
   * steady flow delivers each ping its measured latency after it is sent, so the last one is the
   * latest grid point whose delivery is not after now; when no ping of the stretch would have
   * arrived yet, the last one delivered before it (the gap open at the pause is still open).
   * Null before any probe was delivered.
   */
  private lastDeliveredWhileDormant(): number | null {
    const p = this.cfg.probe;
    const lat = this.probeLatency;
    if (p === null || Number.isNaN(lat)) return null;
    const before = Number.isNaN(this.lastDeliveredAt) ? null : this.lastDeliveredAt;
    if (this.probeAt === Number.POSITIVE_INFINITY) return before;
    const until = Math.min(this.cfg.kernel.now, this.endAt + 1);
    const pings = gridPointsBefore(this.probeAt, p.interval, until);
    if (pings === 0) return before;
    const j = Math.min(pings - 1, Math.floor((this.cfg.kernel.now - lat - this.probeAt) / p.interval));
    return j < 0 ? before : this.probeAt + j * p.interval + lat;
  }

  /** The NIC's device stopped: nothing can be carried until up(); frames are dropped, probes lost. */
  down(): void {
    if (!this.active) return;
    if (this.state === 'dormant') this.wake();
    this.sleepWanted = false;
    if (this.state !== 'live') return;
    this.state = 'down';
    this.downFor = 'device';
    this.suspendEvents();
  }

  /** The guest runs again: a workload down only because the paused guest left the device full resumes. */
  guestRunning(): void {
    if (this.state === 'down' && this.downFor === 'stall') this.resume('down');
  }

  /** Goes down from a burst or probe that found the paused guest's device full (the next ones are on their grid). */
  private stall(): void {
    this.state = 'down';
    this.downFor = 'stall';
    this.suspendEvents();
  }

  /** Whether frames offered now show the stall: guest paused, the device took none. */
  private stalled(took: number): boolean {
    return took === 0 && !this.cfg.guest.running && this.cfg.stallDown?.() === true;
  }

  /** The NIC's device started again. */
  up(): void {
    if (this.state === 'down') this.resume('down');
  }

  /**
   * Back to live at now. Of the skipped bursts and probes, about the last `replayNs` are
   * replayed now in their order (a probe as the ping frame it would have put into an RX buffer,
   * not answered: it is not a probe of the flow), the earlier bursts accounted in aggregate —
   * whole periods of the grids where there is one, so the frames replayed follow on from the
   * last ones before the suspension as they would have, and the next ones after it follow on
   * from them. Skipped probes were lost (down) or not sent (dormant, the flow paused).
   */
  private resume(from: 'dormant' | 'down'): void {
    const k = this.cfg.kernel;
    this.state = 'live';
    this.downFor = 'device';
    const until = Math.min(k.now, this.endAt + 1);
    const t = this.cfg.traffic;
    const p = this.cfg.probe;
    const bursts = t === null ? 0 : gridPointsBefore(this.burstAt, this.burstNs, until);
    const pings = p === null ? 0 : gridPointsBefore(this.probeAt, p.interval, until);
    let b: number;
    let q: number;
    if (this.gridNs > 0) {
      const first = Math.min(bursts > 0 ? this.burstAt : Number.POSITIVE_INFINITY, pings > 0 && p !== null ? this.probeAt : Number.POSITIVE_INFINITY);
      const skip = first === Number.POSITIVE_INFINITY ? 0 : Math.max(0, Math.floor((until - first - this.replayNs) / this.gridNs)) * this.gridNs;
      b = Math.min(bursts, skip / this.burstNs);
      q = p === null ? 0 : Math.min(pings, skip / p.interval);
    } else {
      const replayFrom = until - this.replayNs;
      b = t === null ? 0 : Math.min(bursts, gridPointsBefore(this.burstAt, this.burstNs, replayFrom));
      q = p === null ? 0 : Math.min(pings, gridPointsBefore(this.probeAt, p.interval, replayFrom));
    }
    if (t !== null && b > 0) {
      const per = (t.packetsPerSecond * this.burstNs) / 1e9;
      const rx = b * per * t.rxFraction * this.cfg.queuePairs;
      const tx = b * per * (1 - t.rxFraction) * this.cfg.queuePairs;
      this.aggregate.bursts += b;
      if (from === 'dormant') {
        this.aggregate.rxPackets += rx;
        this.aggregate.txPackets += tx;
        if (this.tally !== null) {
          this.tally.skipped(b);
          this.aggregate.usedBatches = this.tally.credited;
        }
      } else {
        this.aggregate.droppedPackets += rx + tx;
      }
    }
    // Replay in time order (a burst before a ping at the same time).
    while (b < bursts || q < pings) {
      const bt = b < bursts ? this.burstAt + b * this.burstNs : Number.POSITIVE_INFINITY;
      const pt = p !== null && q < pings ? this.probeAt + q * p.interval : Number.POSITIVE_INFINITY;
      if (bt <= pt) {
        this.carry();
        b++;
      } else {
        this.cfg.wire.deliver(0, 1, PROBE_BYTES, 1, 0);
        q++;
      }
    }
    if (t !== null && this.burstAt !== Number.POSITIVE_INFINITY && k.now <= this.endAt) {
      this.scheduleBurst(Math.max(this.burstAt + bursts * this.burstNs, k.now));
    }
    if (p !== null && this.probeAt !== Number.POSITIVE_INFINITY) {
      if (from === 'down') {
        this.nextProbe += pings;
        this.probesSent += pings;
        this.aggregate.probesLost += pings;
        if (pings > 0) this.cfg.bus.emit({ kind: 'probe', t: k.now, device: this.cfg.device, delivered: false, count: pings });
      } else {
        this.aggregate.probesPaused += pings;
      }
      if (k.now <= this.endAt) this.scheduleProbe(Math.max(this.probeAt + pings * p.interval, k.now));
    }
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
    this.lastDeliveredAt = this.cfg.kernel.now;
    if (frame.tag === this.lastProbeTag) this.probeLatency = this.cfg.kernel.now - this.lastProbeAt;
    this.cfg.bus.emit({ kind: 'probe', t: this.cfg.kernel.now, device: this.cfg.device, delivered: true });
  }

  private burst(): void {
    const k = this.cfg.kernel;
    this.burstEv = null;
    this.burstAt = Number.POSITIVE_INFINITY;
    if (this.cfg.traffic === null || k.now > this.endAt) return;
    const took = this.carry();
    this.tally?.burst();
    this.scheduleBurst(k.now + this.burstNs);
    if (this.stalled(took)) this.stall();
  }

  /**
   * One burst's packets, per queue pair and direction. Returns the RX frames the device took,
   * or -1 when some queue pair was offered none (then the burst shows no stall).
   */
  private carry(): number {
    const t = this.cfg.traffic;
    if (t === null) return -1;
    let took = 0;
    const per = (t.packetsPerSecond * this.burstNs) / 1e9;
    const size = t.packetSize;
    for (let q = 0; q < this.cfg.queuePairs; q++) {
      this.rxAcc[q]! += per * t.rxFraction;
      this.txAcc[q]! += per * (1 - t.rxFraction);
      const rx = Math.floor(this.rxAcc[q]!);
      const tx = Math.floor(this.txAcc[q]!);
      this.rxAcc[q]! -= rx;
      this.txAcc[q]! -= tx;
      if (rx > 0) {
        const n = this.items(true, q, rx, size);
        if (took >= 0) took += n;
      } else {
        took = -1;
      }
      if (tx > 0) this.items(false, q, tx, size);
    }
    return took;
  }

  /**
   * Sends `packets` of queue pair `q` as full work items and one partial item, RX from the wire or
   * TX from the guest; counts the frames dropped and returns those taken.
   */
  private items(rx: boolean, q: number, packets: number, size: number): number {
    const full = Math.floor(packets / this.perItem);
    const rest = packets - full * this.perItem;
    const itemLen = Math.min(GUEST_BUFFER_BYTES, this.perItem * size);
    let taken = 0;
    let dropped = 0;
    if (full > 0) {
      const n = this.send(rx, q, full, itemLen, this.perItem);
      taken += n;
      dropped += full - n;
    }
    if (rest > 0) {
      const n = this.send(rx, q, 1, Math.min(GUEST_BUFFER_BYTES, rest * size), rest);
      taken += n;
      dropped += 1 - n;
    }
    this.droppedFrames += dropped;
    return taken;
  }

  /** `count` frames of `len` bytes, `packets` each: into RX vq 2q from the wire, or out of the guest on TX queue q. Returns those taken. */
  private send(rx: boolean, q: number, count: number, len: number, packets: number): number {
    return rx ? this.cfg.wire.deliver(2 * q, count, len, packets, 0) : this.cfg.guest.sendTx(q, count, len, packets, 0);
  }

  private probe(): void {
    const k = this.cfg.kernel;
    const p = this.cfg.probe;
    this.probeEv = null;
    this.probeAt = Number.POSITIVE_INFINITY;
    if (p === null || k.now > this.endAt) return;
    const tag = this.nextProbe++;
    this.probesSent++;
    this.lastProbeTag = tag;
    this.lastProbeAt = k.now;
    const took = this.cfg.wire.deliver(0, 1, PROBE_BYTES, 1, tag);
    if (took === 0) this.cfg.bus.emit({ kind: 'probe', t: k.now, device: this.cfg.device, delivered: false });
    this.scheduleProbe(k.now + p.interval);
    // A probe-only flow shows the stall by its pings.
    if ((this.cfg.traffic?.packetsPerSecond ?? 0) <= 0 && this.stalled(took)) this.stall();
  }
}
