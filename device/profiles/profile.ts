// profile.ts — a device profile: capability set plus cost model, as a validated shape.
// Shipped profiles live in device/profiles/*.ts; users add their own as YAML/JSON files
// (loaded by sim/scenario and validated against `profileSchema`). Every cost names its source
// in the shipped profile that sets it, or says "unsourced".

import * as z from 'zod';

const ns = z.number().int().nonnegative();

/** What the device can do (drives which backend features it offers and which rules apply). */
export const capabilitiesSchema = z
  .object({
    /** Number of virtqueue groups the device exposes (vdpa_config_ops.ngroups). */
    ngroups: z.number().int().min(1).max(64),
    /** Number of address spaces (vdpa_config_ops.nas). */
    nas: z.number().int().min(1).max(64),
    /** Group of the data virtqueues' buffers. */
    dataGroup: z.number().int().nonnegative(),
    /** Group of the control virtqueue. */
    cvqGroup: z.number().int().nonnegative(),
    /** Dedicated descriptor group of the data virtqueues (get_vq_desc_group), if any. */
    dataDescGroup: z.number().int().nonnegative().nullable(),
    /**
     * The parent itself declares VHOST_BACKEND_F_IOTLB_PERSIST (its get_backend_features). vhost-vdpa
     * offers the bit also when the parent has reset_map, or maps nothing itself
     * (vhost_vdpa_has_persistent_map): see persistentMaps().
     */
    iotlbPersist: z.boolean(),
    /** Implements .reset_map (on-chip IOMMU returning to its initial map). */
    resetMap: z.boolean(),
    /** Starts with, and returns to, a 1:1 identity map (on-chip IOMMU such as mlx5). */
    identityMapAtInit: z.boolean(),
    /**
     * How the device takes mappings: whole-map rebuilds (set_map), incremental ranges (dma_map),
     * or neither (`platformIommu`: the parent's DMA goes through the platform IOMMU, and
     * vhost-vdpa maps into the IOMMU domain it attaches the device to; vhost_vdpa_probe then
     * refuses more than one group or address space).
     */
    mapModel: z.enum(['setMap', 'dmaMap', 'platformIommu']),
    /**
     * vdpa_device.use_va: the parent takes user virtual addresses (vdpa_sim's default use_va=1,
     * VDUSE), so vhost-vdpa maps VMAs without pinning. Optional; default false (pinning).
     */
    useVa: z.boolean().optional(),
    /** The IOVA range the device translates, inclusive (get_iova_range). Optional; default: all of it. */
    iovaRange: z.object({ first: z.number().int().nonnegative(), last: z.number().int().nonnegative() }).strict().optional(),
    /**
     * setMap devices: the map is a memory region of MKEYs built by firmware (mlx5: one direct MKEY
     * per contiguous chunk plus one indirect MKEY) rather than a software copy of the IOTLB.
     * Optional; default false.
     */
    mkeys: z.boolean().optional(),
    suspend: z.boolean(),
    resume: z.boolean(),
    /** Max IOTLB entries per ASID (vdpa_sim: 2048); null = unlimited. */
    maxIotlbEntries: z.number().int().positive().nullable(),
    maxQueuePairs: z.number().int().min(1).max(256),
    maxQueueSize: z.number().int().min(2).max(32768),
    ringLayouts: z.array(z.enum(['split', 'packed'])).min(1),
    inOrder: z.boolean(),
    partialOrder: z.boolean(),
    /**
     * The device can take page faults instead of needing guest memory pinned (device/core/iopf.ts):
     * `pri` — PCIe ATS/PRI with a PASID bound to the QEMU process's mm (asynchronous page requests,
     * bounded by the outstanding page request allocation); `va` — a use_va parent reaching user
     * memory through the mm vhost-vdpa bound to it (bind_mm), faulting synchronously in its worker.
     * Optional; absent: neither (vhost-vdpa must pin). No shipping vDPA NIC has `pri`.
     */
    pageFaults: z.enum(['pri', 'va']).optional(),
  })
  .strict();
