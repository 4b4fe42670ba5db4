// mlx5Mr.ts — the memory region (MR) of an on-chip-IOMMU device in the style of mlx5_vdpa
// (drivers/vdpa/mlx5/core/mr.c): a set_map rebuilds the ASID's whole MR as one direct MKEY per
// IOVA-contiguous, same-permission chunk of at most mkeyChunkBytes (each with its scatter list
// DMA-mapped and its MTT entries at the gcd of the entry lengths) plus one indirect MKEY over
// them. Direct MKEYs are created through the async command interface, at most
// firmwareConcurrency in flight (its schedule computed by firmwareQueue.ts), the host preparing each
// command in turn; the replaced MR is destroyed the same way, synchronously inside set_map
// (mrDestroy sync, before Linux 6.12) or by the MR garbage-collection work mrGcDelayNs later (deferred).

import { Resource, allOf, type Proc, type Process } from '../../sim/kernel/index.js';
import { FirmwareQueue } from './firmwareQueue.js';
import type { EventBus, MapWorkEvent } from '../../sim/events/events.js';
import type { Kernel } from '../../sim/kernel/index.js';
import type { VhostIotlb } from '../vhost/iotlb.js';
import { PAGE_SIZE } from '../shared/pinSet.js';
import type { Costs } from '../profiles/profile.js';

function gcd(a: number, b: number): number {
  while (b > 0) [a, b] = [b, a % b];
  return a;
}

/** 2^k for k = 0..1023, looked up (a float power costs far more than a load). */
const POW2 = Float64Array.from({ length: 1024 }, (_, k) => 2 ** k);

/** 2^ilog2(x) for x >= 1 (ilog2 as the kernel's, taken on the double's log2 as before). */
function ilog2Pow(x: number): number {
  const k = Math.floor(Math.log2(x));
  return POW2[k] ?? 2 ** k;
}

/** The direct MRs of one memory region, as create_user_mr lays them out. */
export interface MrPlan {
  /** Direct MKEYs (one per IOVA-contiguous, same-permission chunk of at most the chunk size). */
  direct: number;
  /** MTT entries over all direct MKEYs (each MKEY's length over its entity size). */
  mttEntries: number;
  /** 4 KiB pages the direct MRs' scatter lists DMA-map. */
  pages: number;
}

/**
 * The direct MRs a map needs (create_user_mr / add_direct_chain / map_direct_mr): runs of
 * IOVA-contiguous, same-permission ranges, cut into chunks of at most `chunkBytes`; each chunk's
 * MTT entity size is the largest power of two dividing the gcd of the entry lengths in it, and it
 * carries ceil(chunk / entity) MTT entries.
 */
export function planMr(iotlb: VhostIotlb, chunkBytes: number): MrPlan {
  const plan: MrPlan = { direct: 0, mttEntries: 0, pages: 0 };
  let runEnd = -1;
  let runPerm = -1;
  let chunkLeft = 0; // bytes the current chunk can still take
  let chunkBytesNow = 0;
  let chunkGcd = 0;
  const close = (): void => {
    if (chunkBytesNow === 0) return;
    const entity = ilog2Pow(chunkGcd);
    plan.direct++;
    plan.mttEntries += Math.ceil(chunkBytesNow / entity);
    plan.pages += Math.ceil(chunkBytesNow / PAGE_SIZE);
    chunkBytesNow = 0;
    chunkGcd = 0;
  };
  for (const r of iotlb) {
    if (r.start !== runEnd || r.value.perm !== runPerm) {
      close();
      chunkLeft = chunkBytes;
      runPerm = r.value.perm;
    }
    runEnd = r.start + r.size;
    let left = r.size;
    // Fill the open chunk, then whole chunks counted at once, then start the last one.
    const head = Math.min(left, chunkLeft);
    chunkBytesNow += head;
    chunkGcd = gcd(gcd(chunkGcd, r.value.entryGcd), head);
    chunkLeft -= head;
    left -= head;
    if (left === 0) continue;
    close();
    const whole = Math.floor(left / chunkBytes);
    if (whole > 0) {
      const entity = ilog2Pow(gcd(r.value.entryGcd, chunkBytes));
      plan.direct += whole;
      plan.mttEntries += whole * Math.ceil(chunkBytes / entity);
      plan.pages += whole * Math.ceil(chunkBytes / PAGE_SIZE);
      left -= whole * chunkBytes;
    }
    chunkLeft = chunkBytes;
    if (left > 0) {
      chunkBytesNow = left;
      chunkGcd = gcd(r.value.entryGcd, left);
      chunkLeft -= left;
    }
  }
  close();
  return plan;
}

/**
 * Whether firmware commands go through the computed throttle (firmwareQueue.ts) or through one
 * submitter process per slot on a FIFO resource. Both give the same schedule; the switch exists
 * so tests can compare them.
 */
let directSchedules = true;

/** Chooses the computed throttle (true) or the submitter processes (tests compare the two). */
export function setDirectFirmwareSchedules(on: boolean): void {
  directSchedules = on;
}

