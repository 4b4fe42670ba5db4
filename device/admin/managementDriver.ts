// managementDriver.ts — the host's management driver (the seed's "management driver": it presents
// the virtual device to the VMM and implements its basic facilities with admin commands). It puts
// the VMM's commands on the management device's admin virtqueue and keeps what the seed leaves
// with it: pinning. An MMU_MAP of a VMM address range pins it first (RLIMIT_MEMLOCK, then
// pin_user_pages, faulting in cold folios, with the host kernel's costs as vhost-vdpa pays them)
// and passes the pinned range's DMA address on; an MMU_UNMAP unpins what it removed. Guest
// notifications go to the vq's notification area, the device's MSIs to the VMM's handler.

import type { Kernel, Proc } from '../../sim/kernel/index.js';
import type { EventBus } from '../../sim/events/events.js';
import { err, ok, type Result } from '../uapi/errno.js';
import { Access } from '../uapi/uapi.js';
import { MmuFlag, type AdminCommand, type AdminValue, type AdminVqFd, type DirtyGpaRange } from '../uapi/adminVq.js';
import { PAGE_SIZE, pageSpan } from '../shared/pinSet.js';
import type { HostMemory } from '../shared/hostMemory.js';
import { VhostIotlb } from '../vhost/iotlb.js';
import { defaultHostCosts, type HostCosts } from '../vhost/hostCosts.js';
import type { ManagementDevice } from './managementDevice.js';
import { firstFailure } from './adminQueue.js';
import { DirtyTracker, type DirtyTracking } from './dirtyTracker.js';

/** How the host tracks a passthrough device's writes during a migration without SVQ. */
export interface DirtyTrackingSetup {
  tracking: DirtyTracking;
  /** Bytes one dirty record covers (the IO page size for `iommu`, 4 KiB for `device`). */
  granule: number;
  /** `iommu`: reading the bitmap, per leaf IO page-table entry of the mapped guest RAM. */
  readPerEntryNs: number;
}

/** What the driver needs of the host. */
export interface ManagementDriverEnv {
  kernel: Kernel;
  bus: EventBus;
  /** The VMM process's memory (what MMU_MAPs pin). */
  hostMemory: HostMemory;
  hostCosts?: HostCosts;
}

export class ManagementDriver implements AdminVqFd {
  /** Name of the virtual device this fd presents, for events. */
  readonly name: string;
  /** Simulation kernel. */
  private readonly kernel: Kernel;
  /** Event stream. */
  private readonly bus: EventBus;
  /** The VMM process's memory. */
  private readonly mm: HostMemory;
  /** Host kernel costs (pinning). */
  private readonly hostCosts: HostCosts;
  /** The management device. */
  private readonly mgmt: ManagementDevice;
  /** What the driver mapped and pinned, per ASID of its virtual device (to unpin what an UNMAP removes). */
  private readonly pinned = new Map<number, VhostIotlb>();
  /** The virtual device this fd created (VDEV_CREATE), 0 before. */
  private vdevId = 0;
  /** How the device's writes are tracked for a migration without SVQ. */
  private readonly dirtySetup: DirtyTrackingSetup;
  /** The tracker while (or since) tracking was on. */
  private readonly tracker: DirtyTracker;

  constructor(env: ManagementDriverEnv, mgmt: ManagementDevice, name: string, dirty: DirtyTrackingSetup) {
    this.kernel = env.kernel;
    this.bus = env.bus;
    this.mm = env.hostMemory;
    this.hostCosts = env.hostCosts ?? defaultHostCosts;
    this.mgmt = mgmt;
    this.name = name;
    this.dirtySetup = dirty;
    this.tracker = new DirtyTracker(dirty.granule);
  }

  /** Starts or stops tracking the virtual device's writes (ENOENT before VDEV_CREATE). */
  *setDirtyTracking(on: boolean): Proc<Result> {
    const v = this.vdev;
    if (!v.ok) return v;
    // IOMMU_HWPT_SET_DIRTY_TRACKING (or the device's start command): one round trip.
    yield this.mgmt.costs.notifyNs;
    if (on) this.tracker.start(v.value.core);
    else this.tracker.stop();
    return ok(undefined);
  }

  /**
   * Reads and clears the record. `iommu`: IOMMU_HWPT_GET_DIRTY_BITMAP walks every leaf entry of the
   * mapped guest RAM; `device`: one report over the admin vq.
   */
  *readDirty(): Proc<Result<DirtyGpaRange[]>> {
    const d = this.dirtySetup;
    if (d.tracking === 'iommu') {
      const mapped = this.pinned.get(0)?.bytes ?? 0;
      yield Math.round((mapped / d.granule) * d.readPerEntryNs);
    } else {
      yield this.mgmt.costs.notifyNs + this.mgmt.costs.commandNs;
    }
    return ok(this.tracker.read());
  }

  takeDirty(): DirtyGpaRange[] {
    return this.tracker.read();
  }

