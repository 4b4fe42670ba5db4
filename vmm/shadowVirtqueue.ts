// shadowVirtqueue.ts — the data path of one shadow virtqueue (hw/virtio/vhost-shadow-virtqueue.c):
// QEMU is the device of the guest's ring and the driver of the shadow vring the vDPA device uses.
// On a guest kick it pops guest buffers, translates their addresses (GPA → IOVA), adds them to the
// shadow vring and kicks the device; on the device's call it reaps the shadow used ring, marks
// every guest page the device wrote as dirty, returns the buffers to the guest with the guest's
// head ids and notifies the guest. A hook sees each guest element first (CVQ interception).

import type { AvailChain, BufferDesc, DeviceRingState, Virtqueue } from '../device/shared/ring/index.js';
import { createRing, RingInvariantError } from '../device/shared/ring/index.js';
import { err, OK, type Result } from '../device/uapi/errno.js';
import type { HostMemory } from '../device/shared/hostMemory.js';
import type { VqNotifier, VringBase } from '../device/uapi/uapi.js';
import { rewindDevice } from '../device/shared/ring/ringRewind.js';

/** What the hook decides for a guest element: forward it to the device, or keep it (the hook completes it). */
export type SvqVerdict = 'forward' | 'consumed';

/** Sees each guest element before it is forwarded (vhost_svq's VhostShadowVirtqueueOps). */
export interface SvqHook {
  /** A guest element was popped. */
  avail(elem: AvailChain): SvqVerdict;
  /** A buffer the hook added to the shadow vring itself (token < 0) was used by the device. */
  used(token: number, len: number): void;
}

/** Where SVQ reports violations of the ring bookkeeping (time added by the sink). */
type SvqViolation = (object: string, message: string) => void;

export interface ShadowVirtqueueConfig {
  vq: number;
  /** e.g. "src:net0 vq1", used in ring names and messages. */
  name: string;
  /** The guest's ring (same object on both hosts: guest RAM migrates). */
  guest: Virtqueue<number>;
  fd: VqNotifier;
  /** The QEMU process memory the shadow vring is placed in. */
  hostMemory: HostMemory;
  /** Host addresses and sizes of the shadow vring's driver and device areas. */
  areas: () => { driver: number; driverBytes: number; device: number; deviceBytes: number };
  /** vhost_svq_translate_addr: GPA → IOVA (undefined when unmapped). */
  translateAddr: (gpa: number) => number | undefined;
  /** The guest's interrupt for this vq. */
  notifyGuest: (vq: number) => void;
  /** Guest range the device wrote (migration dirty log). */
  markDirty: (gpa: number, len: number) => void;
  violation: SvqViolation;
  hook?: SvqHook;
}

export class ShadowVirtqueue {
  readonly vq: number;
  /** Static configuration. */
  private readonly cfg: ShadowVirtqueueConfig;
  /** The guest's ring; QEMU drives its device side while shadowing. */
  readonly guest: Virtqueue<number>;
  /** The shadow vring; QEMU drives its driver side. Null while stopped. */
  shadow: Virtqueue<number> | null = null;
  /** Guest chains in flight in the shadow vring, by guest head (desc_state[]). */
  private readonly inFlight: (AvailChain | undefined)[];
  /** Forwarding is on (between start and stop). */
  active = false;
  /** Buffers forwarded and returned, for tests and notes. */
  forwarded = 0;
  returned = 0;
  /** Bound call handler. */
  private readonly callFn = (): void => this.onCall();

  constructor(cfg: ShadowVirtqueueConfig) {
    this.cfg = cfg;
    this.vq = cfg.vq;
    this.guest = cfg.guest;
    this.inFlight = new Array<AvailChain | undefined>(cfg.guest.num).fill(undefined);
  }