/** The commands of one parallel batch that its submitters share. */
interface SubmitterBatch {
  /** The firmware's command slots. */
  readonly firmware: Resource;
  /** Commands in the batch. */
  readonly count: number;
  /** Commands claimed by a submitter so far. */
  claimed: number;
  /** Each command's time (the batch's one drawn time). */
  readonly ns: number;
}

/**
 * One submitter of a parallel batch: claims a command before it waits for a slot, and issues the
 * next when its previous one completes. Module-level, not a closure per batch (see
 * eslint.config.js on generators made per call).
 */
function* submitter(b: SubmitterBatch): Proc<void> {
  while (b.claimed < b.count) {
    b.claimed++;
    yield b.firmware.acquire();
    try {
      yield b.ns;
    } finally {
      b.firmware.release();
    }
  }
}

/** Outcome of one MR rebuild. */
export interface MrRebuild {
  /** MKEYs created for the new MR (direct + indirect). */
  created: number;
  /** MKEYs of the replaced MR queued for deferred destruction. */
  retired: number;
}

export class Mlx5MemoryRegions {
  /** Draws a firmware command's time for this run (the device's cost jitter). */
  private readonly jittered: (ns: number) => number;
  /** Simulation kernel. */
  private readonly kernel: Kernel;
  /** Event stream. */
  private readonly bus: EventBus;
  /** Device name for events. */
  private readonly device: string;
  /** Cost parameters. */
  private readonly costs: Costs;
  /**
   * The firmware command throttle, at most firmwareConcurrency commands in flight: computed, or
   * (the reference schedule) a FIFO resource that submitter processes hold.
   */
  private readonly throttle: FirmwareQueue | Resource;
  /** Live MKEYs of the current MR of each ASID. */
  private readonly live = new Map<number, number>();
  /** MKEYs retired but not yet destroyed. */
  pendingDestroy = 0;
  /** MKEYs on the GC list, waiting for the GC work. */
  private gcList = 0;
  /** When the queued GC work will start destroying (Infinity when none is queued). */
  private gcDueAt = Number.POSITIVE_INFINITY;
  /** Process names of the firmware submitters, built once per kind and index. */
  private readonly names = new Map<string, string[]>();

  constructor(kernel: Kernel, bus: EventBus, device: string, costs: Costs, jittered: (ns: number) => number = (ns) => ns) {
    this.jittered = jittered;
    this.kernel = kernel;
    this.bus = bus;
    this.device = device;
    this.costs = costs;
    this.throttle = directSchedules ? new FirmwareQueue(kernel, costs.firmwareConcurrency) : new Resource(kernel, costs.firmwareConcurrency);
  }

  /** Mean share of the firmware's command slots busy between t=0 and now. */
  firmwareUtilisation(): number {
    return this.throttle.utilisation();
  }

  /** Firmware commands in flight now. */
  firmwareInUse(): number {
    const t = this.throttle;
    return t instanceof FirmwareQueue ? t.inUse() : t.inUse;
  }

  /** Live MKEYs of one ASID's MR. */
  mkeys(asid: number): number {
    return this.live.get(asid) ?? 0;
  }

  /** Reports MR work on `asid` that started at `t0` and ends now. */
  private report(asid: number, what: MapWorkEvent['what'], t0: number, counts: Pick<MapWorkEvent, 'mkeysCreated' | 'mkeysDestroyed' | 'ranges'>): void {
    const now = this.kernel.now;
    this.bus.emit({ kind: 'mapWork', t: now, dur: now - t0, device: this.device, asid, what, ...counts });
  }

  /** The host preparing `count` commands in turn, `perCommand` ns each (mkeyHostNs, mkeyDestroyHostNs): no slot held. */
  private *hostShare(count: number, perCommand: number | undefined): Proc<void> {
    const ns = count * (perCommand ?? 0);
    if (ns > 0) yield ns;
  }

  /** One firmware command taking `ns`. */
  private *command(ns: number): Proc<void> {
    const t = this.throttle;
    if (t instanceof FirmwareQueue) {
      yield t.issueUniform(1, this.jittered(ns));
      return;
    }
    yield t.acquire();
    try {
      yield this.jittered(ns);
    } finally {
      t.release();
    }
  }

  /**
   * Runs `count` firmware commands of `ns` each, all issued at once, and waits for all: as many
   * submitters as the firmware takes commands in flight, each issuing the next command when its
   * previous one completes. The batch's commands share one drawn time: the firmware's run-to-run
   * variation (the profile's jitter) is taken as a property of its state during a batch, not as
   * independent noise per command, which would average away over the thousands of MKEYs of a
   * large guest's MR.
   */
  private *parallel(count: number, ns: number, what: string): Proc<void> {
    if (count === 0) return;
    const d = this.jittered(ns);
    const t = this.throttle;
    if (t instanceof FirmwareQueue) {
      yield t.issueUniform(count, d);
      return;
    }
    const batch: SubmitterBatch = { firmware: t, count, claimed: 0, ns: d };
    const n = Math.min(count, this.costs.firmwareConcurrency);
    const procs: Process<void>[] = new Array<Process<void>>(n);
    for (let i = 0; i < n; i++) procs[i] = this.kernel.spawn(submitter(batch), this.submitterName(what, i));
    yield allOf(this.kernel, procs);
  }

