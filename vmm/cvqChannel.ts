// cvqChannel.ts — QEMU's control virtqueue path (net/vhost-vdpa.c): the SVQ hook that intercepts
// the guest's CVQ commands (vhost_vdpa_net_handle_ctrl_avail: copy the command into QEMU's out
// buffer, send it on the shadow CVQ, wait for the device's ack, apply it to QEMU's model, write
// the ack back to the guest) and the channel the client replays QEMU's own state through
// (vhost_vdpa_net_load: every command queued at once on the shadow CVQ, one kick, one poll, and
// another round only when the out buffer or the ring is full).

import { Resource, Signal, wait, type Kernel, type Proc, type QueuedEvent } from '../sim/kernel/index.js';
import type { AvailChain, BufferDesc } from '../device/shared/ring/index.js';
import { err, ok, type Result } from '../device/uapi/errno.js';
import type { HostMemory } from '../device/shared/hostMemory.js';
import type { VqNotifier } from '../device/uapi/uapi.js';
import { CTRL_STATUS_UNSET, isCtrlMessage, isCtrlStatus, type NetCtrlMessage, type NetCtrlStatus } from '../device/shared/netBuffers.js';
import { VIRTIO_NET_ERR, VIRTIO_NET_OK, type CtrlCommand, type NetCtrlState } from './cvqState.js';
import type { ShadowVirtqueue, SvqHook, SvqVerdict } from './shadowVirtqueue.js';
import type { CvqChannel } from './vhostVdpaNet.js';

/** Bytes of a command in the out buffer: virtio_net_ctrl_hdr (class, cmd) plus its data. */
function ctrlCommandBytes(c: CtrlCommand): number {
  switch (c.cls) {
    case 'mac':
      return 2 + (c.cmd === 'addrSet' ? 6 : 8 + 6 * (c.unicast.length + c.multicast.length));
    case 'mq':
      // virtio_net_rss_config: hash types, indirection table, max tx vq, key length and key.
      return 2 + (c.cmd === 'vqPairsSet' ? 2 : 10 + 2 * c.indirectionTableLen + c.keyLen);
    case 'offloads':
      return 2 + 8;
    case 'rx':
      return 2 + 1;
    case 'vlan':
      return 2 + 2;
  }
}

export interface CvqChannelConfig {
  name: string;
  kernel: Kernel;
  fd: VqNotifier;
  /** QEMU process memory (the CVQ buffers live there; guest RAM is mapped there). */
  hostMemory: HostMemory;
  /** QEMU's model of the device's control state. */
  ctrl: NetCtrlState;
  /** QEMU's out (command) and in (status) buffers: host address, current IOVA and size. */
  buffers: () => { out: { hva: number; iova: number }; status: { hva: number; iova: number }; bytes: number };
  /** Guest-physical → host address (QEMU reads the guest's command buffers). */
  gpaToHva: (gpa: number) => number | undefined;
  /** The device's per-command cost is the device's; QEMU's fixed poll overhead is this. */
  pollNs: number;
  violation: (object: string, message: string) => void;
}

/** How a batch of CVQ commands ended: every buffer used, the device stopped, or the poll gave up. */
type BatchEnd = 'used' | 'stopped' | 'timedOut';

/** vhost_svq_poll gives up on a buffer the device has not used after 10 s (10e6 µs of g_get_monotonic_time). */
const SVQ_POLL_TIMEOUT_NS = 10_000_000_000;

export class CvqChannelImpl implements CvqChannel, SvqHook {
  /** Static configuration. */
  private readonly cfg: CvqChannelConfig;
  /** The shadow virtqueue of the CVQ (bindSvq, before the first start). */
  private svq: ShadowVirtqueue | null = null;
  /** QEMU's BQL as far as the CVQ goes: one batch of commands on the shadow CVQ at a time. */
  private readonly lock: Resource;
  /** Status objects of the batch in flight, by token (-1 - index). */
  private batch: NetCtrlStatus[] = [];
  /** Used entries still expected for the batch in flight. */
  private waiting = 0;
  /** Settles with how the batch in flight ended: used, the device stopped, or the poll gave up. */
  private done: Signal<BatchEnd> | null = null;
  /** When the batch in flight last had a buffer used (or was sent): the poll's timeout runs from there. */
  private progressAt = 0;
  /** The pending timeout check of the batch in flight. */
  private timeoutEv: QueuedEvent | null = null;
  /** Guest elements intercepted and not yet sent. */
  private readonly guestQueue: AvailChain[] = [];
  /** A process is draining guestQueue. */
  private draining = false;
  /** Triggered when the drain in progress ends (null when idle). */
  private idle: Signal<void> | null = null;
  /** Commands sent (replays and guest commands). */
  sent = 0;
  /** Guest commands intercepted. */
  intercepted = 0;
  /** Called once after the next state replay (the device start's load) completes (setAfterReplay). */
  private afterReplay: (() => void) | null = null;

