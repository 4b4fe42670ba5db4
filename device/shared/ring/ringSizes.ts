// ringSizes.ts — byte sizes of a virtqueue's areas per the virtio spec, and the page-aligned sizes SVQ maps.

import type { RingLayout } from './virtqueue.js';

/** Host page size QEMU's SVQ rounds its areas up to (qemu_real_host_page_size on x86). */
const HOST_PAGE_SIZE = 4096;

export interface RingAreaSizes {
  /** Descriptor area: split descriptor table or packed descriptor ring, 16 bytes per entry. */
  readonly descArea: number;
  /** Driver area: split avail ring (flags, idx, ring[num], used_event) or packed driver event suppression. */
  readonly driverArea: number;
  /** Device area: split used ring (flags, idx, ring[num] of 8 bytes, avail_event) or packed device event suppression. */
  readonly deviceArea: number;
  /** What SVQ allocates and maps for the descriptor and driver areas together, rounded up to the page size. */
  readonly svqDriverArea: number;
  /** What SVQ allocates and maps for the device area, rounded up to the page size. */
  readonly svqDeviceArea: number;
}

function roundUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/**
 * Area sizes for `num` entries. Split: desc 16*num, avail 6+2*num, used 6+8*num. Packed: desc
 * 16*num, each event suppression structure 4. The SVQ sizes place the driver area right after the
 * descriptors in one allocation (as QEMU's vhost_svq_driver_area_size does for split rings).
 */
export function ringAreaSizes(layout: RingLayout, num: number, pageSize: number = HOST_PAGE_SIZE): RingAreaSizes {
  const descArea = 16 * num;
  const driverArea = layout === 'split' ? 6 + 2 * num : 4;
  const deviceArea = layout === 'split' ? 6 + 8 * num : 4;
  return {
    descArea,
    driverArea,
    deviceArea,
    svqDriverArea: roundUp(descArea + driverArea, pageSize),
    svqDeviceArea: roundUp(deviceArea, pageSize),
  };
}
