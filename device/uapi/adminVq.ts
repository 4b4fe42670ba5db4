// adminVq.ts — the admin-virtqueue transport's command interface between the VMM and the host's
// management driver: the commands of seed 004 (virtio RFC "Introduce admin virtqueue as a new
// transport", Jason Wang, Aug 2021, reviewed by M. Tsirkin), the vq-state pair svqsim adds to it,
// and the virtio 1.4 device-parts commands (RESOURCE_OBJ_CREATE/DESTROY, DEV_PARTS_METADATA_GET,
// DEV_PARTS_GET/SET, DEV_MODE_SET) that Linux's vfio/virtio live migration sends (migrate.c,
// 6.13+). Every command is one buffer on the management device's admin virtqueue.

import type { Proc } from '../../sim/kernel/index.js';
import type { Result } from './errno.js';
import type { VringBase } from './uapi.js';

// Seed 004's command classes (VIRTIO_ADMIN_CTRL_*): CAP 0, VDEV 2, FEAT 3, STATUS 4, GENERATION 5,
// CONFIG 6, MSI 7, VQ_ADDR 9, VQ_ENABLE 10, VQ_SIZE 11, VQ_NOTIFY 12, MMU 13; svqsim adds VQ_STATE
// (not in the seed). The virtio 1.4 commands are opcodes 0xa (RESOURCE_OBJ_CREATE), 0xd
// (RESOURCE_OBJ_DESTROY), 0xe (DEV_PARTS_METADATA_GET), 0xf (DEV_PARTS_GET), 0x10 (DEV_PARTS_SET)
// and 0x11 (DEV_MODE_SET) of the group-member command set.

/** virtio device id of a network device (VDEV_CREATE's virtio id). */
export const VIRTIO_ID_NET = 1;

/** VIRTIO_ADMIN_F_CAP_VDEV: virtual devices are created, configured and destroyed through the admin vq (seed 004). */
export const ADMIN_F_CAP_VDEV = 1n << 1n;

/** VIRTIO_ADMIN_VQ_MAP_F_READ / _WRITE (seed 004 MMU_MAP flags). */
export const MmuFlag = { READ: 1, WRITE: 2 } as const;

/** VIRTIO_ADMIN_VQ_MAP_ERR_NON_EXIST / _ACC_VIOLATION (seed 004 MMU_ERR_GET reasons). */
export const MmuErrReason = { NON_EXIST: 1, ACC_VIOLATION: 2 } as const;

/** What MMU_ERR_GET returns (struct virtio_admin_ctrl_vdev_mmu_err). */
export interface MmuError {
  reason: number;
  queueIndex: number;
  asid: number;
  iovaStart: number;
  iovaEnd: number;
  /** The access that failed (MmuFlag bits). */
  flags: number;
}

/** A notification area (VQ_NOTIFY_GET: struct virtio_admin_ctrl_vdev_vq_notification_area). */
export interface NotifyArea {
  addr: number;
  size: number;
}

/** One part of a device's state (struct virtio_dev_part: a header and its value), as DEV_PARTS_GET returns it. */
export interface DevPart {
  /** What the part holds (common config, a vq's state, the net device's filters …). */
  type: string;
  /** The vq it belongs to (vq parts), else -1. */
  vq: number;
  /** Bytes of the part, header included. */
  bytes: number;
}

/** A device's parts as a whole (what the migration stream carries). */
export interface DevParts {
  parts: readonly DevPart[];
  /** Sum of the parts' bytes. */
  bytes: number;
  /** The state the parts carry, for DEV_PARTS_SET at the destination. */
  state: DevPartsState;
}

/** The device state carried by the parts. */
export interface DevPartsState {
  features: bigint;
  status: number;
  vqs: readonly { num: number; desc: number; driver: number; device: number; ready: boolean; base: VringBase }[];
  net: { queuePairs: number; vlans: readonly number[] };
}

/** The two resource-object types vfio/virtio creates (VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_GET / _SET). */
export type DevPartsObjType = 'get' | 'set';

/**
 * One admin command. `deviceId` is the seed's device_id (0: the management device itself) or, for
 * the virtio 1.4 commands, the group member id. MMU_MAP carries the VMM's host address (`uaddr`):
 * the management driver pins it and passes the DMA address on.
 */
