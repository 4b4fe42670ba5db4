// iopf.ts — the device's I/O page faults, for a device that need not have guest memory pinned
// (seed 003; capabilities.pageFaults). A buffer write to a page that is not resident raises a
// fault instead of failing. A `pri` device sends page requests (PCIe ATS/PRI, "Page Request
// Services": Page Request Messages grouped by a PRG index, one PRG Response per group) that the
// IOMMU queues to the host — Linux drivers/iommu/io-pgfault.c: iommu_report_device_fault holds a
// group's requests until its last one, the domain's iopf handler (SVA) queues the group on the iopf
// queue's unordered workqueue (groups are handled concurrently), handle_mm_fault resolves each
// fault and iopf_group_response answers the device — with at most `priCredits` requests outstanding
// (the Outstanding Page Request Allocation pci_enable_pri writes; Intel VT-d asks for PRQ_DEPTH).
// A `va` device (a use_va parent with the process mm bound, as vdpa_sim's worker reaches user
// memory) faults synchronously: its one worker, and so every vq, waits while the host faults the
// page in. The host's
// share of a fault is the cold folios' fault-in and zeroing (the costs pinning pays for cold
// memory, device/vhost/hostCosts.ts). Host-side invalidations of pages the device may use (the
// mm notifier of a discard: mmu_notifier invalidate_range, the IOMMU's
// arch_invalidate_secondary_tlbs, a device-TLB invalidation) are counted here; the discarded
// pages are no longer resident, so the next use faults again.

import { Signal, type Kernel, type Proc, type QueuedEvent } from '../../sim/kernel/index.js';
import type { EventBus } from '../../sim/events/events.js';
import type { HostMemory } from '../shared/hostMemory.js';
import type { Costs } from '../profiles/profile.js';

/** The host kernel's fault-in costs a device fault pays (a subset of device/vhost/hostCosts.ts). */
export interface HostFaultCosts {
  /** Faulting in one small folio, besides zeroing it. */
  faultSmallNs: number;
  /** Faulting in one large folio, besides zeroing it. */
  faultLargeNs: number;
  /** Zeroing freshly faulted folios, bytes per second. */
  zeroBytesPerSecond: number;
}

/** Page-fault defaults for a `pri` profile that does not set them (every one unsourced). */
export const IOPF_DEFAULTS = { priRequestNs: 2_000, pageResponseNs: 1_000, priCredits: 64 } as const;

/** How the device behaves while a fault of one of its vqs is outstanding. */
export type FaultOrder = 'outOfOrder' | 'stall';

/** One fault group: the non-resident pages of one buffer. */
interface FaultGroup {
  readonly vq: number;
  /** The buffer's segments with pages to fault in, as [hva, len]. */
  readonly ranges: readonly (readonly [number, number])[];
  /** 4 KiB pages requested. */
  readonly pages: number;
  /** Credits held while the group is outstanding (min(pages, credits)). */
  readonly need: number;
  /** When the device raised it. */
  readonly raisedAt: number;
  /** This group stopped its vq (stall mode). */
  readonly stalls: boolean;
  /** Uses the buffer once its pages are resident. */
  readonly complete: () => void;
}

/** What observers (tests, checks) may read of a device's page-fault engine: never its mutators. */
export type IopfView = Pick<Iopf, 'active' | 'mode' | 'stats' | 'blocked' | 'inFlight'>;

/** Counters of the device's faults (for tests; the run's figures come from the events). */
export interface IopfStats {
  /** Fault groups raised. */
  faults: number;
  /** 4 KiB pages requested. */
  pages: number;
  /** Time vqs spent stopped behind a fault, summed over vqs (ns). */
  stallNs: number;
  /** mm notifier invalidations that reached the device. */
  invalidations: number;
}

