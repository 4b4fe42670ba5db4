// dmaMap.ts — the cost of a parent's incremental map or unmap, from a profile's costs. Apart from
// profile.ts (the profile's schema) so the device model loads no schema library.

import type { Costs } from './profile.js';

/**
 * The time of incremental mapping or unmapping (a parent's dma_map/dma_unmap, or vhost-vdpa's
 * iommu_map/iommu_unmap for a platform-IOMMU parent): dmaMapPerRangeNs per IOTLB entry plus
 * dmaMapPerPageNs per 4 KiB page, before the run's jitter.
 */
export function dmaMapNs(c: Pick<Costs, 'dmaMapPerRangeNs' | 'dmaMapPerPageNs'>, entries: number, pages: number): number {
  return entries * c.dmaMapPerRangeNs + Math.round(pages * c.dmaMapPerPageNs);
}