export type Capabilities = z.infer<typeof capabilitiesSchema>;

/** Cost parameters in integer nanoseconds (or counts). */
export const costsSchema = z
  .object({
    /** Fixed cost of any vhost-vdpa ioctl (syscall + driver entry). */
    ioctlNs: ns,
    /** Suspend, per virtqueue (serial unless suspendParallelism > 1). */
    suspendPerVqNs: ns,
    resumePerVqNs: ns,
    /** How many vqs the firmware suspends/resumes in parallel (1 = serial). */
    suspendParallelism: z.number().int().min(1),
    /** Device reset (status 0) fixed cost. */
    resetNs: ns,
    /** Hardware virtqueue creation at DRIVER_OK, per vq. */
    vqCreateNs: ns,
    /** Configuring features and vq parameters (SET_FEATURES … before DRIVER_OK), fixed. */
    configureNs: ns,
    /** setMap devices: fixed cost of one whole-map rebuild. */
    setMapBaseNs: ns,
    /** setMap devices: creating one direct MKEY (per chunk of at most mkeyChunkBytes). */
    mkeyCreateNs: ns,
    /** Bytes covered by one direct MKEY at most (mlx5: 1 GiB). */
    mkeyChunkBytes: z.number().int().positive(),
    /** Creating the indirect MKEY over the direct ones. */
    indirectMkeyNs: ns,
    /** Destroying one MKEY (deferred: off the critical path unless the queue is full). */
    mkeyDestroyNs: ns,
    /**
     * MKEY devices: the host's serial work per direct MKEY created (the command's inbox allocated
     * and filled, fill_create_direct_mr, and its mailbox set up) before the firmware takes it. Optional; default 0.
     */
    mkeyHostNs: ns.optional(),
    /** MKEY devices: the host's serial work per MKEY destroyed (its command prepared and issued). Optional; default 0. */
    mkeyDestroyHostNs: ns.optional(),
    /** MKEY devices: firmware time per MTT entry a direct MKEY carries (its translation list). Optional; default 0. */
    mttEntryNs: z.number().nonnegative().optional(),
    /**
     * MKEY devices: DMA-mapping a direct MR's scatter list (dma_map_sg_attrs in map_direct_mr),
     * per 4 KiB page mapped. Optional; default 0.
     */
    mrDmaMapPerPageNs: z.number().nonnegative().optional(),
    /**
     * MKEY devices: how a replaced MR is destroyed — `sync` inside set_map (before Linux 6.12; its
     * commands as many at a time as firmwareConcurrency allows), or `deferred` to the MR
     * garbage-collection work (6.12+). Optional; default deferred.
     */
    mrDestroy: z.enum(['sync', 'deferred']).optional(),
    /** MKEY devices: delay of the MR garbage-collection work (MLX5_VDPA_MR_GC_TRIGGER_MS). Optional; default 2 s. */
    mrGcDelayNs: ns.optional(),
    /**
     * When hardware vqs are created: at DRIVER_OK (before Linux 6.11), or blank at device add and
     * again at every reset that needs it (6.11+, "Pre-create HW VQs"). Optional; default driverOk.
     */
    vqCreateAt: z.enum(['driverOk', 'devAdd']).optional(),
    /**
     * vqCreateAt devAdd: a reset after the vqs were used tears them down and creates blank ones
     * again inside the reset (mlx5_vdpa_compat_reset, needs_vqs_reset). Optional; default true.
     */
    vqRecreateAtReset: z.boolean().optional(),
    /** Configuring and resuming one hardware vq at DRIVER_OK besides its creation. Optional; default 0. */
    vqConfigNs: ns.optional(),
    /** Firmware commands in flight at once (MKEY creation parallelism). */
    firmwareConcurrency: z.number().int().min(1),
    /** setMap devices: per 4 KiB page cost of walking the IOTLB into the new map. */
    setMapPerPageNs: z.number().nonnegative(),
    /** dmaMap devices: per range mapped or unmapped. */
    dmaMapPerRangeNs: ns,
    /** dmaMap devices: per 4 KiB page mapped (IOMMU page-table updates). */
    dmaMapPerPageNs: z.number().nonnegative(),
    /** One CVQ command processed by the device. */
    cvqCommandNs: ns,
    /** Enabling one vring (SET_VRING_ENABLE). */
    vringEnableNs: ns,
    /** Admin-vq transport (device/admin/adminCosts.ts has the defaults and their sources): descriptors of the management device's admin virtqueue. Optional. */
    adminVqSize: z.number().int().min(2).max(32768).refine((n) => (n & (n - 1)) === 0, 'a power of two (a split ring)').optional(),
    /** Admin-vq transport: the device's work per admin command. Optional. */
    adminCommandNs: ns.optional(),
    /** Admin-vq transport: one submission's doorbell write plus its completion interrupt and wake-up. Optional. */
    adminNotifyNs: ns.optional(),
    /** Admin-vq transport: a device MMU MAP or UNMAP command, besides adminCommandNs. Optional. */
    mmuMapNs: ns.optional(),
    /** Admin-vq transport: the device MMU's table update per 4 KiB page mapped. Optional. */
    mmuMapPerPageNs: z.number().nonnegative().optional(),
    /** Admin-vq transport: creating a virtual device (VDEV_CREATE). Optional. */
    vdevCreateNs: ns.optional(),
    /** Device parts: the device writing or reading its parts, per byte (DEV_PARTS_GET/SET). Optional. */
    devPartsPerByteNs: z.number().nonnegative().optional(),
    /**
     * `pri` devices: the device sending a Page Request Message and the IOMMU queueing it to the
     * host (page request queue, interrupt, iommu_report_device_fault). Optional; default 2 µs (unsourced).
     */
    priRequestNs: ns.optional(),
    /** `pri` devices: the PRG Response Message back and the ATS re-translation. Optional; default 1 µs (unsourced). */
    pageResponseNs: ns.optional(),
    /**
     * `pri` devices: the page requests the device can have outstanding (its PRI Outstanding Page
     * Request Capacity); the IOMMU driver allocates at most its own queue depth (Intel VT-d:
     * pci_enable_pri(pdev, PRQ_DEPTH), 2048). Optional; default 64 (unsourced).
     */
    priCredits: z.number().int().min(1).optional(),
    /**
     * Run-to-run variation of the device's and the host's operation times (firmware commands,
     * pinning, vq creation, configuration): each such cost is drawn from a normal distribution
     * with this coefficient of variation (absent or 0: every run identical), truncated at zero.
     */
    jitter: z.number().min(0).max(1).optional(),
  })
  .strict();
export type Costs = z.infer<typeof costsSchema>;

/** A whole profile. */
export const profileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, _ . -'),
    description: z.string(),
    /** Name of a shipped or already-loaded profile this one starts from. */
    extends: z.string().optional(),
    capabilities: capabilitiesSchema,
    costs: costsSchema,
  })
  .strict();
export type Profile = z.infer<typeof profileSchema>;

/** A profile file: like a profile, but when it `extends` another, any part may be partial. */
export const profileFileSchema = z
  .object({
    name: profileSchema.shape.name,
    description: z.string().optional(),
    extends: z.string().optional(),
    capabilities: capabilitiesSchema.partial().optional(),
    costs: costsSchema.partial().optional(),
  })
  .strict();

/**
 * Whether vhost-vdpa offers VHOST_BACKEND_F_IOTLB_PERSIST for a device of these capabilities
 * (vhost_vdpa_has_persistent_map): a parent mapped through the platform IOMMU (neither set_map
 * nor dma_map), one with reset_map, or one that declares the bit.
 */
export function persistentMaps(c: Pick<Capabilities, 'resetMap' | 'iotlbPersist' | 'mapModel'>): boolean {
  return c.mapModel === 'platformIommu' || c.resetMap || c.iotlbPersist;
}