  /**
   * vhost_svq_start: a fresh shadow vring (its indices at 0, as the device was told with
   * SET_VRING_BASE 0) placed at the shadow vring's host addresses; the guest ring's device side
   * (now QEMU's) must already sit at the guest-side base — except on the CVQ, whose shadow vring
   * also carries QEMU's own commands (`checkGuest` false).
   */
  start(base: VringBase, checkGuest = true): Result {
    const g = this.guest;
    const made = createRing<number>({ layout: g.layout, num: g.num, inOrder: g.inOrder, partialOrder: g.partialOrder, name: `${this.cfg.name} shadow` });
    if (!made.ok) return made;
    const shadow = made.value;
    const gs = g.getDeviceState();
    if (checkGuest && (gs.lastAvailIdx !== base.lastAvailIdx || g.inflight !== 0)) {
      this.cfg.violation(
        `${this.cfg.name}`,
        `guest ring device side at last_avail_idx ${gs.lastAvailIdx} (${g.inflight} in flight), vring base ${base.lastAvailIdx}`,
      );
    }
    const a = this.cfg.areas();
    const mem = this.cfg.hostMemory;
    mem.displace(a.driver, a.driverBytes);
    mem.displace(a.device, a.deviceBytes);
    const p1 = mem.place(a.driver, a.driverBytes, shadow);
    if (!p1.ok) return p1;
    const p2 = mem.place(a.device, a.deviceBytes, shadow);
    if (!p2.ok) return p2;
    this.shadow = shadow;
    this.inFlight.fill(undefined);
    this.active = true;
    this.cfg.fd.onCall(this.vq, this.callFn);
    // QEMU signals its own kick once at start: whatever the guest made available meanwhile goes now.
    this.guestKick();
    return OK;
  }

  /**
   * vhost_svq_stop after the device was suspended: guest elements still in the shadow vring are
   * given back to the guest ring (virtqueue_unpop), so its device side is at the used position.
   * Returns that position.
   */
  stop(): Result<DeviceRingState> {
    this.active = false;
    this.cfg.fd.onCall(this.vq, null);
    // Used entries the device published before it stopped still reach the guest.
    this.reap();
    const r = rewindDevice(this.guest);
    if (!r.ok) return err(r.errno, `${this.cfg.name}: giving back in-flight guest buffers: ${r.reason}`);
    this.inFlight.fill(undefined);
    const a = this.cfg.areas();
    this.cfg.hostMemory.displace(a.driver, a.driverBytes);
    this.cfg.hostMemory.displace(a.device, a.deviceBytes);
    this.shadow = null;
    return { ok: true, value: this.guest.getDeviceState() };
  }

  /** The guest kicked (handle_guest_kick → vhost_svq_flush of the avail side). */
  guestKick(): void {
    const shadow = this.shadow;
    if (!this.active || shadow === null) return;
    const g = this.guest;
    const hook = this.cfg.hook;
    try {
      while (g.hasAvail()) {
        // A chain needs as many shadow descriptors as it has; stop when the shadow is full.
        if (shadow.numFree === 0) break;
        const elem = g.popAvail() as AvailChain;
        if (hook !== undefined && hook.avail(elem) === 'consumed') continue;
        if (elem.descs.length > shadow.numFree) {
          this.cfg.violation(this.cfg.name, `guest chain of ${elem.descs.length} descriptors does not fit the shadow vring`);
          break;
        }
        if (!this.add(shadow, elem)) return;
      }
      if (shadow.kickNeeded()) this.cfg.fd.kick(this.vq);
    } catch (e) {
      if (!(e instanceof RingInvariantError)) throw e;
      this.cfg.violation(this.cfg.name, e.message);
    }
  }

  /** Adds a buffer owned by the hook (token < 0) to the shadow vring and kicks. ENOSPC when full. */
  addOwn(descs: readonly BufferDesc[], token: number): Result {
    const shadow = this.shadow;
    if (shadow === null) return err('EIO', `${this.cfg.name}: shadow vring not started`);
    const r = shadow.addBuf(descs, token);
    if (!r.ok) return r;
    return OK;
  }