  constructor(cfg: CvqChannelConfig) {
    this.cfg = cfg;
    this.lock = new Resource(cfg.kernel, 1);
  }
  /** Binds the shadow virtqueue this channel sends through (the CVQ's SVQ, whose hook it is). */
  bindSvq(svq: ShadowVirtqueue): void {
    this.svq = svq;
  }

  /** Sets the hook called once after the next state replay completes. */
  setAfterReplay(fn: (() => void) | null): void {
    this.afterReplay = fn;
  }


  /** The client's state replay at a device start (vhost_vdpa_net_load). */
  *sendAll(commands: readonly CtrlCommand[]): Proc<Result<number[]>> {
    const r = yield* this.send(commands);
    const then = this.afterReplay;
    this.afterReplay = null;
    then?.();
    return r;
  }

  /** vhost_vdpa_net_load_cmd × n + vhost_vdpa_net_svq_flush: all queued, one kick, one poll per round. */
  private *send(commands: readonly CtrlCommand[]): Proc<Result<number[]>> {
    // A free lock whose grant would fire next is taken without a yield (Resource.acquireNow: same state and order).
    if (!this.lock.acquireNow()) yield this.lock.acquire();
    try {
      const acks: number[] = [];
      let i = 0;
      while (i < commands.length) {
        const r = yield* this.round(commands, i);
        if (!r.ok) return r;
        for (const a of r.value) acks.push(a);
        i += r.value.length;
      }
      return ok(acks);
    } finally {
      this.lock.release();
    }
  }

  /** One round from commands[from]: as many as fit the out buffer and the shadow ring. */
  private *round(commands: readonly CtrlCommand[], from: number): Proc<Result<number[]>> {
    const svq = this.svq;
    const shadow = svq?.shadow;
    if (svq === null || shadow === null || shadow === undefined) return err('EIO', `${this.cfg.name}: shadow CVQ not started`);
    const { out, status, bytes } = this.cfg.buffers();
    if (out.iova < 0 || status.iova < 0) return err('EIO', `${this.cfg.name}: CVQ buffers are not mapped`);
    const mem = this.cfg.hostMemory;
    mem.displace(out.hva, bytes);
    mem.displace(status.hva, bytes);
    const statuses: NetCtrlStatus[] = [];
    let outCur = 0;
    for (let i = from; i < commands.length; i++) {
      const c = commands[i]!;
      const len = ctrlCommandBytes(c);
      if (len > bytes) return err('E2BIG', `${this.cfg.name}: CVQ command of ${len} B exceeds the ${bytes} B buffer`);
      if (outCur + len > bytes || statuses.length + 1 > bytes || shadow.numFree < 2) break;
      const msg: NetCtrlMessage = { kind: 'netCtrl', command: c };
      const st: NetCtrlStatus = { kind: 'netCtrlStatus', ack: CTRL_STATUS_UNSET };
      mem.place(out.hva + outCur, len, msg);
      mem.place(status.hva + statuses.length, 1, st);
      const descs: BufferDesc[] = [
        { addr: out.iova + outCur, len, write: false },
        { addr: status.iova + statuses.length, len: 1, write: true },
      ];
      const a = svq.addOwn(descs, -1 - statuses.length);
      if (!a.ok) return a;
      statuses.push(st);
      outCur += len;
    }
    if (statuses.length === 0) return err('ENOSPC', `${this.cfg.name}: shadow CVQ has no free descriptors`);
    this.batch = statuses;
    this.waiting = statuses.length;
    const done = new Signal<BatchEnd>(this.cfg.kernel);
    this.done = done;
    this.sent += statuses.length;
    this.progressAt = this.cfg.kernel.now;
    this.armTimeout();
    svq.flushKick();
    const end = yield* wait(done);
    this.done = null;
    if (this.timeoutEv !== null) this.cfg.kernel.cancel(this.timeoutEv);
    this.timeoutEv = null;
    if (end === 'timedOut') {
      // vhost_vdpa_net_svq_flush: fewer buffers used than commands sent is -EIO.
      return err('EIO', `${this.cfg.name}: ${this.waiting} of ${statuses.length} CVQ commands not used within ${SVQ_POLL_TIMEOUT_NS / 1e9} s (vhost_svq_poll)`);
    }
    if (end === 'stopped') return err('EIO', `${this.cfg.name}: device stopped with ${this.waiting} CVQ commands pending`);
    // The poll without a yield when its own event would fire next (Kernel.advanceIfNext: same clock and order).
    const pollNs = this.cfg.pollNs;
    if (!this.cfg.kernel.advanceIfNext(pollNs)) yield pollNs;
    return ok(statuses.map((s) => s.ack));
  }