export type AdminCommand =
  | { op: 'CAP_GET'; deviceId: number }
  | { op: 'VDEV_CREATE'; deviceId: number; virtioId: number; queuePairs: number }
  | { op: 'VDEV_DESTROY'; deviceId: number }
  | { op: 'FEAT_DEVICE_GET' | 'FEAT_DRIVER_GET' | 'STATUS_GET' | 'GENERATION_GET' | 'MMU_ERR_GET'; deviceId: number }
  | { op: 'FEAT_DRIVER_SET'; deviceId: number; features: bigint }
  | { op: 'STATUS_SET'; deviceId: number; status: number }
  | { op: 'CONFIG_GET' | 'CONFIG_SET'; deviceId: number; offset: number; size: number }
  | { op: 'MSI_VQ_SET'; deviceId: number; vq: number; addr: number; data: number }
  | { op: 'MSI_VQ_ENABLE' | 'MSI_VQ_MASK'; deviceId: number; vq: number; on: boolean }
  | { op: 'MSI_CONFIG_SET'; deviceId: number; addr: number; data: number }
  | { op: 'MSI_CONFIG_ENABLE' | 'MSI_CONFIG_MASK'; deviceId: number; on: boolean }
  | { op: 'VQ_ADDR_SET'; deviceId: number; vq: number; desc: number; driver: number; device: number }
  | { op: 'VQ_ENABLE_SET'; deviceId: number; vq: number; enable: boolean }
  | { op: 'VQ_ENABLE_GET' | 'VQ_SIZE_GET' | 'VQ_NOTIFY_GET' | 'VQ_STATE_GET'; deviceId: number; vq: number }
  | { op: 'VQ_SIZE_SET'; deviceId: number; vq: number; size: number }
  | { op: 'VQ_STATE_SET'; deviceId: number; vq: number; state: VringBase }
  | { op: 'MMU_ENABLE'; deviceId: number; enable: boolean }
  | { op: 'MMU_ASID_SET'; deviceId: number; vq: number; asid: number }
  | { op: 'MMU_MAP'; deviceId: number; asid: number; iovaStart: number; iovaEnd: number; uaddr: number; flags: number }
  | { op: 'MMU_UNMAP'; deviceId: number; asid: number; iovaStart: number; iovaEnd: number }
  | { op: 'RESOURCE_OBJ_CREATE'; deviceId: number; objType: DevPartsObjType }
  | { op: 'RESOURCE_OBJ_DESTROY' | 'DEV_PARTS_METADATA_GET' | 'DEV_PARTS_GET'; deviceId: number; objId: number }
  | { op: 'DEV_PARTS_SET'; deviceId: number; objId: number; parts: DevParts }
  | { op: 'DEV_MODE_SET'; deviceId: number; stopped: boolean };

/** What a command returns in its command-in-data (null: nothing). */
export type AdminValue = number | bigint | VringBase | MmuError | NotifyArea | DevParts | null;

/**
 * The management driver's interface as the VMM holds it. `exec` puts the commands on the admin
 * virtqueue (all at once up to the queue's capacity, or one at a time when `serial`) and returns
 * their results in order once every one was used; the first failed command's error (the device's
 * VIRTIO_ADMIN_ERR ack with its status, or the driver's own errno) fails the call. `kick` writes a
 * vq's notification area; `onCall` receives the vq's MSI.
 */
export interface AdminVqFd {
  readonly name: string;
  exec(cmds: readonly AdminCommand[], serial: boolean): Proc<Result<AdminValue[]>>;
  kick(vq: number): void;
  onCall(vq: number, handler: ((vq: number) => void) | null): void;
  /**
   * Dirty tracking of the virtual device's writes (a migration without SVQ): the platform IOMMU's
   * (iommufd IOMMU_HWPT_SET_DIRTY_TRACKING) or the device's own, as the host was set up.
   */
  setDirtyTracking(on: boolean): Proc<Result>;
  /** Reads and clears the dirty record (IOMMU_HWPT_GET_DIRTY_BITMAP, or the device's report), paying for the read. */
  readDirty(): Proc<Result<DirtyGpaRange[]>>;
  /** The same read without simulated time (pre-copy's syncs, which no downtime window contains). */
  takeDirty(): DirtyGpaRange[];
}

/** A guest range written by the device (IOVA = GPA for a passthrough device's guest memory). */
export interface DirtyGpaRange {
  gpa: number;
  len: number;
}