export class Iopf {
  /** The device's name (events). */
  private readonly name: string;
  /** Simulation kernel. */
  private readonly kernel: Kernel;
  /** Event stream. */
  private readonly bus: EventBus;
  /** The process memory the device's DMA reaches. */
  private readonly mem: HostMemory;
  /** pri: asynchronous page requests; va: synchronous faults in the worker. */
  readonly mode: 'pri' | 'va';
  /** Page request latency, response latency and credits. */
  private readonly priRequestNs: number;
  private readonly pageResponseNs: number;
  private readonly credits: number;
  /** Host fault-in costs. */
  private readonly host: HostFaultCosts;
  /** A cost as the run draws it (the device's jitter). */
  private readonly jittered: (ns: number) => number;
  /** The page-fault path is on (the VMM negotiated it; until then memory is pinned and resident). */
  private on = false;
  /** Credits not held by an outstanding group. */
  private free: number;
  /** Groups waiting for credits, in the order raised. */
  private readonly waiting: FaultGroup[] = [];
  /** Scheduled steps of outstanding groups (cancelled by a reset). */
  private readonly pending = new Set<QueuedEvent>();
  /** Groups raised and not completed. */
  private outstanding = 0;
  /** Per vq: stopped behind a fault since this time, or -1. */
  private readonly stalledSince: Float64Array;
  /** A suspend waits for the outstanding faults: no new buffer is taken meanwhile. */
  private draining = false;
  /** Processes waiting for the outstanding faults to complete. */
  private drainWaiters: Signal[] = [];
  /** Counters. */
  readonly stats: IopfStats = { faults: 0, pages: 0, stallNs: 0, invalidations: 0 };

  constructor(
    env: { name: string; kernel: Kernel; bus: EventBus; mem: HostMemory; host: HostFaultCosts; jittered: (ns: number) => number; nvqs: number },
    mode: 'pri' | 'va',
    costs: Pick<Costs, 'priRequestNs' | 'pageResponseNs' | 'priCredits'>,
  ) {
    this.name = env.name;
    this.kernel = env.kernel;
    this.bus = env.bus;
    this.mem = env.mem;
    this.host = env.host;
    this.jittered = env.jittered;
    this.mode = mode;
    this.priRequestNs = costs.priRequestNs ?? IOPF_DEFAULTS.priRequestNs;
    this.pageResponseNs = costs.pageResponseNs ?? IOPF_DEFAULTS.pageResponseNs;
    this.credits = costs.priCredits ?? IOPF_DEFAULTS.priCredits;
    this.free = this.credits;
    this.stalledSince = new Float64Array(env.nvqs).fill(-1);
    this.mem.onInvalidate((hva, size) => this.invalidated(hva, size));
  }

  /** The page-fault path is on. */
  get active(): boolean {
    return this.on;
  }

  /** Fault groups raised and not yet completed (waiting for credits or outstanding). */
  get inFlight(): number {
    return this.outstanding;
  }

  /** Turns the page-fault path on (the proposed VHOST_BACKEND_F_IOPF was negotiated). */
  enable(): void {
    this.on = true;
  }

  /**
   * No new buffer of `vq` may be taken: the vq waits behind a fault, a `va` device's worker is
   * inside one (vdpa_sim's one worker serves every vq), or a suspend drains.
   */
  blocked(vq: number): boolean {
    return this.on && (this.draining || this.stalledSince[vq]! >= 0 || (this.mode === 'va' && this.outstanding > 0));
  }

  /** 4 KiB pages of a device write to [hva, hva+len) that must be faulted in first (0: none). */
  pagesToFault(hva: number, len: number): number {
    if (!this.on || len <= 0) return 0;
    return this.mem.coldPages(hva, len);
  }

  /**
   * Raises a fault for the `pages` cold pages of a buffer's segments `ranges` of `vq`; `complete`
   * uses the buffer once they are resident. With `order` stall (an in-order device, or any `va`
   * device) the vq takes no buffer until then.
   */
  raise(vq: number, ranges: readonly (readonly [number, number])[], pages: number, order: FaultOrder, complete: () => void): void {
    const stalls = order === 'stall' || this.mode === 'va';
    const g: FaultGroup = { vq, ranges, pages, need: Math.min(pages, this.credits), raisedAt: this.kernel.now, stalls, complete };
    this.stats.faults++;
    this.stats.pages += pages;
    this.outstanding++;
    if (stalls && this.stalledSince[vq]! < 0) this.stalledSince[vq] = this.kernel.now;
    if (this.mode === 'va') {
      // The worker faults the page in itself (handle_mm_fault through the bound mm), then writes.
      this.step(this.hostNs(g), () => this.done(g));
      return;
    }
    this.waiting.push(g);
    this.startWaiting();
  }