  /** Runs the commands on the admin vq: MMU_MAPs pinned first, UNMAPs unpinned after; one message event per command. */
  *exec(cmds: readonly AdminCommand[], serial: boolean): Proc<Result<AdminValue[]>> {
    const t0 = this.kernel.now;
    const pinnedNow = new Set<number>();
    for (let i = 0; i < cmds.length; i++) {
      const c = cmds[i]!;
      if (c.op !== 'MMU_MAP') continue;
      const p = yield* this.pinFor(c.asid, c.iovaStart, c.iovaEnd - c.iovaStart + 1, c.uaddr, c.flags);
      if (!p.ok) return p;
      if (p.value) pinnedNow.add(i);
    }
    const results = yield* this.mgmt.queue.submit(cmds, serial);
    const dur = this.kernel.now - t0;
    cmds.forEach((c, i) => this.report(c, results[i]!, dur));
    for (let i = 0; i < cmds.length; i++) {
      const c = cmds[i]!;
      const r = results[i]!;
      if (c.op === 'VDEV_CREATE' && r.ok && typeof r.value === 'number') this.vdevId = r.value;
      // A map the device refused (pinned for it now), or an unmap it did: the driver's pins go with it.
      if ((c.op === 'MMU_MAP' && !r.ok && pinnedNow.has(i)) || (c.op === 'MMU_UNMAP' && r.ok)) {
        const start = c.iovaStart;
        yield* this.unpin(c.asid, start, c.iovaEnd - start + 1);
      }
    }
    return firstFailure(results);
  }

  /** One command as a message event (its type is the command; vq, ASID and status where it has them). */
  private report(c: AdminCommand, r: Result<AdminValue>, dur: number): void {
    const asid = 'asid' in c ? c.asid : undefined;
    const iova = 'iovaStart' in c ? c.iovaStart : undefined;
    const size = 'iovaStart' in c ? c.iovaEnd - c.iovaStart + 1 : undefined;
    const index = 'vq' in c ? c.vq : undefined;
    const value = c.op === 'STATUS_SET' ? c.status : c.op === 'DEV_MODE_SET' ? (c.stopped ? 1 : 0) : undefined;
    this.bus.emit({ kind: 'msg', t: this.kernel.now, dur, device: this.name, type: c.op, asid, iova, size, index, value, errno: r.ok ? undefined : r.errno });
  }

  /**
   * Pins [uaddr, uaddr+size) for a map of the driver's virtual device (as vhost_vdpa_pa_map pins);
   * true when it pinned, false when the driver already holds that range (a map sent again after a
   * reset that dropped the device's maps: the driver kept its pins).
   */
  private *pinFor(asid: number, iova: number, size: number, uaddr: number, flags: number): Proc<Result<boolean>> {
    const k = this.kernel;
    const t0 = k.now;
    const mem = this.mm;
    const h = this.hostCosts;
    const shape = mem.pinShape(uaddr, size);
    if (h.memlockLimitBytes !== null && (mem.pinnedVm + shape.pages) * PAGE_SIZE > h.memlockLimitBytes) {
      return err('ENOMEM', `pinning ${shape.pages} pages passes RLIMIT_MEMLOCK (${h.memlockLimitBytes} bytes, ${mem.pinnedVm} pages pinned)`);
    }
    let t = this.pinned.get(asid);
    if (t === undefined) {
      t = new VhostIotlb(null);
      this.pinned.set(asid, t);
    }
    const perm = (flags & MmuFlag.WRITE) !== 0 ? Access.RW : Access.RO;
    const rec = t.add(iova, size, uaddr, perm);
    if (!rec.ok) return ok(false);
    const pin = mem.pin(uaddr, size);
    if (!pin.ok) {
      t.del(iova, size);
      return pin;
    }
    mem.pinnedVm += shape.pages;
    const pinNs = shape.smallPages * h.pinSmallPerPageNs + shape.largeSubpages * h.pinLargePerSubpageNs;
    const faultNs = shape.coldSmallFolios * h.faultSmallNs + shape.coldLargeFolios * h.faultLargeNs + (shape.coldBytes / h.zeroBytesPerSecond) * 1e9;
    yield Math.round(pinNs + faultNs);
    if (shape.coldBytes > 0) mem.touch(uaddr, size);
    this.bus.emit({ kind: 'pin', t: k.now, dur: k.now - t0, device: this.name, pages: shape.pages });
    return ok(true);
  }

  /** Unpins what the driver pinned for the ranges intersecting [iova, iova+size) of an ASID. */
  private *unpin(asid: number, iova: number, size: number): Proc<void> {
    const gone = this.pinned.get(asid)?.del(iova, size) ?? [];
    let pages = 0;
    let writable = 0;
    for (const g of gone) {
      this.mm.unpin(g.value.uaddr, g.size);
      const [first, end] = pageSpan(g.value.uaddr, g.size);
      pages += end - first;
      if ((g.value.perm & 2) !== 0) writable += end - first;
    }
    if (pages === 0) return;
    const t0 = this.kernel.now;
    this.mm.pinnedVm -= pages;
    yield Math.round(pages * this.hostCosts.unpinPerPageNs + writable * this.hostCosts.setDirtyPerPageNs);
    this.bus.emit({ kind: 'pin', t: this.kernel.now, dur: this.kernel.now - t0, device: this.name, pages: -pages });
  }

  /** The guest (or SVQ) wrote the vq's notification area: the device looks at the ring. */
  kick(vq: number): void {
    this.mgmt.vdev(this.vdevId)?.dev.ops.kickVq(vq);
  }

  /** The VMM's handler of the vq's MSI (null: none). */
  onCall(vq: number, handler: ((vq: number) => void) | null): void {
    this.mgmt.vdev(this.vdevId)?.setHandler(vq, handler);
  }

  /** The virtual device this fd created (for the testbed's views), if any. */
  get vdev(): Result<NonNullable<ReturnType<ManagementDevice['vdev']>>> {
    const v = this.mgmt.vdev(this.vdevId);
    return v === undefined ? err('ENOENT', `${this.name}: no virtual device created yet`) : ok(v);
  }
}
