// svqRings.ts — the shadow vring areas of one SVQ as hw/virtio/vhost-vdpa.c handles them
// (vhost_vdpa_svq_map_rings / vhost_vdpa_svq_unmap_rings): the shadow vring QEMU allocates, and
// its two areas mapped into the device's IOVA space
// (driver area = descriptors + avail ring, read-only to the device; device area = used ring,
// writable), each with one IOTLB UPDATE and one INVALIDATE to unmap.

import type { Proc } from '../sim/kernel/index.js';
import { Access, type AccessMode, type IotlbWriter, type VringAddr } from '../device/uapi/uapi.js';
import type { Result } from '../device/uapi/errno.js';
import type { QemuHeap } from './qemuHeap.js';
import type { IovaAllocator } from './iovaAllocator.js';
import { iotlbBatch } from './iotlbBatch.js';

/** Byte sizes of a shadow vring's two areas, page-aligned as QEMU allocates them. */
export interface SvqAreaSizes {
  /** Descriptor table bytes (the avail ring follows it in the driver area). */
  descBytes: number;
  driverAreaBytes: number;
  deviceAreaBytes: number;
}

/** A mapped area: where it lives in QEMU and where the device sees it. */
interface MappedArea {
  hva: number;
  iova: number;
  size: number;
}

export class SvqRings {
  /** Index of the virtqueue this SVQ shadows. */
  readonly vq: number;
  /** Area sizes of the shadow vring. */
  private readonly sizes: SvqAreaSizes;
  /** Driver area (descriptor table + avail ring) once allocated. */
  private driverArea: MappedArea | null = null;
  /** Device area (used ring) once allocated. */
  private deviceArea: MappedArea | null = null;
  /** ASID the areas are mapped in, while mapped. */
  mappedAsid: number | null = null;

  constructor(vq: number, sizes: SvqAreaSizes, heap: QemuHeap) {
    this.vq = vq;
    this.sizes = sizes;
    this.driverArea = { hva: heap.alloc(sizes.driverAreaBytes, 'shadowVring'), iova: -1, size: sizes.driverAreaBytes };
    this.deviceArea = { hva: heap.alloc(sizes.deviceAreaBytes, 'shadowVring'), iova: -1, size: sizes.deviceAreaBytes };
  }

  /** Host addresses of the shadow vring (where the ring object is placed). */
  get hva(): { driver: number; device: number } {
    return { driver: (this.driverArea as MappedArea).hva, device: (this.deviceArea as MappedArea).hva };
  }

  /** The vring addresses to give SET_VRING_ADDR, valid while mapped. */
  vringAddr(): VringAddr {
    const d = this.driverArea as MappedArea;
    const u = this.deviceArea as MappedArea;
    // The avail ring follows the descriptor table inside the driver area.
    return { desc: d.iova, avail: d.iova + this.sizes.descBytes, used: u.iova };
  }

  /** vhost_vdpa_svq_map_rings: allocate IOVAs and send one UPDATE per area (batched only on request). */
  *map(fd: IotlbWriter, iova: IovaAllocator, asid: number, batch: boolean): Proc<Result> {
    const areas: [MappedArea, AccessMode][] = [
      [this.driverArea as MappedArea, Access.RO],
      [this.deviceArea as MappedArea, Access.RW],
    ];
    const r = yield* iotlbBatch(fd, asid, batch, mapAreas(fd, iova, asid, areas));
    if (r.ok) this.mappedAsid = asid;
    return r;
  }

  /** vhost_vdpa_svq_unmap_rings: one INVALIDATE per area, then the IOVAs are freed. */
  *unmap(fd: IotlbWriter, iova: IovaAllocator, batch: boolean): Proc<Result> {
    const asid = this.mappedAsid;
    if (asid === null) return { ok: true, value: undefined };
    const areas = [this.driverArea as MappedArea, this.deviceArea as MappedArea];
    const r = yield* iotlbBatch(fd, asid, batch, unmapAreas(fd, iova, asid, areas));
    this.mappedAsid = null;
    return r;
  }
}

/** vhost_vdpa_svq_map_rings' body: an IOVA and one UPDATE per area, undone on a failure. */
function* mapAreas(fd: IotlbWriter, iova: IovaAllocator, asid: number, areas: readonly [MappedArea, AccessMode][]): Proc<Result> {
  for (let i = 0; i < areas.length; i++) {
    const [area, perm] = areas[i]!;
    const a = iova.alloc(area.size, area.hva);
    if (!a.ok) return a;
    area.iova = a.value;
    const u = yield* fd.iotlbMsg({ type: 'update', asid, iova: area.iova, size: area.size, uaddr: area.hva, perm });
    if (!u.ok) {
      // vhost_vdpa_svq_map_ring drops the IOVA of a map that failed; a failed device area
      // unmaps the driver area too (vhost_vdpa_svq_map_rings, err_device_map).
      iova.free(area.iova);
      area.iova = -1;
      for (let j = 0; j < i; j++) {
        const done = areas[j]![0];
        yield* fd.iotlbMsg({ type: 'invalidate', asid, iova: done.iova, size: done.size });
        iova.free(done.iova);
        done.iova = -1;
      }
      return u;
    }
  }
  return { ok: true, value: undefined };
}

/** vhost_vdpa_svq_unmap_rings' body: one INVALIDATE per area, then its IOVA is freed. */
function* unmapAreas(fd: IotlbWriter, iova: IovaAllocator, asid: number, areas: readonly MappedArea[]): Proc<Result> {
  for (const area of areas) {
    const u = yield* fd.iotlbMsg({ type: 'invalidate', asid, iova: area.iova, size: area.size });
    if (!u.ok) return u;
    iova.free(area.iova);
    area.iova = -1;
  }
  return { ok: true, value: undefined };
}
