// mlx5.ts — an mlx5_vdpa-like ConnectX device (drivers/vdpa/mlx5): on-chip IOMMU whose set_map
// rebuilds an MKEY memory region, groups DATAVQ=0 / CVQ=1 / DATAVQ_DESC=2, 2 ASIDs, a descriptor
// group, reset_map back to the initial 1:1 map, suspend/resume, maps kept across reset.

import type { Profile } from './profile.js';

export const mlx5Profile: Profile = {
  name: 'mlx5',
  description: 'mlx5_vdpa (Linux 6.12+) on-chip IOMMU: MKEY set_map, descriptor group, reset_map, 1:1 initial map',
  capabilities: {
    ngroups: 3, // MLX5_VDPA_NUMVQ_GROUPS: DATAVQ, CVQ, DATAVQ_DESC
    nas: 2, // MLX5_VDPA_NUM_AS
    dataGroup: 0, // MLX5_VDPA_DATAVQ_GROUP
    cvqGroup: 1, // MLX5_VDPA_CVQ_GROUP
    dataDescGroup: 2, // MLX5_VDPA_DATAVQ_DESC_GROUP
    iotlbPersist: false, // not declared by the parent: vhost-vdpa offers IOTLB_PERSIST because it has .reset_map
    resetMap: true,
    identityMapAtInit: true, // the DMA MR (1:1) is created at device add
    mapModel: 'setMap',
    mkeys: true,
    suspend: true,
    resume: true,
    maxIotlbEntries: null, // no entry limit: chunks are folded into MKEYs
    maxQueuePairs: 256,
    maxQueueSize: 32768,
    ringLayouts: ['split'],
    inOrder: false,
    partialOrder: false,
  },
  costs: {
    ioctlNs: 2_000, // unsourced: syscall + vhost-vdpa entry
    // Suspend of 32 vqs: 37 ms serial → 2.5 ms parallel ("[PATCH vhost 0/7] vdpa/mlx5: Parallelize
    // device suspend/resume", Aug 2024): 37 ms / 32 vqs ≈ 1.156 ms per vq; 16 in flight gives 2 rounds ≈ 2.3 ms.
    suspendPerVqNs: 1_156_000,
    // Resume of 32 vqs: 16 ms serial (same series): 0.5 ms per vq. With 16 in flight this gives 1 ms,
    // below the 5 ms reported after parallelizing (one parallelism parameter serves both).
    resumePerVqNs: 500_000,
    suspendParallelism: 16, // same series; chosen so the suspend figure is matched
    resetNs: 1_000_000, // unsourced
    // vq creation + resume, 16 queue pairs: ~370 ms → 60 ms with vqs pre-created ("[PATCH vhost 0/23]
    // vdpa/mlx5: Pre-create HW VQs at .dev_add", Jun 2024): (370 - 60) ms / 32 vqs ≈ 9.7 ms per vq.
    vqCreateNs: 9_700_000,
    // Linux 6.11+ ("Pre-create HW VQs at .dev_add"): blank vqs created at device add and after a reset that needs it;
    // "now it's down to 60 ms (only VQ config and resume)" for 32 vqs: 1.875 ms per vq at DRIVER_OK.
    vqCreateAt: 'devAdd',
    vqConfigNs: 1_875_000,
    // mlx5_vdpa_set_driver_features records the features and the CVQ's layout; no firmware
    // command. Unsourced. (The queue-pair and steering work of DRIVER_OK is in vqCreateNs and vqConfigNs.)
    configureNs: 50_000,
    setMapBaseNs: 50_000, // unsourced: driver bookkeeping of one set_map
    // One firmware command: a serial vq resume is one MODIFY per vq, 16 ms for 32 vqs ("[PATCH vhost 0/7]
    // vdpa/mlx5: Parallelize device suspend/resume", Aug 2024): 0.5 ms each. CREATE_MKEY, DESTROY_MKEY and the
    // indirect MKEY are taken as one such command (derived by analogy).
    mkeyCreateNs: 500_000,
    mkeyChunkBytes: 1 << 30, // mr.c: one direct MKEY covers at most 1 GiB
    indirectMkeyNs: 500_000,
    mkeyDestroyNs: 500_000,
    // Parallel MKEY creation is 3–5× faster and destruction 8× ("[PATCH vhost v2 0/7] vdpa/mlx5: Optimze MKEY
    // operations", Aug 2024), not 16×: the host prepares each command in turn. Fitted at 256 direct MKEYs with 16
    // in flight: 4× (the middle) gives a host share of a quarter of the command, 8× one fourteenth.
    mkeyHostNs: 125_000,
    mkeyDestroyHostNs: 35_700,
    firmwareConcurrency: 16, // mlx5_core's throttle_sem: DIV_ROUND_UP(max_reg_cmds, 2), 16 for the usual 31 command slots (slot count unsourced)
    setMapPerPageNs: 0, // the MR's per-page work is mrDmaMapPerPageNs and mttEntryNs
    // map_direct_mr's dma_map_sg_attrs: no page-table work with the host IOMMU in passthrough (iommu=pt), as vDPA
    // hosts usually run; unsourced. (Palmer's 19.7 ms/GiB THP slope, 6 Jun 2025, spans guest boot work too, so it
    // is not taken as this cost.)
    mrDmaMapPerPageNs: 0,
    mttEntryNs: 2, // unsourced: firmware reading one 8-byte MTT entry of a CREATE_MKEY inbox
    mrDestroy: 'deferred', // Linux 6.12+ ("Optimze MKEY operations", Aug 2024): MR GC work
    mrGcDelayNs: 2_000_000_000, // MLX5_VDPA_MR_GC_TRIGGER_MS
    dmaMapPerRangeNs: 0,
    dmaMapPerPageNs: 0,
    cvqCommandNs: 3_350, // 13732 µs / ~4099 commands queued at once (vp_vdpa CVQ load, Aug 2023)
    vringEnableNs: 2_690, // 0.07–0.08 ms for all 16 data vrings of 8 queue pairs (Palmer, Aug 2025): 75 µs / 16 − ioctlNs
    jitter: 0.1, // unsourced: firmware command latency varies between runs
  },
};
