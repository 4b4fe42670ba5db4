// profileDocs.ts — what every field of a profile file means, keyed by field path, for the
// published JSON Schema (`svqsim schema --profile`, and a scenario's per-device overrides).
// Kept apart from profile.ts so the schema's shape and its documentation change independently;
// a test fails when a field has no entry here or an entry names no field.

/** The documentation of one field: a description and, where they help, example values. */
export interface FieldDoc {
  readonly description: string;
  readonly examples?: readonly unknown[];
}

/** Field docs by path (`costs.ioctlNs`, `devices[].name`): a description, or one with examples. */
export type FieldDocs = Readonly<Record<string, string | FieldDoc>>;

const ns = (text: string, ...examples: number[]): FieldDoc => ({
  description: `${text} Integer nanoseconds.`,
  ...(examples.length > 0 ? { examples } : {}),
});

export const PROFILE_FIELD_DOCS: FieldDocs = {
  name: { description: 'Profile name: lower-case letters, digits, "_", "." and "-".', examples: ['my-nic'] },
  description: 'One line describing the device. A profile that extends another inherits its description when this is absent; otherwise it is required.',
  extends: {
    description:
      'The profile this one starts from: a shipped profile name (see `svqsim list`) or the path of another profile file, relative to this file. Its capabilities and costs are then merged field by field with the ones given here, which may be any subset.',
    examples: ['mlx5', './base-nic.yaml'],
  },
  capabilities: 'What the device can do: drives which backend features vhost-vdpa offers and which kernel rules apply. Any subset when the profile extends another, every field otherwise.',
  'capabilities.ngroups': 'Virtqueue groups the device exposes (vdpa_config_ops.ngroups), 1 to 64.',
  'capabilities.nas': 'Address spaces (ASIDs) the device has (vdpa_config_ops.nas), 1 to 64.',
  'capabilities.dataGroup': "Group of the data virtqueues' buffers; below ngroups.",
  'capabilities.cvqGroup': 'Group of the control virtqueue; below ngroups. A CVQ in a group of its own lets QEMU isolate it in ASID 1.',
  'capabilities.dataDescGroup': {
    description: 'Dedicated descriptor group of the data virtqueues (get_vq_desc_group), or null for none; below ngroups and different from dataGroup. Needed by the descGroup strategy (DESC_ASID).',
    examples: [2, null],
  },
  'capabilities.iotlbPersist':
    'The parent itself declares VHOST_BACKEND_F_IOTLB_PERSIST (its get_backend_features). vhost-vdpa also offers the bit when the parent implements reset_map (vhost_vdpa_has_persistent_map).',
  'capabilities.resetMap': 'Implements .reset_map: an on-chip IOMMU returns to its initial map at reset instead of dropping every mapping; vhost-vdpa then offers IOTLB_PERSIST too.',
  'capabilities.identityMapAtInit': 'Starts with, and returns to, a 1:1 identity map (an on-chip IOMMU such as mlx5).',
  'capabilities.mapModel':
    'How the device takes mappings: setMap (every UPDATE or INVALIDATE outside a batch rebuilds the whole map of the ASID; one rebuild per batch inside one) or dmaMap (incremental dma_map/dma_unmap, paid per range and page).',
  'capabilities.useVa':
    'vdpa_device.use_va: the parent takes user virtual addresses (vdpa_sim\'s default use_va=1, VDUSE), so vhost-vdpa maps VMAs without pinning (vhost_vdpa_va_map). Optional; default false (guest RAM is pinned).',
  'capabilities.iovaRange': {
    description: 'The IOVA range the device translates, inclusive (get_iova_range; QEMU reads it with VHOST_VDPA_GET_IOVA_RANGE): an UPDATE outside it fails with EINVAL. Optional; absent: every IOVA.',
    examples: [{ first: 0, last: 4294967295 }],
  },
  'capabilities.iovaRange.first': 'First IOVA the device translates.',
  'capabilities.iovaRange.last': 'Last IOVA the device translates (inclusive).',
  'capabilities.mkeys':
    'setMap devices: the map is a memory region of MKEYs built by firmware (mlx5: one direct MKEY per contiguous chunk of at most costs.mkeyChunkBytes plus one indirect MKEY) rather than a software copy of the IOTLB. Optional; default false.',
  'capabilities.suspend': 'Supports SUSPEND (VHOST_BACKEND_F_SUSPEND). The upstream stop sequence needs it: a device without it is refused.',
  'capabilities.resume': 'Supports RESUME (VHOST_BACKEND_F_RESUME).',
  'capabilities.maxIotlbEntries': { description: 'Most IOTLB entries per ASID (vdpa_sim: 2048), or null for no limit.', examples: [2048, null] },
  'capabilities.maxQueuePairs': 'Most data queue pairs a device may use, 1 to 256 (bounds devices[].queuePairs in a scenario).',
  'capabilities.maxQueueSize': 'Largest virtqueue size, 2 to 32768 (bounds devices[].queueSize in a scenario).',
  'capabilities.ringLayouts': { description: 'Ring layouts the device supports: split and/or packed (devices[].ring must be one of them). A device offering packed offers VIRTIO_F_RING_PACKED, which upstream QEMU\'s shadow virtqueue refuses at netdev init: a migration blocker, unless migration.strategies.svqPacked (a proposal).', examples: [['split'], ['split', 'packed']] },
  'capabilities.inOrder': 'Offers VIRTIO_F_IN_ORDER. QEMU\'s shadow virtqueue refuses it at netdev init, so migration is blocked (no strategy lifts that).',
  'capabilities.partialOrder': 'Offers the proposed VIRTIO_F_PARTIAL_ORDER (used entries may carry a FLUSH flag that ends an in-order batch). Upstream QEMU\'s shadow virtqueue refuses the bit (a migration blocker); the pageFaults strategy\'s proposal accepts it.',
  'capabilities.pageFaults': {
    description:
      'The device can take page faults instead of needing guest memory pinned (the pageFaults strategy): pri (PCIe ATS/PRI with a PASID bound to the QEMU process mm: page requests answered asynchronously, at most costs.priCredits outstanding) or va (a use_va parent reaching user memory through the mm bound to it, faulting synchronously in its worker). Optional; absent: neither. No shipping vDPA NIC offers pri.',
    examples: ['pri', 'va'],
  },
  costs: 'The cost model, in integer nanoseconds unless noted. Any subset when the profile extends another, every field otherwise.',
  'costs.ioctlNs': ns('Fixed cost of any vhost-vdpa ioctl (syscall and driver entry).', 2000),
  'costs.suspendPerVqNs': ns('SUSPEND, per virtqueue (serial unless suspendParallelism > 1).', 1156000),
  'costs.resumePerVqNs': ns('RESUME, per virtqueue (in parallel like suspend).', 500000),
  'costs.suspendParallelism': { description: 'Virtqueues the firmware suspends or resumes in parallel (1 = serial).', examples: [1, 16] },
  'costs.resetNs': ns('Device reset (status 0), fixed cost.', 1000000),
  'costs.vqCreateNs': ns('Hardware virtqueue creation, per virtqueue (when: vqCreateAt).', 9700000),
  'costs.vqCreateAt': {
    description:
      'When hardware vqs are created: driverOk (at DRIVER_OK, Linux before 6.11) or devAdd (blank at device add and again at every reset that needs it, Linux 6.11+, "Pre-create HW VQs"). Optional; default driverOk.',
    examples: ['devAdd'],
  },
  'costs.vqRecreateAtReset': 'vqCreateAt devAdd: a reset after the vqs were used tears them down and creates blank ones again inside the reset (mlx5_vdpa_compat_reset). Optional; default true; false keeps the used vqs (an open question, see README Calibration D).',
  'costs.vqConfigNs': ns('Configuring and resuming one hardware vq at DRIVER_OK, besides its creation. Optional; default 0.', 1875000),
  'costs.configureNs': ns('Configuring features and vq parameters (SET_FEATURES and the vring setup before DRIVER_OK), fixed.', 50000),
  'costs.setMapBaseNs': ns('setMap devices: fixed cost of one whole-map rebuild.', 50000),
  'costs.mkeyCreateNs': ns('setMap devices with MKEYs: the firmware time of creating one direct MKEY (one per chunk of at most mkeyChunkBytes); up to firmwareConcurrency overlap.', 500000),
  'costs.mkeyChunkBytes': { description: 'Bytes one direct MKEY covers at most (mlx5: 1 GiB).', examples: [1073741824] },
  'costs.indirectMkeyNs': ns('Creating the indirect MKEY over the direct ones.', 500000),
  'costs.mkeyDestroyNs': ns('The firmware time of destroying one MKEY (inside set_map with mrDestroy sync, else by the MR GC work).', 500000),
  'costs.mkeyHostNs': ns('MKEY devices: the host\'s serial work per direct MKEY created (inbox allocated and filled, mailbox set up) before the firmware takes it; the firmware commands overlap, this does not. Optional; default 0.', 137500),
  'costs.mkeyDestroyHostNs': ns('MKEY devices: the host\'s serial work per MKEY destroyed. Optional; default 0.', 39300),
  'costs.mttEntryNs': { description: 'MKEY devices: firmware time per MTT entry a direct MKEY carries (entries sized by the gcd of the IOTLB entry lengths), nanoseconds (may be fractional). Optional; default 0.', examples: [2] },
  'costs.mrDmaMapPerPageNs': {
    description: "MKEY devices: DMA-mapping a direct MR's scatter list (dma_map_sg_attrs in map_direct_mr), per 4 KiB page, nanoseconds (may be fractional; 0 with iommu=pt). Optional; default 0.",
    examples: [0],
  },
  'costs.mrDestroy': {
    description: 'MKEY devices: how a replaced memory region is destroyed: sync (inside set_map, before Linux 6.12; firmwareConcurrency commands at a time) or deferred (to the MR garbage-collection work, 6.12+). Optional; default deferred.',
    examples: ['deferred', 'sync'],
  },
  'costs.mrGcDelayNs': ns('MKEY devices: delay of the MR garbage-collection work (MLX5_VDPA_MR_GC_TRIGGER_MS). Optional; default 2 s.', 2000000000),
  'costs.firmwareConcurrency': { description: 'Firmware commands in flight at once (MKEY creation parallelism).', examples: [16] },
  'costs.setMapPerPageNs': { description: 'setMap devices: cost per 4 KiB page of walking the IOTLB into the new map (software copies), nanoseconds (may be fractional).', examples: [2, 0] },
  'costs.dmaMapPerRangeNs': ns('dmaMap devices: per range mapped or unmapped.', 0),
  'costs.dmaMapPerPageNs': { description: 'dmaMap devices: per 4 KiB page mapped (IOMMU page-table updates), nanoseconds (may be fractional).', examples: [0, 20] },
  'costs.cvqCommandNs': ns('One control-virtqueue command processed by the device.', 3350),
  'costs.vringEnableNs': ns('Enabling one vring (SET_VRING_ENABLE), on top of ioctlNs.', 2690),
  'costs.adminVqSize': { description: 'Admin-vq transport: descriptors of the management device\'s admin virtqueue (two per command). Optional; default 64 (unsourced).', examples: [64] },
  'costs.adminCommandNs': ns('Admin-vq transport: the device\'s work per admin command. Optional; default 10 µs (unsourced).', 10000),
  'costs.adminNotifyNs': ns('Admin-vq transport: one submission\'s doorbell write plus its completion interrupt and the driver\'s wake-up. Optional; default 5 µs (unsourced).', 5000),
  'costs.mmuMapNs': ns('Admin-vq transport: a device MMU MAP or UNMAP command, besides adminCommandNs. Optional; default 2 µs (unsourced).', 2000),
  'costs.mmuMapPerPageNs': { description: 'Admin-vq transport: the device MMU\'s table update per 4 KiB page mapped, nanoseconds (may be fractional). Optional; default 0.5 (unsourced).', examples: [0.5] },
  'costs.vdevCreateNs': ns('Admin-vq transport: creating a virtual device (VDEV_CREATE). Optional; default 10 ms (unsourced).', 10000000),
  'costs.devPartsPerByteNs': { description: 'Device parts (virtio 1.4): the device writing or reading its parts, per byte (DEV_PARTS_GET/SET), nanoseconds (may be fractional). Optional; default 1 (unsourced).', examples: [1] },
  'costs.priRequestNs': ns('pageFaults pri: a Page Request Message from the device to the IOMMU and its queueing to the host (page request queue, interrupt, iommu_report_device_fault). Optional; default 2000 (unsourced).', 2000),
  'costs.pageResponseNs': ns('pageFaults pri: the PRG Response Message back to the device and its ATS re-translation. Optional; default 1000 (unsourced).', 1000),
  'costs.priCredits': {
    description: "pageFaults pri: page requests the device may have outstanding at once (its PRI Outstanding Page Request Capacity; Intel VT-d allocates at most PRQ_DEPTH, 2048). A fault needing more pages than free credits waits for them. Optional; default 64 (unsourced).",
    examples: [64, 2048],
  },
  'costs.jitter': {
    description:
      "Run-to-run variation of the device's and the host's operation times (firmware commands, pinning, vq creation, configuration): each such cost is drawn from a normal distribution with this coefficient of variation, truncated at zero; the firmware commands of one batch (an MR's direct MKEYs, a GC work's destroys) share one draw. 0 to 1; optional, absent or 0: every run identical.",
    examples: [0.1],
  },
};
