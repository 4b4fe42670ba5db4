// dirtyTracker.ts — who records the guest pages a passthrough device writes while a migration
// without SVQ (virtio 1.4 device parts) runs, and at what granularity:
//  - `iommu`: the platform IOMMU's dirty bits, read and cleared by the VMM through iommufd
//    (IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP). This is what a vfio/virtio
//    migration relies on: the driver (drivers/vfio/pci/virtio/migrate.c, Linux 6.13+) registers
//    migration ops (STOP_COPY | P2P) and no DMA-logging ops, so QEMU needs IOMMU dirty tracking.
//    The dirty bit lives in the leaf IO page-table entry, so a write marks the whole IO page the
//    mapping used (4 KiB, 2 MiB or 1 GiB, as the guest RAM backing lets the IOMMU map it), and
//    reading the bitmap walks every leaf entry of the mapped guest RAM.
//  - `device`: the device records the 4 KiB pages it writes and reports them over the admin vq.
//    No such command is in the virtio text the Linux drivers implement; it is modelled as a
//    proposal (write-recording commands were discussed on virtio-comment, not merged).
// Ranges are kept per granule start, bounded by the buffers the device writes.

import type { DeviceCore } from '../core/deviceCore.js';
import type { DirtyGpaRange } from '../uapi/adminVq.js';

/** Which dirty tracking a device-parts migration uses. */
export type DirtyTracking = 'iommu' | 'device';


export class DirtyTracker {
  /** Bytes one dirty record covers (the IO page size, or the device's 4 KiB). */
  readonly granule: number;
  /** Granule starts written since the last read. */
  private dirty = new Set<number>();
  /** The device being tracked (null while not tracking). */
  private core: DeviceCore | null = null;

  constructor(granule: number) {
    this.granule = granule;
  }

  /** Starts recording the device's writes. */
  start(core: DeviceCore): void {
    this.core = core;
    core.setWriteLogger((_vq, iova, len) => this.written(iova, len));
  }

  /** Stops recording. */
  stop(): void {
    this.core?.setWriteLogger(null);
    this.core = null;
  }

  /** Whether it records now. */
  get tracking(): boolean {
    return this.core !== null;
  }

  private written(iova: number, len: number): void {
    const g = this.granule;
    const end = iova + Math.max(len, 1);
    for (let at = Math.floor(iova / g) * g; at < end; at += g) this.dirty.add(at);
  }

  /** Granules dirty since the last read. */
  get pending(): number {
    return this.dirty.size;
  }

  /** Reads and clears the record (GET_DIRTY_BITMAP with its clear, or the device's report). */
  read(): DirtyGpaRange[] {
    const out = [...this.dirty].sort((a, b) => a - b).map((gpa) => ({ gpa, len: this.granule }));
    this.dirty = new Set();
    return out;
  }
}
