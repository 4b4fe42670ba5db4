// vdpaSimDma.ts — vdpa_sim loaded with batch_mapping=0: the parent offers dma_map/dma_unmap
// (vdpasim_config_ops) instead of set_map, so each IOTLB entry is inserted into its own IOTLB as
// it comes, batch or not; otherwise the same device as `vdpa_sim` (use_va, 2 groups, 2 ASIDs).

import type { Profile } from './profile.js';
import { vdpaSimProfile } from './vdpaSim.js';

export const vdpaSimDmaProfile: Profile = {
  ...vdpaSimProfile,
  name: 'vdpa_sim-dma',
  description: 'vdpa_sim with batch_mapping=0: incremental dma_map/dma_unmap instead of set_map',
  capabilities: { ...vdpaSimProfile.capabilities, mapModel: 'dmaMap' },
  costs: {
    ...vdpaSimProfile.costs,
    dmaMapPerRangeNs: 200, // unsourced: vhost_iotlb_add_range_ctx into the simulator's own IOTLB
    dmaMapPerPageNs: 0, // a software IOTLB: no per-page work
  },
};
