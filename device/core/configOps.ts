// configOps.ts — VdpaConfigOps: what a vDPA parent driver implements for the bus, modelled on the
// kernel's struct vdpa_config_ops, and VdpaDevice, what the bus driver (vhost-vdpa) holds of a
// device (struct vdpa_device, include/linux/vdpa.h). Queries are plain functions (free, like the
// kernel's getters); operations that change the device are processes that take simulated time and
// return a Result with the errno the driver would return. Optional ops are absent when the device
// lacks them; vhost-vdpa decides what to offer from their presence. vhost-vdpa reaches the device
// only through these.

import type { Proc } from '../../sim/kernel/index.js';
import type { Result } from '../uapi/errno.js';
import type { EntrySplit, VhostIotlb } from '../vhost/iotlb.js';
import type { AccessMode, VringAddr, VringBase } from '../uapi/uapi.js';
import type { Costs } from '../profiles/profile.js';

/** Flags of a reset (vdpa_reset). */
export interface ResetFlags {
  /** VDPA_RESET_F_CLEAN_MAP: also return every address space to its initial map. */
  cleanMap: boolean;
}

/** The part of virtio-net config space the model keeps. */
export interface NetConfig {
  /** max_virtqueue_pairs. */
  maxVirtqueuePairs: number;
  /** status (VIRTIO_NET_S_LINK_UP = 1). */
  status: number;
}

export interface VdpaConfigOps {
  // --- virtqueue ops ---

  /** Sets the three ring area IOVAs. EINVAL while the device runs the vq (DRIVER_OK, not suspended). */
  setVqAddress(vq: number, addr: VringAddr): Proc<Result>;
  /** Sets the ring size. EINVAL while running, or for a size that is not a power of two up to the max. */
  setVqNum(vq: number, num: number): Proc<Result>;
  /** Enables or disables the vq (set_vq_ready). Never fails. */
  setVqReady(vq: number, ready: boolean): Proc<Result>;
  getVqReady(vq: number): boolean;
  /** Sets the vq's indices (set_vq_state). EINVAL while running (mlx5: "can't modify available index"). */
  setVqState(vq: number, state: VringBase): Proc<Result>;
  /** Reads the vq's indices (get_vq_state); trustworthy only while suspended. Never fails. */
  getVqState(vq: number): Result<VringBase>;
  /** The driver wrote the vq's kick eventfd (kick_vq). Ignored for an index out of range. */
  kickVq(vq: number): void;
  /** Sets the callback the device signals when it used buffers of the vq (set_vq_cb); null clears it. */
  setVqCb(vq: number, cb: ((vq: number) => void) | null): void;
  /** Group of the vq (get_vq_group). */
  getVqGroup(vq: number): number;
  /** Group of the vq's descriptor, driver and device areas (get_vq_desc_group); optional. */
  getVqDescGroup?: (vq: number) => number;

  // --- device ops ---

  /** Features the device offers (get_device_features). */
  getDeviceFeatures(): bigint;
  /** Accepts the driver's features (set_driver_features). EINVAL for bits the device does not offer. */
  setDriverFeatures(features: bigint): Proc<Result>;
  getDriverFeatures(): bigint;
  getStatus(): number;
  /** Writes a non-zero status (set_status); DRIVER_OK creates the hardware vqs. Never fails. */
  setStatus(status: number): Proc<Result>;
  /** Resets the device (status 0): vqs, features, group→ASID bindings; maps too with cleanMap. */
  reset(flags: ResetFlags): Proc<Result>;
  /** Stops the vqs keeping their state (suspend); optional. */
  suspend?: () => Proc<Result>;
  /** Restarts suspended vqs (resume); optional. */
  resume?: () => Proc<Result>;
  getConfig(): NetConfig;
  /** VHOST_BACKEND_F_* bits the parent offers beyond what the bus driver derives from the ops (get_backend_features); optional. */
  getBackendFeatures?: () => number;
  readonly ngroups: number;
  readonly nas: number;
  readonly nvqs: number;

  // --- DMA ops: a device has setMap, or dmaMap + dmaUnmap, or neither (platform IOMMU) ---

  /** Replaces the whole map of one ASID with a copy of `iotlb` (set_map). ENOSPC past the device's entry limit. */
  setMap?: (asid: number, iotlb: VhostIotlb) => Proc<Result>;
  /**
   * Maps one range (dma_map). The kernel calls it once per IOTLB entry; the model calls it once
   * per UPDATE with `split`, the number of entries (contiguous runs) and their gcd. EEXIST on
   * overlap, ENOSPC past the entry limit.
   */
  dmaMap?: (asid: number, iova: number, size: number, uaddr: number, perm: AccessMode, split: EntrySplit) => Proc<Result>;
  /** Unmaps every range intersecting [iova, iova+size) (dma_unmap). Never fails. */
  dmaUnmap?: (asid: number, iova: number, size: number) => Proc<Result>;
  /** Returns one ASID to the device's initial map (reset_map): 1:1 on on-chip IOMMUs, else empty. */
  resetMap?: (asid: number) => Proc<Result>;
  /** Binds a group to an ASID (set_group_asid). EINVAL out of range. */
  setGroupAsid(group: number, asid: number): Proc<Result>;
  /**
   * Proposal (no such op upstream): the device takes page faults from now on instead of needing
   * the memory it is given pinned — PRI with a PASID bound to the process mm (as
   * iommu_sva_bind_device binds it), or, for a use_va parent, faults through the mm vhost-vdpa
   * bound to it (bind_mm). vhost-vdpa calls it when VHOST_BACKEND_F_IOPF is negotiated; present
   * only on a device with capabilities.pageFaults. Never fails.
   */
  enablePageFaults?: () => Proc<Result>;
  /** The IOVA range the device can translate, inclusive (get_iova_range); optional: absent means all of it. Never fails. */
  getIovaRange?: () => { first: number; last: number };
}

/** A vDPA device as the bus driver holds it (struct vdpa_device): its name, its ops, and the costs of the host kernel's work for it. */
export interface VdpaDevice {
  /** Device name, e.g. "src:net0". */
  readonly name: string;
  /** The parent driver's ops. */
  readonly ops: VdpaConfigOps;
  /** The profile's costs (vhost-vdpa reads ioctlNs). */
  readonly costs: Costs;
  /**
   * vdpa_device.use_va: the parent translates user virtual addresses itself (vdpa_sim's default,
   * VDUSE), so vhost-vdpa maps VMAs (vhost_vdpa_va_map) instead of pinning (vhost_vdpa_pa_map).
   */
  readonly useVa: boolean;
  /**
   * The platform IOMMU domain vhost-vdpa maps into for a parent with neither set_map nor dma_map
   * (vhost_vdpa_alloc_domain attaches the parent's DMA device to it); null for other parents.
   */
  readonly iommuDomain: VhostIotlb | null;
  /** A cost as this run draws it (the profile's jitter on the device's stream). */
  jittered(ns: number): number;
}
