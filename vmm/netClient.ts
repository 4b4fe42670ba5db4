// netClient.ts — what the migration timeline and the data path need of QEMU's client of one NIC,
// whichever transport drives the device: the vhost-vdpa net client (vhostVdpaNet.ts) or the
// admin-virtqueue one (adminVqNet.ts). Optional members are hooks only a migration without SVQ
// (virtio 1.4 device parts) uses.

import type { Proc } from '../sim/kernel/index.js';
import type { Result } from '../device/uapi/errno.js';
import type { VqNotifier, VringBase } from '../device/uapi/uapi.js';
import type { NetCtrlState } from './cvqState.js';
import type { CvqChannel, NetClientConfig, NetDataPathHooks } from './vhostVdpaNet.js';
import type { SvqRings } from './svqRings.js';
import type { DirtyRange } from './dirtyLog.js';

export interface NetClient {
  /** Static configuration. */
  readonly cfg: NetClientConfig;
  /** Where the data path kicks the device's vqs and listens to their used-buffer signals. */
  readonly fd: VqNotifier;
  /** One SVQ per vq. */
  readonly svqs: readonly SvqRings[];
  /** CVQ buffer host addresses (out, status) and their IOVAs while mapped (-1 otherwise). */
  readonly cvqBufs: readonly { hva: number; iova: number }[];
  /** Where guest RAM sits in IOVA space (SVQ translates guest buffer addresses through it). */
  readonly listener: { iovaOf(gpa: number): number | undefined };
  /** Saved vring bases from the last stop (passed to the next start and migrated). */
  vringBases: VringBase[];
  /** Whether the device is started. */
  started: boolean;
  /** Optional: why QEMU refuses to migrate this NIC (a migration blocker added at init); null or absent: nothing blocks. */
  readonly migrationBlocker?: string | null;
  attachDataPath(dataPath: NetDataPathHooks | null, cvqChannel: CvqChannel): void;
  /** Guest-physical addresses of the guest's own vring for `vq`. */
  guestVringAddr(vq: number): { desc: number; avail: number; used: number };
  init(): Proc<Result>;
  machineReset(): Proc<Result>;
  start(svq: boolean, bases: readonly VringBase[], ctrl: NetCtrlState): Proc<Result>;
  stop(): Proc<Result>;
  abortStart(): Proc<Result>;
  /**
   * Migration start without an SVQ switch (device parts): dirty tracking switched on while the
   * device keeps running. Absent: the timeline runs the SVQ switch (downtime #1).
   */
  beginDirtyTracking?(): Proc<Result>;
  /** Guest ranges the device wrote as its dirty tracking saw them since the last call (device parts). */
  trackedDirty?(): Iterable<DirtyRange>;
  /** Bytes of device state this client adds to the migration stream at switchover (device parts). */
  migratedStateBytes?(): number;
}
