// platformIommu.ts — a parent behind the platform IOMMU, as vp_vdpa, ifcvf, octeon_ep or pds_vdpa
// are: no set_map and no dma_map, so vhost-vdpa maps each IOTLB entry into the IOMMU domain it
// attached the device to (iommu_map), paid per entry and per page; one virtqueue group and one
// address space (vhost_vdpa_probe refuses more), so the CVQ cannot be isolated; the domain keeps
// its maps across reset, so vhost-vdpa offers IOTLB_PERSIST.

import type { Profile } from './profile.js';

export const platformIommuProfile: Profile = {
  name: 'platform_iommu',
  description: 'Parent behind the platform IOMMU (vp_vdpa-like): vhost-vdpa maps into its IOMMU domain, 1 group, 1 ASID',
  capabilities: {
    ngroups: 1, // vhost_vdpa_probe: a parent without set_map/dma_map may not have more
    nas: 1,
    dataGroup: 0,
    cvqGroup: 0, // with the data vqs: vhost_vdpa_probe_cvq_isolation finds it not isolated
    dataDescGroup: null,
    iotlbPersist: false, // vhost-vdpa offers IOTLB_PERSIST anyway: the parent maps nothing itself (vhost_vdpa_has_persistent_map)
    resetMap: false,
    identityMapAtInit: false,
    mapModel: 'platformIommu',
    suspend: true,
    resume: true,
    maxIotlbEntries: null,
    maxQueuePairs: 64,
    maxQueueSize: 1024,
    // What the device below offers: modelled as a virtio-net device provisioned split-only (vdpa
    // dev add ... device_features). A real one often offers RING_PACKED, INDIRECT_DESC or
    // RING_RESET, and vp_vdpa passes them on; a profile offering any of them gets QEMU's SVQ
    // migration blocker (vhost_svq_valid_features), unless migration.strategies.svqPacked lets packed through.
    ringLayouts: ['split'],
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
    dmaMapPerRangeNs: 5_000, // unsourced: one iommu_map call per IOTLB entry
    dmaMapPerPageNs: 20, // unsourced: IOMMU page-table update per 4 KiB page (2 MiB pages would be cheaper)
    cvqCommandNs: 3_350, // 13732 µs / ~4099 commands (vp_vdpa CVQ load, Aug 2023)
    vringEnableNs: 2_690, // 75 µs for 16 data vrings (Palmer, Aug 2025): 75 µs / 16 − ioctlNs
    jitter: 0.05, // unsourced: IOMMU page-table updates and pinning vary with memory layout
  },
};