  /** Sends the page requests of waiting groups while credits allow, in order. */
  private startWaiting(): void {
    while (this.waiting.length > 0 && this.free >= this.waiting[0]!.need) {
      const g = this.waiting.shift() as FaultGroup;
      this.free -= g.need;
      // A group larger than the allocation goes out in rounds of at most `credits` requests.
      const rounds = Math.ceil(g.pages / this.credits);
      this.step(this.jittered(rounds * this.priRequestNs), () => {
        // iopf handler: handle_mm_fault per page, then iopf_group_response.
        const hostNs = this.hostNs(g);
        this.step(hostNs + this.jittered(rounds * this.pageResponseNs), () => {
          this.free += g.need;
          this.done(g);
          this.startWaiting();
        });
      });
    }
  }

  /** The host's work for a group: fault in (and zero) its cold folios; they are resident from now on. */
  private hostNs(g: FaultGroup): number {
    const h = this.host;
    let ns = 0;
    for (const [hva, len] of g.ranges) {
      const shape = this.mem.pinShape(hva, len);
      ns += shape.coldSmallFolios * h.faultSmallNs + shape.coldLargeFolios * h.faultLargeNs + (shape.coldBytes / h.zeroBytesPerSecond) * 1e9;
      if (shape.coldBytes > 0) this.mem.touch(hva, len);
    }
    return this.jittered(Math.round(ns));
  }

  /** Schedules one step of an outstanding group. */
  private step(ns: number, fn: () => void): void {
    const ev = this.kernel.after(ns, () => {
      this.pending.delete(ev);
      fn();
    });
    this.pending.add(ev);
  }

  /** A group's pages are resident: the vq goes on, the buffer is used. */
  private done(g: FaultGroup): void {
    const k = this.kernel;
    this.outstanding--;
    if (g.stalls && this.stalledSince[g.vq]! >= 0) {
      this.stats.stallNs += k.now - this.stalledSince[g.vq]!;
      this.stalledSince[g.vq] = -1;
    }
    this.bus.emit({ kind: 'iopf', t: k.now, device: this.name, vq: g.vq, pages: g.pages, latencyNs: k.now - g.raisedAt, stalled: g.stalls });
    g.complete();
    if (this.outstanding === 0) this.wakeDrainers();
  }

  private wakeDrainers(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const s of w) s.trigger();
  }

  /**
   * Waits until every outstanding fault completed, taking no new buffer meanwhile (a suspend:
   * the device stops with every buffer it took used, so the vq state it reports is whole). No
   * buffer is taken after it either, until resumeIntake() or reset(): the suspend's own commands
   * take time, and a buffer taken then would be in flight when the device reports its state
   * (VHOST_VDPA_SUSPEND, vhost_vdpa_suspend → the parent's suspend: the vqs process nothing more
   * until VHOST_VDPA_RESUME or a reset; mlx5_vdpa_suspend stops each hardware vq).
   */
  *drain(): Proc<void> {
    if (!this.on) return;
    this.draining = true;
    while (this.outstanding > 0) {
      const s = new Signal(this.kernel);
      this.drainWaiters.push(s);
      yield s;
    }
  }

  /** A resume after a drain: the vqs take buffers again. */
  resumeIntake(): void {
    this.draining = false;
  }

  /** Reset: outstanding faults are dropped with the vqs' in-flight buffers. */
  reset(): void {
    for (const ev of this.pending) this.kernel.cancel(ev);
    this.pending.clear();
    this.waiting.length = 0;
    this.free = this.credits;
    this.outstanding = 0;
    for (let vq = 0; vq < this.stalledSince.length; vq++) {
      if (this.stalledSince[vq]! >= 0) this.stats.stallNs += this.kernel.now - this.stalledSince[vq]!;
      this.stalledSince[vq] = -1;
    }
    this.draining = false;
    this.wakeDrainers();
  }

  /** The mm notifier: a range of the process was invalidated (discarded) while the device may use it. */
  private invalidated(hva: number, size: number): void {
    if (!this.on) return;
    this.stats.invalidations++;
    this.bus.emit({ kind: 'iopfInvalidate', t: this.kernel.now, device: this.name, source: 'mmNotifier', pages: Math.ceil(size / 4096), hva });
  }
}
