// uapi.ts — the vhost-vdpa message interface between the VMM (vmm/) and the host kernel (device/).
// It mirrors the ioctls and IOTLB messages QEMU sends to /dev/vhost-vdpa-N. Every call is a
// process (it takes simulated time) and returns a typed Result carrying the kernel's errno.

import type { Proc } from '../../sim/kernel/index.js';
import type { Result } from './errno.js';

/** VHOST_BACKEND_F_* bit numbers (include/uapi/linux/vhost_types.h). */
export const BackendFeature = {
  IOTLB_MSG_V2: 1,
  IOTLB_BATCH: 2,
  IOTLB_ASID: 3,
  SUSPEND: 4,
  RESUME: 5,
  ENABLE_AFTER_DRIVER_OK: 6,
  DESC_ASID: 7,
  IOTLB_PERSIST: 8,
  /**
   * Proposal, no such bit upstream: the VMM does not need guest memory pinned, the device takes
   * page faults (PRI, or a use_va parent's accesses through the bound mm). QEMU's
   * vhost_vdpa_init disables RAM discards because vhost-vdpa pins guest memory; the review of
   * that patch (Jason Wang, qemu-devel, 2021) asked for a flag advertised to userspace so a
   * non-pinning backend could leave discards enabled. svqsim models that flag as this bit.
   */
  IOPF: 9,
} as const;
export type BackendFeatureName = keyof typeof BackendFeature;

/** Bit mask of one backend feature. */
export function backendBit(name: BackendFeatureName): number {
  return 1 << BackendFeature[name];
}

/** Virtio device status bits (virtio spec 2.1). */
export const Status = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  /** Seed 004 (admin-vq transport RFC): the device MMU failed a translation; set with DEVICE_NEEDS_RESET. */
  DEVICE_MMU_FAIL: 32,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

/** Virtio feature bit numbers the simulator uses. */
export const VirtioFeature = {
  NET_F_CSUM: 0,
  NET_F_MAC: 5,
  NET_F_MRG_RXBUF: 15,
  NET_F_STATUS: 16,
  NET_F_CTRL_VQ: 17,
  NET_F_CTRL_RX: 18,
  NET_F_CTRL_VLAN: 19,
  NET_F_MQ: 22,
  NET_F_CTRL_MAC_ADDR: 23,
  RING_F_INDIRECT_DESC: 28,
  RING_F_EVENT_IDX: 29,
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
  RING_PACKED: 34,
  IN_ORDER: 35,
  PARTIAL_ORDER: 39,
  NET_F_RSS: 60,
} as const;
export type VirtioFeatureName = keyof typeof VirtioFeature;

/** Each feature's bit mask, computed once (a bigint shift allocates). */
const FEATURE_BITS = Object.fromEntries(Object.entries(VirtioFeature).map(([n, b]) => [n, 1n << BigInt(b)])) as Record<VirtioFeatureName, bigint>;

/** Feature set as a bigint bit mask (virtio features are 64-bit). */
export function featureBit(name: VirtioFeatureName): bigint {
  return FEATURE_BITS[name];
}

/** IOTLB access permission (VHOST_ACCESS_*). */
export const Access = { RO: 1, WO: 2, RW: 3 } as const;
export type AccessMode = (typeof Access)[keyof typeof Access];

/** A vhost_msg_v2 IOTLB message (VHOST_IOTLB_UPDATE / _INVALIDATE / _BATCH_BEGIN / _BATCH_END). */
export type IotlbMsg =
  | { type: 'update'; asid: number; iova: number; size: number; uaddr: number; perm: AccessMode }
  | { type: 'invalidate'; asid: number; iova: number; size: number }
  | { type: 'batchBegin'; asid: number }
  | { type: 'batchEnd'; asid: number };

/** Vring addresses as set by VHOST_SET_VRING_ADDR (IOVAs in the descriptor group's ASID). */
export interface VringAddr {
  desc: number;
  avail: number;
  used: number;
}

/** Saved vring state (VHOST_GET/SET_VRING_BASE): split rings use only lastAvailIdx. */
export interface VringBase {
  lastAvailIdx: number;
  /** Packed rings: avail wrap counter (bit 15 of the kernel's packed base). */
  availWrap?: boolean;
  /** Packed rings: used index and wrap counter. */
  lastUsedIdx?: number;
  usedWrap?: boolean;
}

/**
 * The admin commands of the admin-vq transport (device/uapi/adminVq.ts): the classes of seed 004
 * (virtio RFC "admin virtqueue as a new transport", 2021), svqsim's VQ_STATE addition, and the
 * virtio 1.4 device-parts commands Linux's vfio/virtio uses. Counted like the ioctls.
 */
export const ADMIN_OPS = [
  'CAP_GET',
  'VDEV_CREATE',
  'VDEV_DESTROY',
  'FEAT_DEVICE_GET',
  'FEAT_DRIVER_SET',
  'FEAT_DRIVER_GET',
  'STATUS_SET',
  'STATUS_GET',
  'GENERATION_GET',
  'CONFIG_GET',
  'CONFIG_SET',
  'MSI_VQ_SET',
  'MSI_VQ_ENABLE',
  'MSI_VQ_MASK',
  'MSI_CONFIG_SET',
  'MSI_CONFIG_ENABLE',
  'MSI_CONFIG_MASK',
  'VQ_ADDR_SET',
  'VQ_ENABLE_SET',
  'VQ_ENABLE_GET',
  'VQ_SIZE_SET',
  'VQ_SIZE_GET',
  'VQ_NOTIFY_GET',
  'VQ_STATE_SET',
  'VQ_STATE_GET',
  'MMU_ENABLE',
  'MMU_ASID_SET',
  'MMU_MAP',
  'MMU_UNMAP',
  'MMU_ERR_GET',
  'RESOURCE_OBJ_CREATE',
  'RESOURCE_OBJ_DESTROY',
  'DEV_PARTS_METADATA_GET',
  'DEV_PARTS_GET',
  'DEV_PARTS_SET',
  'DEV_MODE_SET',
] as const;
export type AdminOp = (typeof ADMIN_OPS)[number];