  /** The name of submitter `i` of a kind of command. */
  private submitterName(what: string, i: number): string {
    let list = this.names.get(what);
    if (list === undefined) this.names.set(what, (list = []));
    return (list[i] ??= `${this.device}.${what}${i}`);
  }

  /**
   * Builds a new MR for `asid` from `iotlb` and swaps it in (mlx5_vdpa_create_mr, then the old
   * MR put): bookkeeping (setMapBaseNs), each direct MR's scatter list DMA-mapped
   * (mrDmaMapPerPageNs per page), the direct MKEYs created in parallel (mkeyCreateNs plus
   * mttEntryNs per MTT entry, averaged over the MKEYs), the indirect MKEY; then the old MR's
   * MKEYs destroyed now (sync) or by the GC work (deferred). An empty map builds no MR.
   */
  *rebuild(asid: number, iotlb: VhostIotlb): Proc<MrRebuild> {
    const c = this.costs;
    const t0 = this.kernel.now;
    const plan = planMr(iotlb, c.mkeyChunkBytes);
    yield c.setMapBaseNs + Math.round(plan.pages * (c.mrDmaMapPerPageNs ?? 0) + plan.pages * c.setMapPerPageNs);
    if (plan.direct > 0) {
      // fill_create_direct_mr for every direct MR before mlx5_vdpa_exec_async_cmds issues them:
      // the host's share is serial, only the firmware's overlaps.
      yield* this.hostShare(plan.direct, c.mkeyHostNs);
      const perMkey = c.mkeyCreateNs + Math.round((plan.mttEntries * (c.mttEntryNs ?? 0)) / plan.direct);
      yield* this.parallel(plan.direct, perMkey, 'mkey');
      yield* this.command(c.indirectMkeyNs);
    }
    const created = plan.direct > 0 ? plan.direct + 1 : 0;
    const retired = this.mkeys(asid);
    this.live.set(asid, created);
    if (retired > 0 && c.mrDestroy === 'sync') yield* this.batchDestroy(retired);
    this.report(asid, 'setMapRebuild', t0, { mkeysCreated: created, ranges: iotlb.count });
    if (retired > 0 && c.mrDestroy !== 'sync') this.retire(asid, retired);
    return { created, retired };
  }

  /**
   * Destroys `count` MKEYs (destroy_user_mr): the host prepares each command in turn and the
   * firmware overlaps up to firmwareConcurrency of them ("vdpa/mlx5: Delete direct MKEYs in
   * parallel"); with one in flight (before that series) this is the one-at-a-time destroy.
   */
  private *batchDestroy(count: number): Proc<void> {
    yield* this.hostShare(count, this.costs.mkeyDestroyHostNs);
    yield* this.parallel(count, this.costs.mkeyDestroyNs, 'mkeyDestroy');
  }

  /** Puts a replaced MR on the GC list; the GC work runs once mrGcDelayNs after it was queued (queue_delayed_work). */
  private retire(asid: number, count: number): void {
    this.pendingDestroy += count;
    this.gcList += count;
    if (this.gcDueAt !== Number.POSITIVE_INFINITY) return;
    this.gcDueAt = this.kernel.now + (this.costs.mrGcDelayNs ?? 2_000_000_000);
    this.kernel.spawn(this.destroyLater(asid), `${this.device}.mrGc`);
  }

  /** The MR GC work: after its delay, destroys every MR on the list through the async commands. */
  private *destroyLater(asid: number): Proc<void> {
    yield this.costs.mrGcDelayNs ?? 2_000_000_000;
    const count = this.gcList;
    this.gcList = 0;
    this.gcDueAt = Number.POSITIVE_INFINITY;
    const t0 = this.kernel.now;
    yield* this.batchDestroy(count);
    this.pendingDestroy -= count;
    this.report(asid, 'mrDestroy', t0, { mkeysDestroyed: count });
  }

  /**
   * Returns `asid` to its initial MR (reset_map, or reset with CLEAN_MAP): destroys the current
   * MKEYs synchronously and, for a device whose initial map is 1:1, creates the one MKEY of the
   * identity (DMA) MR. Emits a resetMap MapWorkEvent.
   */
  *resetMap(asid: number, identity: boolean): Proc<void> {
    const t0 = this.kernel.now;
    const destroyed = this.mkeys(asid);
    yield* this.batchDestroy(destroyed);
    const created = identity ? 1 : 0;
    if (identity) {
      yield* this.hostShare(1, this.costs.mkeyHostNs);
      yield* this.command(this.costs.mkeyCreateNs);
    }
    this.live.set(asid, created);
    this.report(asid, 'resetMap', t0, { mkeysCreated: created, mkeysDestroyed: destroyed });
  }

  /** Records the identity MR a device creates at device add (no time: before the run). */
  initIdentity(asid: number): void {
    this.live.set(asid, 1);
  }
}