  /** Kicks the device if the shadow vring asks for it. */
  flushKick(): void {
    if (this.shadow?.kickNeeded()) this.cfg.fd.kick(this.vq);
  }

  /** vhost_svq_add: translate every descriptor and add the chain with the guest head as token. */
  private add(shadow: Virtqueue<number>, elem: AvailChain): boolean {
    const descs = elem.descs;
    // The translated chain in an array of its size (most chains are one descriptor).
    const first = this.translated(descs[0]!);
    if (first === null) return false;
    const out: BufferDesc[] = [first];
    for (let i = 1; i < descs.length; i++) {
      const d = this.translated(descs[i]!);
      if (d === null) return false;
      out.push(d);
    }
    const r = shadow.addBuf(out, elem.head);
    if (!r.ok) {
      this.cfg.violation(this.cfg.name, `shadow vring add: ${r.reason}`);
      return false;
    }
    this.inFlight[elem.head] = elem;
    this.forwarded++;
    return true;
  }

  /** vhost_svq_translate_addr of one guest descriptor; null (a violation reported) when its GPA is not mapped. */
  private translated(d: BufferDesc): BufferDesc | null {
    const iova = this.cfg.translateAddr(d.addr);
    if (iova === undefined) {
      this.cfg.violation(this.cfg.name, `vhost_svq_translate_addr: GPA 0x${d.addr.toString(16)} is not mapped`);
      return null;
    }
    return { addr: iova, len: d.len, write: d.write };
  }

  /** The device's call: return used buffers to the guest and notify it. */
  onCall(): void {
    if (!this.active) return;
    if (this.reap()) this.cfg.notifyGuest(this.vq);
    // Freed shadow descriptors may let waiting guest buffers through.
    if (this.guest.hasAvail()) this.guestKick();
  }

  /** vhost_svq_flush: shadow used → guest used; returns whether the guest must be interrupted. */
  private reap(): boolean {
    const shadow = this.shadow;
    if (shadow === null) return false;
    const g = this.guest;
    const hook = this.cfg.hook;
    let n = 0;
    try {
      for (let u = shadow.getUsed(); u !== null; u = shadow.getUsed()) {
        const token = u.token;
        if (token < 0) {
          hook?.used(token, u.len);
          continue;
        }
        const f = this.inFlight[token];
        if (f === undefined) {
          this.cfg.violation(this.cfg.name, `shadow used entry for guest head ${token}, which is not in flight`);
          continue;
        }
        this.inFlight[token] = undefined;
        this.markWritten(f, u.len);
        const r = g.pushUsed(token, u.len);
        if (!r.ok) this.cfg.violation(this.cfg.name, `guest used: ${r.reason}`);
        this.returned++;
        n++;
      }
    } catch (e) {
      if (!(e instanceof RingInvariantError)) throw e;
      this.cfg.violation(this.cfg.name, e.message);
    }
    return n > 0 && g.flushUsed();
  }

  /** Pushes a guest element the hook consumed as used, publishes it and notifies the guest. */
  completeConsumed(head: number, len: number): void {
    try {
      const r = this.guest.pushUsed(head, len);
      if (!r.ok) this.cfg.violation(this.cfg.name, `guest used: ${r.reason}`);
      if (this.guest.flushUsed()) this.cfg.notifyGuest(this.vq);
    } catch (e) {
      if (!(e instanceof RingInvariantError)) throw e;
      this.cfg.violation(this.cfg.name, e.message);
    }
  }

  /** Marks the guest pages of the chain's writable descriptors the device filled (len bytes). */
  private markWritten(chain: AvailChain, len: number): void {
    let left = len;
    for (const d of chain.descs) {
      if (left <= 0) break;
      if (!d.write) continue;
      const n = Math.min(left, d.len);
      if (n > 0) this.cfg.markDirty(d.addr, n);
      left -= n;
    }
  }
}
