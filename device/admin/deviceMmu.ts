// deviceMmu.ts — the device MMU of seed 004 ("Device MMU" of the admin-vq transport RFC): per
// virtual device, an on/off switch (MMU_ENABLE), an ASID per virtqueue (MMU_ASID_SET — per vq, not
// per group), one translation table per ASID that MMU_MAP adds to (failing on any intersection)
// and MMU_UNMAP removes every intersecting range from, and the last translation error
// (MMU_ERR_GET). A translation failure sets DEVICE_NEEDS_RESET and DEVICE_MMU_FAIL. Reset
// disables the MMU and returns every vq to ASID 0; whether the maps survive the reset the seed
// leaves open (`keepMaps`).
//
// The seed's MMU_MAP carries no ASID (struct virtio_admin_ctrl_vdev_mmu_map: iova_start, iova_end,
// dma_start, flags) although MMU_ASID_SET gives each vq one: svqsim reads MAP and UNMAP as naming
// the ASID they apply to, as vhost's IOTLB messages do.

import { err, ok, OK, type Result } from '../uapi/errno.js';
import { Access, Status, type AccessMode } from '../uapi/uapi.js';
import { MmuErrReason, MmuFlag, type MmuError } from '../uapi/adminVq.js';
import { VhostIotlb } from '../vhost/iotlb.js';
import type { DeviceCore, DmaFault } from '../core/deviceCore.js';

/** The access permission of MMU_MAP flags. */
function permOf(flags: number): AccessMode | null {
  const r = (flags & MmuFlag.READ) !== 0;
  const w = (flags & MmuFlag.WRITE) !== 0;
  return r && w ? Access.RW : r ? Access.RO : w ? Access.WO : null;
}

export class DeviceMmu {
  /** The virtual device whose DMA the MMU translates. */
  private readonly core: DeviceCore;
  /** Translation enabled (MMU_ENABLE); off: the device's DMA uses transport addresses unchanged. */
  private on = false;
  /** One translation table per ASID (the profile's nas). */
  private readonly tables: VhostIotlb[];
  /** The last translation failure, until read or reset (MMU_ERR_GET). */
  private lastError: MmuError | null = null;
  /** Maps survive a reset (the seed says only that reset disables the MMU and zeroes the ASIDs). */
  readonly keepMaps: boolean;

  constructor(core: DeviceCore, keepMaps: boolean) {
    this.core = core;
    this.keepMaps = keepMaps;
    this.tables = Array.from({ length: core.caps.nas }, () => new VhostIotlb(null));
    core.setFaultListener((f) => this.fault(f));
    this.install();
  }

  /** Whether translation is on. */
  get enabled(): boolean {
    return this.on;
  }

  /** Address spaces the MMU has (MMU_ASID_SET takes one below this). */
  get nas(): number {
    return this.tables.length;
  }

  /** Bytes mapped in an ASID. */
  mappedBytes(asid: number): number {
    return this.tables[asid]?.bytes ?? 0;
  }

  /** Gives the device its current translation: the tables when on, transport addresses when off. */
  private install(): void {
    this.tables.forEach((t, asid) => this.core.setSpace(asid, { identity: !this.on, iotlb: t }));
  }

  /** MMU_ENABLE. */
  enable(on: boolean): Result {
    this.on = on;
    this.install();
    return OK;
  }

  /** MMU_ASID_SET: EINVAL for a vq the device does not have or an ASID past nas. */
  asidSet(vq: number, asid: number): Result {
    if (!this.core.validVq(vq)) return err('EINVAL', `no vq ${vq}`);
    if (!Number.isInteger(asid) || asid < 0 || asid >= this.tables.length) return err('EINVAL', `asid ${asid} >= ${this.tables.length} address spaces`);
    this.core.bindVqAsid(vq, asid);
    return OK;
  }

  /** MMU_MAP of [iovaStart, iovaEnd] (inclusive) to dmaStart: EEXIST when it intersects a mapped range (the seed's MUST), EINVAL for a bad range or ASID. */
  map(asid: number, iovaStart: number, iovaEnd: number, dmaStart: number, flags: number): Result {
    const t = this.tables[asid];
    if (t === undefined) return err('EINVAL', `asid ${asid} >= ${this.tables.length} address spaces`);
    const perm = permOf(flags);
    if (perm === null) return err('EINVAL', 'MMU_MAP without READ or WRITE');
    if (iovaEnd < iovaStart) return err('EINVAL', `iova_end ${iovaEnd} < iova_start ${iovaStart}`);
    return t.add(iovaStart, iovaEnd - iovaStart + 1, dmaStart, perm);
  }

  /** MMU_UNMAP: every mapped range intersecting [iovaStart, iovaEnd] goes; returns how many. */
  unmap(asid: number, iovaStart: number, iovaEnd: number): Result<number> {
    const t = this.tables[asid];
    if (t === undefined) return err('EINVAL', `asid ${asid} >= ${this.tables.length} address spaces`);
    if (iovaEnd < iovaStart) return err('EINVAL', `iova_end ${iovaEnd} < iova_start ${iovaStart}`);
    return ok(t.del(iovaStart, iovaEnd - iovaStart + 1).length);
  }

  /** MMU_ERR_GET: the last failure (ENOENT when there was none). */
  errGet(): Result<MmuError> {
    return this.lastError === null ? err('ENOENT', 'no device MMU error recorded') : ok(this.lastError);
  }

  /** A translation failure: recorded, and DEVICE_MMU_FAIL set beside the core's DEVICE_NEEDS_RESET. */
  private fault(f: DmaFault): void {
    this.lastError = {
      reason: f.kind === 'miss' ? MmuErrReason.NON_EXIST : MmuErrReason.ACC_VIOLATION,
      queueIndex: f.vq,
      asid: f.asid,
      iovaStart: f.iova,
      iovaEnd: f.iova + Math.max(f.len, 1) - 1,
      flags: f.access === 'write' ? MmuFlag.WRITE : MmuFlag.READ,
    };
    this.core.markStatus(Status.DEVICE_MMU_FAIL);
  }

  /** The device's reset: MMU off, every vq back to ASID 0, the error cleared; the maps go unless kept. */
  reset(): void {
    this.on = false;
    this.lastError = null;
    for (let vq = 0; vq < this.core.nvqs; vq++) this.core.bindVqAsid(vq, 0);
    if (!this.keepMaps) for (const t of this.tables) t.clear();
    this.install();
  }
}