  /**
   * vhost_svq_poll waits for each command's buffer at most 10 s of its own (from when it starts
   * waiting for that one, i.e. from the last buffer used), then returns what it has: the timer
   * checks at that deadline and moves on while buffers keep coming.
   */
  private armTimeout(): void {
    const k = this.cfg.kernel;
    this.timeoutEv = k.at(this.progressAt + SVQ_POLL_TIMEOUT_NS, () => {
      this.timeoutEv = null;
      const done = this.done;
      if (done === null || done.triggered) return;
      if (k.now - this.progressAt < SVQ_POLL_TIMEOUT_NS) {
        this.armTimeout();
        return;
      }
      done.trigger('timedOut');
    });
  }

  /** SvqHook: a shadow CVQ buffer of the batch was used. */
  used(token: number, _len: number): void {
    const idx = -1 - token;
    if (idx >= this.batch.length) {
      this.cfg.violation(this.cfg.name, `shadow CVQ used entry ${token} outside the batch`);
      return;
    }
    this.progressAt = this.cfg.kernel.now;
    if (--this.waiting === 0 && this.done !== null && !this.done.triggered) this.done.trigger('used');
  }

  /** The device stopped: a batch still waiting will not complete on this shadow vring. */
  abort(): void {
    if (this.done !== null && !this.done.triggered) this.done.trigger('stopped');
    this.guestQueue.length = 0;
  }

  /** SvqHook: a guest CVQ element — QEMU keeps it and completes it after the device's ack. */
  avail(elem: AvailChain): SvqVerdict {
    this.intercepted++;
    this.guestQueue.push(elem);
    if (!this.draining) {
      this.draining = true;
      this.idle = new Signal<void>(this.cfg.kernel);
      this.cfg.kernel.spawn(this.drain(), `${this.cfg.name} cvq`);
    }
    return 'consumed';
  }

  /** Sends intercepted guest commands one at a time, as QEMU does under the BQL. */
  private *drain(): Proc<void> {
    try {
      while (this.guestQueue.length > 0) {
        const elem = this.guestQueue.shift() as AvailChain;
        yield* this.handleGuest(elem);
      }
    } finally {
      this.draining = false;
      const idle = this.idle;
      this.idle = null;
      idle?.trigger();
    }
  }

  /**
   * Waits until no guest command is being handled. QEMU handles a guest CVQ command under the
   * BQL from start to ack, so a device stop (also under the BQL) never cuts one in half.
   */
  *quiesce(): Proc<void> {
    while (this.idle !== null) yield* wait(this.idle);
  }

  /** vhost_vdpa_net_handle_ctrl_avail for one element. */
  private *handleGuest(elem: AvailChain): Proc<void> {
    const mem = this.cfg.hostMemory;
    const outDesc = elem.descs.find((d) => !d.write);
    const inDesc = elem.descs.find((d) => d.write);
    const outHva = outDesc === undefined ? undefined : this.cfg.gpaToHva(outDesc.addr);
    const inHva = inDesc === undefined ? undefined : this.cfg.gpaToHva(inDesc.addr);
    const msg = outHva === undefined ? undefined : mem.objAt(outHva);
    const st = inHva === undefined ? undefined : mem.objAt(inHva);
    let ack = VIRTIO_NET_ERR;
    if (isCtrlMessage(msg)) {
      const cmd = msg.command as CtrlCommand;
      const r = yield* this.send([cmd]);
      if (!r.ok) {
        // The device stopped: the element stays in flight and is given back to the guest ring.
        return;
      }
      ack = r.value[0]!; // send returns one ack per command (rounds send at least one or fail)
      // QEMU's model follows the device only when the device accepted the command.
      if (ack === VIRTIO_NET_OK) ack = this.cfg.ctrl.apply(cmd);
    } else {
      this.cfg.violation(this.cfg.name, `guest CVQ element ${elem.head} holds no control command`);
    }
    if (isCtrlStatus(st)) st.ack = ack;
    this.svq?.completeConsumed(elem.head, inDesc === undefined ? 0 : 1);
  }
}
