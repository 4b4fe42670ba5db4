// adminQueue.ts — the management device's admin virtqueue (seed 004: "all commands are of the
// form struct virtio_admin_ctrl", one buffer each): a split ring of the profile's size, each
// command two descriptors (device_id, class, command and command-out-data; ack and
// command-in-data). The driver adds commands while the ring has room and notifies once; the
// device takes them in ring order, one at a time, and publishes each as used when it is done.
// What a submission costs therefore follows the ring: a doorbell and a completion wake-up per
// submission, the device's work per command, and a full ring making the driver wait.

import { Signal, wait, type Kernel, type Proc } from '../../sim/kernel/index.js';
import { err, ok, type Result } from '../uapi/errno.js';
import type { AdminCommand, AdminValue } from '../uapi/adminVq.js';
import { createRing, type Virtqueue } from '../shared/ring/index.js';
import type { AdminCosts } from './adminCosts.js';

/** What the device does with one command (the management device's dispatcher). */
type Execute = (cmd: AdminCommand) => Proc<Result<AdminValue>>;

/** Descriptors one command takes: the driver-written part and the device-written part. */
const DESCS_PER_COMMAND = 2;

export class AdminQueue {
  /** Simulation kernel. */
  private readonly kernel: Kernel;
  /** The ring shared by the management driver and device; the token is the command's slot in its submission. */
  private readonly ring: Virtqueue<number>;
  /** The command each available descriptor head carries (the buffer's contents). */
  private readonly contents = new Map<number, AdminCommand>();
  /** The result the device wrote for each used head (the ack and command-in-data). */
  private readonly replies = new Map<number, Result<AdminValue>>();
  /** Heads by submission slot, to match used buffers to commands. */
  private readonly heads = new Map<number, number>();
  /** The device's handler. */
  private readonly execute: Execute;
  /** Costs of the notification round trip. */
  private readonly costs: AdminCosts;
  /** The device is taking commands off the ring. */
  private busy = false;
  /** Woken when the device used a buffer (the completion interrupt). */
  private used: Signal | null = null;
  /** One submission at a time (the driver's admin vq lock, as virtio_pci's admin_vq lock). */
  private locked: Signal | null = null;

  constructor(kernel: Kernel, costs: AdminCosts, execute: Execute) {
    this.kernel = kernel;
    this.costs = costs;
    this.execute = execute;
    const r = createRing<number>({ layout: 'split', num: costs.queueSize, name: 'admin vq' });
    if (!r.ok) throw new Error(`admin vq: ${r.reason}`);
    this.ring = r.value;
  }

  /** Commands the ring holds at once. */
  get capacity(): number {
    return Math.floor(this.ring.num / DESCS_PER_COMMAND);
  }

  /**
   * Driver side: runs `cmds` through the ring and returns their results in order (serial: one
   * command in flight at a time; else as many as the ring holds). Commands are taken in order; a
   * failed one does not stop those already on the ring.
   */
  *submit(cmds: readonly AdminCommand[], serial: boolean): Proc<Result<AdminValue>[]> {
    while (this.locked !== null) yield* wait(this.locked);
    const lock = new Signal(this.kernel);
    this.locked = lock;
    try {
      const out: Result<AdminValue>[] = new Array<Result<AdminValue>>(cmds.length);
      let next = 0;
      let done = 0;
      while (done < cmds.length) {
        const room = serial ? 1 : this.capacity;
        for (let posted = 0; next < cmds.length && posted < room && this.ring.numFree >= DESCS_PER_COMMAND; posted++, next++) {
          const head = this.ring.addBuf(
            [
              { addr: 0, len: 16, write: false },
              { addr: 0, len: 16, write: true },
            ],
            next,
          );
          if (!head.ok) break;
          this.contents.set(head.value, cmds[next]!);
          this.heads.set(next, head.value);
        }
        // The doorbell, and the completion interrupt and wake-up of this round.
        this.ring.kickNeeded();
        yield this.costs.notifyNs;
        this.deviceNotified();
        while (done < next) {
          let u = this.ring.getUsed();
          while (u === null) {
            this.used = new Signal(this.kernel);
            yield* wait(this.used);
            u = this.ring.getUsed();
          }
          const head = this.heads.get(u.token)!;
          this.heads.delete(u.token);
          out[u.token] = this.replies.get(head) ?? err('EIO', 'admin command used without an ack');
          this.replies.delete(head);
          done++;
        }
      }
      return out;
    } finally {
      this.locked = null;
      lock.trigger();
    }
  }

  /** Device side: the doorbell. Starts taking commands unless it already is. */
  private deviceNotified(): void {
    if (this.busy) return;
    this.busy = true;
    this.kernel.spawn(this.drain(), 'admin vq');
  }

  /** Takes every available command in ring order, one at a time, each used when done. */
  private *drain(): Proc<void> {
    for (let c = this.ring.popAvail(); c !== null; c = this.ring.popAvail()) {
      const cmd = this.contents.get(c.head)!;
      this.contents.delete(c.head);
      yield this.costs.commandNs;
      const r = yield* this.execute(cmd);
      this.replies.set(c.head, r);
      const p = this.ring.pushUsed(c.head, 0);
      if (!p.ok) this.replies.set(c.head, p);
      this.ring.flushUsed();
      const w = this.used;
      this.used = null;
      w?.trigger();
    }
    this.busy = false;
  }
}

/** The first failure among results, or all values. */
export function firstFailure(results: readonly Result<AdminValue>[]): Result<AdminValue[]> {
  const values: AdminValue[] = [];
  for (const r of results) {
    if (!r.ok) return r;
    values.push(r.value);
  }
  return ok(values);
}
