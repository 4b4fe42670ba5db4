// vdpaSim.ts — the software vDPA simulator (Linux drivers/vdpa/vdpa_sim, net flavour).
// 3 vqs (RX, TX, CVQ), CVQ alone in group 1, 2 address spaces, whole-map set_map,
// at most 2048 IOTLB entries per ASID, suspend/resume, reset_map, no descriptor group.

import type { Profile } from './profile.js';

export const vdpaSimProfile: Profile = {
  name: 'vdpa_sim',
  description: 'Software vDPA simulator (vdpa_sim_net): 2 groups, 2 ASIDs, set_map, no descriptor group',
  capabilities: {
    ngroups: 2, // VDPASIM_NET_GROUP_NUM
    nas: 2, // VDPASIM_NET_AS_NUM
    dataGroup: 0,
    cvqGroup: 1,
    dataDescGroup: null,
    iotlbPersist: false, // not declared by the parent: vhost-vdpa offers IOTLB_PERSIST because it has .reset_map
    resetMap: true,
    identityMapAtInit: true, // vdpasim_do_reset_map installs a passthrough (iommu_pt) range over all addresses
    mapModel: 'setMap', // batch_mapping=1 (the module default): vdpasim_batch_config_ops with set_map
    useVa: true, // use_va=1 (the module default): vhost_vdpa_va_map, nothing pinned
    suspend: true,
    resume: true,
    maxIotlbEntries: 2048, // vdpa_sim's iotlb limit per address space
    maxQueuePairs: 1,
    maxQueueSize: 256,
    // Split only: VDPASIM_FEATURES (drivers/vdpa/vdpa_sim/vdpa_sim.h) is ANY_LAYOUT | VERSION_1 |
    // ACCESS_PLATFORM, no RING_PACKED — the simulator's vringh drives split rings only.
    ringLayouts: ['split'],
    inOrder: false,
    partialOrder: false,
    // use_va with the process mm bound (vhost_vdpa_bind_mm → the parent's bind_mm): the worker
    // reaches guest memory through the mm and faults pages in itself, synchronously.
    pageFaults: 'va',
  },
  costs: {
    // Software device: every cost is small and unsourced unless noted.
    ioctlNs: 2_000, // unsourced: syscall + vhost-vdpa entry
    suspendPerVqNs: 1_000, // unsourced
    resumePerVqNs: 1_000, // unsourced
    suspendParallelism: 1,
    resetNs: 10_000, // unsourced
    vqCreateNs: 0, // software vqs need no creation
    configureNs: 50_000, // unsourced
    setMapBaseNs: 5_000, // unsourced: vhost_iotlb copy of the new map
    mkeyCreateNs: 0,
    mkeyChunkBytes: 1 << 30,
    indirectMkeyNs: 0,
    mkeyDestroyNs: 0,
    firmwareConcurrency: 1,
    setMapPerPageNs: 0,
    dmaMapPerRangeNs: 0,
    dmaMapPerPageNs: 0,
    cvqCommandNs: 3_350, // 13732 us / ~4099 commands queued at once (vp_vdpa CVQ load, Aug 2023)
    vringEnableNs: 2_690, // 0.07-0.08 ms for all 16 data vrings of 8 queue pairs (Palmer, Aug 2025): 75 us / 16 - ioctlNs
    jitter: 0.02, // unsourced: a software device varies little
  },
};