/** What one vhost-vdpa ioctl or IOTLB write is called, for counters and traces. */
export type MessageType =
  | 'GET_FEATURES'
  | 'SET_FEATURES'
  | 'GET_BACKEND_FEATURES'
  | 'SET_BACKEND_FEATURES'
  | 'GET_VQS_COUNT'
  | 'GET_GROUP_NUM'
  | 'GET_AS_NUM'
  | 'GET_IOVA_RANGE'
  | 'GET_VRING_GROUP'
  | 'GET_VRING_DESC_GROUP'
  | 'SET_GROUP_ASID'
  | 'GET_STATUS'
  | 'SET_STATUS'
  | 'SET_VRING_NUM'
  | 'SET_VRING_ADDR'
  | 'SET_VRING_BASE'
  | 'GET_VRING_BASE'
  | 'SET_VRING_KICK'
  | 'SET_VRING_CALL'
  | 'SET_VRING_ENABLE'
  | 'SUSPEND'
  | 'RESUME'
  | 'IOTLB_UPDATE'
  | 'IOTLB_INVALIDATE'
  | 'IOTLB_BATCH_BEGIN'
  | 'IOTLB_BATCH_END'
  | AdminOp;

/**
 * One open /dev/vhost-vdpa-N, as the VMM sees it. Each member is the ioctl (or write() of an
 * IOTLB message) of the same name; each returns the kernel's errno on failure.
 */
export interface VhostVdpaFd {
  /** Device name (e.g. "vdpa0"), for traces. */
  readonly name: string;

  getFeatures(): Proc<Result<bigint>>;
  /** EBUSY after FEATURES_OK (vhost_vdpa_set_features); EINVAL for bits the device does not offer. */
  setFeatures(features: bigint): Proc<Result>;
  getBackendFeatures(): Proc<Result<number>>;
  /** EOPNOTSUPP for unknown bits; EINVAL for DESC_ASID without IOTLB_ASID; see device/vhostVdpa.ts. */
  setBackendFeatures(features: number): Proc<Result>;
  getVqsCount(): Proc<Result<number>>;
  getGroupNum(): Proc<Result<number>>;
  getAsNum(): Proc<Result<number>>;
  /** VHOST_VDPA_GET_IOVA_RANGE: the inclusive IOVA range UPDATEs must fall in. Never fails. */
  getIovaRange(): Proc<Result<{ first: number; last: number }>>;
  /** ENOBUFS for vq out of range (vhost_vdpa_vring_ioctl). */
  getVringGroup(vq: number): Proc<Result<number>>;
  /** EOPNOTSUPP without DESC_ASID negotiated; ENOBUFS for vq out of range. */
  getVringDescGroup(vq: number): Proc<Result<number>>;
  /** EINVAL if group >= ngroups or asid >= nas; EOPNOTSUPP without IOTLB_ASID. */
  setGroupAsid(group: number, asid: number): Proc<Result>;
  getStatus(): Proc<Result<number>>;
  /** Status 0 is a reset; clearing other bits without a reset is EINVAL. */
  setStatus(status: number): Proc<Result>;
  /** EINVAL after DRIVER_OK unless suspended, or for a size the device rejects. */
  setVringNum(vq: number, num: number): Proc<Result>;
  setVringAddr(vq: number, addr: VringAddr): Proc<Result>;
  setVringBase(vq: number, base: VringBase): Proc<Result>;
  /** Trustworthy only while suspended. */
  getVringBase(vq: number): Proc<Result<VringBase>>;
  setVringKick(vq: number, fd: number): Proc<Result>;
  setVringCall(vq: number, fd: number): Proc<Result>;
  setVringEnable(vq: number, enable: boolean): Proc<Result>;
  /** EOPNOTSUPP without the SUSPEND backend feature. */
  suspend(): Proc<Result>;
  /** EOPNOTSUPP without the RESUME backend feature. */
  resume(): Proc<Result>;
  /** write() of one vhost_msg_v2; UPDATE overlapping a mapping is EEXIST. */
  iotlbMsg(msg: IotlbMsg): Proc<Result>;

  /**
   * write() to the vq's kick eventfd (the one given to SET_VRING_KICK): the device looks at the
   * ring. Free and immediate, like an eventfd signal; ignored for an unknown vq.
   */
  kick(vq: number): void;
  /**
   * Listens on the vq's call eventfd (the one given to SET_VRING_CALL): `handler` runs each time
   * the device signals used buffers; null stops listening.
   */
  onCall(vq: number, handler: ((vq: number) => void) | null): void;
}

/** What writes IOTLB maps for the VMM's map helpers (memory listener, shadow vrings): a vhost-vdpa fd, or the admin-vq transport's MMU channel. */
export type IotlbWriter = Pick<VhostVdpaFd, 'iotlbMsg'>;

/** The notification side of a device as the VMM's data path uses it: kick a vq, listen to its used-buffer signal. */
export type VqNotifier = Pick<VhostVdpaFd, 'kick' | 'onCall'>;
