// platformIommu.ts — a device behind the platform IOMMU (vhost-vdpa maps each range into an IOMMU
// domain, or a parent with incremental dma_map/dma_unmap): pays per range and per page at once,
// has no map of its own to lose on reset, no descriptor group.

import type { Profile } from './profile.js';

export const platformIommuProfile: Profile = {
  name: 'platform_iommu',
  description: 'Device behind the platform IOMMU: incremental dma_map/dma_unmap, maps kept across reset',
  capabilities: {
    ngroups: 2,
    nas: 2,
    dataGroup: 0,
    cvqGroup: 1,
    dataDescGroup: null,
    iotlbPersist: true, // stands for vhost_vdpa_has_persistent_map of a parent mapped through the platform IOMMU (no set_map/dma_map)
    resetMap: false,
    identityMapAtInit: false,
    mapModel: 'dmaMap',
    suspend: true,
    resume: true,
    maxIotlbEntries: null,
    maxQueuePairs: 64,
    maxQueueSize: 1024,
    ringLayouts: ['split', 'packed'],
    inOrder: false,
    partialOrder: false,
  },
  costs: {
    ioctlNs: 2_000, // unsourced
    suspendPerVqNs: 100_000, // unsourced
    resumePerVqNs: 100_000, // unsourced
    suspendParallelism: 1, // unsourced
    resetNs: 1_000_000, // unsourced
    vqCreateNs: 100_000, // unsourced
    configureNs: 10_000_000, // unsourced
    setMapBaseNs: 0,
    mkeyCreateNs: 0,
    mkeyChunkBytes: 1 << 30,
    indirectMkeyNs: 0,
    mkeyDestroyNs: 0,
    firmwareConcurrency: 1,
    setMapPerPageNs: 0,
    dmaMapPerRangeNs: 5_000, // unsourced: IOMMU domain call per range
    dmaMapPerPageNs: 20, // unsourced: IOMMU page-table update per 4 KiB page (2 MiB pages would be cheaper)
    cvqCommandNs: 3_350, // 13732 µs / ~4099 commands (vp_vdpa CVQ load, Aug 2023)
    vringEnableNs: 2_690, // 75 µs for 16 data vrings (Palmer, Aug 2025): 75 µs / 16 − ioctlNs
    jitter: 0.05, // unsourced: IOMMU page-table updates and pinning vary with memory layout
  },
};
