// adminMmuChannel.ts — the VMM's map helpers (memory listener, shadow vrings) over the admin-vq
// transport's device MMU: an IOTLB UPDATE becomes MMU_MAP of [iova, iova+size-1], an INVALIDATE
// MMU_UNMAP of the same range. The MMU has no batches; instead, inside `collect` the maps are
// gathered and put on the admin virtqueue together (as many as the ring holds per doorbell), and
// outside it each one is a command round trip of its own.

import type { Proc } from '../sim/kernel/index.js';
import { err, OK, type Result } from '../device/uapi/errno.js';
import type { IotlbMsg, IotlbWriter } from '../device/uapi/uapi.js';
import { MmuFlag, type AdminCommand, type AdminVqFd } from '../device/uapi/adminVq.js';

export class AdminMmuChannel implements IotlbWriter {
  /** The management driver's fd. */
  private readonly fd: AdminVqFd;
  /** The virtual device the maps are for (0 until bound). */
  private deviceId = 0;
  /** One command in flight at a time (the scenario's `pipeline: serial`). */
  private readonly serial: boolean;
  /** Commands gathered inside `collect`, or null outside it. */
  private gathered: AdminCommand[] | null = null;

  constructor(fd: AdminVqFd, serial: boolean) {
    this.fd = fd;
    this.serial = serial;
  }

  /** Binds the channel to the virtual device VDEV_CREATE returned. */
  bind(deviceId: number): void {
    this.deviceId = deviceId;
  }

  /** The command an IOTLB message stands for (batch markers have none). */
  private command(msg: IotlbMsg): AdminCommand | null {
    if (msg.type === 'update') {
      const flags = (msg.perm & 1 ? MmuFlag.READ : 0) | (msg.perm & 2 ? MmuFlag.WRITE : 0);
      return { op: 'MMU_MAP', deviceId: this.deviceId, asid: msg.asid, iovaStart: msg.iova, iovaEnd: msg.iova + msg.size - 1, uaddr: msg.uaddr, flags };
    }
    if (msg.type === 'invalidate') return { op: 'MMU_UNMAP', deviceId: this.deviceId, asid: msg.asid, iovaStart: msg.iova, iovaEnd: msg.iova + msg.size - 1 };
    return null;
  }

  *iotlbMsg(msg: IotlbMsg): Proc<Result> {
    const c = this.command(msg);
    if (c === null) return err('EOPNOTSUPP', 'the device MMU has no map batches');
    if (this.gathered !== null) {
      this.gathered.push(c);
      return OK;
    }
    const r = yield* this.fd.exec([c], true);
    return r.ok ? OK : r;
  }

  /** Adds one map or unmap to the submission being gathered (EINVAL outside `collect`). */
  gather(msg: IotlbMsg): Result {
    const c = this.command(msg);
    if (c === null || this.gathered === null) return err('EINVAL', 'an MMU command gathered outside a submission');
    this.gathered.push(c);
    return OK;
  }

  /** Runs `body` with its maps gathered, then puts them on the admin vq together. */
  *collect(body: Proc<Result>): Proc<Result> {
    this.gathered = [];
    const r = yield* body;
    const cmds = this.gathered;
    this.gathered = null;
    if (!r.ok || cmds.length === 0) return r;
    const e = yield* this.fd.exec(cmds, this.serial);
    return e.ok ? OK : e;
  }
}
