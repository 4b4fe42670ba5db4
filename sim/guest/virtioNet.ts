// virtioNet.ts — the guest's virtio-net driver for one device: one ring per vq placed at its guest
// address (in every host's view of guest RAM: the ring migrates with RAM), RX rings kept full of
// page-aligned buffers from a pool in low RAM, TX buffers sent and reclaimed, the NIC
// configuration sent through the CVQ one command at a time, and notifications through `notify`
// (the host notifier in passthrough, QEMU's SVQ otherwise). It stops with the VM.

import { createRing, RingInvariantError, ringAreaSizes, type RingLayout, type Virtqueue } from '../../device/shared/ring/index.js';
import type { HostMemory } from '../../device/shared/hostMemory.js';
import { CTRL_STATUS_UNSET, newFrame, type NetCtrlMessage, type NetCtrlStatus, type NetFrame } from '../../device/shared/netBuffers.js';
import type { GuestMemory } from '../../vmm/guestMemory.js';
import type { CtrlCommand } from '../../vmm/cvqState.js';

/** The guest's NIC configuration (scenario `devices[].nic`). */
export interface NicConfig {
  vlans: number;
  macTableEntries: number;
  rss: boolean;
  promisc: boolean;
  allmulti: boolean;
}

/** Bytes of one pool buffer: 16 pages, a coalesced burst of frames (a GRO/TSO-sized work item). */
export const GUEST_BUFFER_BYTES = 64 * 1024;
/** Buffers per RX and per TX queue in the pool (bounded by the queue size). */
const POOL_PER_QUEUE = 32;
const PAGE = 4096;

export interface GuestNetConfig {
  name: string;
  queuePairs: number;
  queueSize: number;
  layout: RingLayout;
  inOrder: boolean;
  partialOrder: boolean;
  /** Where the driver puts each vq's ring (guest-physical). */
  vringAddr: (vq: number) => { desc: number; avail: number; used: number };
  memory: GuestMemory;
  /** Every host's QEMU memory the guest RAM is (or will be) mapped in. */
  hosts: readonly HostMemory[];
  violation: (object: string, message: string) => void;
}

/** Where the guest driver starts laying out its NICs' rings and buffers (1 MiB). */
export const GUEST_RINGS_GPA = 0x100000;

/** Each NIC's ring area in order, one after the other from GUEST_RINGS_GPA, and where the last one ends. */
export function guestRingAreas(nics: readonly { queuePairs: number; queueSize: number; ring: RingLayout }[]): { starts: number[]; end: number } {
  const starts: number[] = [];
  let gpa = GUEST_RINGS_GPA;
  for (const n of nics) {
    starts.push(gpa);
    gpa += guestNicFootprint(n.queuePairs, n.queueSize, n.ring);
  }
  return { starts, end: gpa };
}

/**
 * Guest-physical bytes one NIC's rings, buffer pool and CVQ buffers take from the start of its
 * ring area, rounded up to 2 MiB (so NICs can be laid out one after the other).
 */
export function guestNicFootprint(queuePairs: number, queueSize: number, layout: RingLayout): number {
  // The slot VhostVdpaNet.guestVringAddr gives each vq.
  const z = ringAreaSizes(layout, queueSize);
  const usedAt = Math.max(0x8000, z.svqDriverArea);
  const slot = Math.ceil((usedAt + z.svqDeviceArea) / 0x10000) * 0x10000;
  const rings = (2 * queuePairs + 1) * slot;
  const pool = 2 * queuePairs * Math.min(queueSize, POOL_PER_QUEUE) * GUEST_BUFFER_BYTES + 2 * PAGE;
  return (Math.ceil(rings / 0x200000) + Math.ceil(pool / 0x200000)) * 0x200000;
}

/** The commands a driver sends for a NIC configuration (virtnet_probe and ndo callbacks). */
export function nicCommands(queuePairs: number, nic: NicConfig | undefined): CtrlCommand[] {
  const out: CtrlCommand[] = [];
  if (queuePairs > 1) out.push({ cls: 'mq', cmd: 'vqPairsSet', pairs: queuePairs });
  if (nic === undefined) return out;
  if (nic.rss && queuePairs > 1) out.push({ cls: 'mq', cmd: 'rssConfig', indirectionTableLen: 128, keyLen: 40 });
  if (nic.promisc) out.push({ cls: 'rx', cmd: 'promisc', on: true });
  if (nic.allmulti) out.push({ cls: 'rx', cmd: 'allmulti', on: true });
  if (nic.macTableEntries > 0) {
    const macs: string[] = [];
    for (let i = 0; i < nic.macTableEntries; i++) macs.push(`02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`);
    out.push({ cls: 'mac', cmd: 'tableSet', unicast: macs, multicast: [] });
  }
  for (let v = 1; v <= nic.vlans; v++) out.push({ cls: 'vlan', cmd: 'add', vid: v });
  return out;
}

/** Counters of the driver. */
export interface GuestNetStats {
  rxFrames: number;
  rxPackets: number;
  txFrames: number;
  txPackets: number;
  /** TX frames not sent: no free buffer or ring slot. */
  txDropped: number;
  cvqAcked: number;
  cvqFailed: number;
}

export class GuestNet {
  /** Static configuration. */
  private readonly cfg: GuestNetConfig;
  /** One ring per vq (RX, TX per pair, then the CVQ); tokens are pool buffer indices. */
  readonly rings: Virtqueue<number>[] = [];
  /** Index of the CVQ. */
  readonly cvq: number;
  /** Where the driver's notifications go (setNotify: the testbed, for the current mode). */
  private notify: (vq: number) => void = () => undefined;
  /** Called after each reap of a ring (setOnReap: invariant checks). */
  private onReap: ((ring: Virtqueue<number>) => void) | null = null;
  /** Called with a probe's tag when a probe ping reaches the guest stack (setOnProbe: the workload). */
  private onProbe: ((tag: number) => void) | null = null;
  /** The VM runs (false before boot, after VM stop until the destination starts). */
  running = false;

  /** Routes the driver's notifications (host notifiers to the device, or to QEMU's SVQ). */
  setNotify(fn: (vq: number) => void): void {
    this.notify = fn;
  }

  /** Sets the hook called after each reap of a ring. */
  setOnReap(fn: ((ring: Virtqueue<number>) => void) | null): void {
    this.onReap = fn;
  }

  /** Sets the hook called when a probe ping reaches the guest stack. */
  setOnProbe(fn: ((tag: number) => void) | null): void {
    this.onProbe = fn;
  }

  /** Called with each RX buffer (guest-physical address, bytes) the driver makes available again (setOnRxRefill). */
  private onRxRefill: ((gpa: number, len: number) => void) | null = null;

  /** Sets the hook called for each RX buffer made available again (the testbed's discards). */
  setOnRxRefill(fn: ((gpa: number, len: number) => void) | null): void {
    this.onRxRefill = fn;
  }

  /** Guest-physical address of the first pool buffer. */
  readonly poolGpa: number;
  /** Pool buffers per queue. */
  readonly perQueue: number;
  /** Content of each pool buffer (same object in every host). */
  private readonly frames: NetFrame[] = [];
  /** 1 while a buffer is available to the device (made available, not yet used). */
  private readonly avail: Uint8Array;
  /** Free TX buffers per TX queue (stack). */
  private readonly txFree: Int32Array[] = [];
  /** Stack depth of txFree. */
  private readonly txFreeTop: Int32Array;
  /** Interrupts that arrived while the VM was stopped. */
  private readonly pendingIrq: Uint8Array;
  /** CVQ command and status buffers (guest-physical). */
  private readonly cvqCmdGpa: number;
  private readonly cvqStatusGpa: number;
  /** Commands waiting to be sent on the CVQ, in order. */
  private readonly ctrlQueue: CtrlCommand[] = [];
  /** A CVQ command is outstanding. */
  private ctrlBusy = false;
  /** Status object of the outstanding CVQ command. */
  private ctrlStatus: NetCtrlStatus | null = null;
  /** Buffers made available over the run, and buffers used. */
  madeAvailable = 0;
  usedBack = 0;
  /** Counters. */
  readonly stats: GuestNetStats = { rxFrames: 0, rxPackets: 0, txFrames: 0, txPackets: 0, txDropped: 0, cvqAcked: 0, cvqFailed: 0 };

  constructor(cfg: GuestNetConfig) {
    this.cfg = cfg;
    const nvq = 2 * cfg.queuePairs + 1;
    this.cvq = nvq - 1;
    const sizes = ringAreaSizes(cfg.layout, cfg.queueSize);
    let end = 0;
    for (let vq = 0; vq < nvq; vq++) {
      const made = createRing<number>({
        layout: cfg.layout,
        num: cfg.queueSize,
        inOrder: cfg.inOrder,
        partialOrder: cfg.partialOrder,
        name: `${cfg.name} vq${vq}`,
      });
      if (!made.ok) throw new Error(`${cfg.name}: ring of vq ${vq}: ${made.reason}`);
      const ring = made.value;
      this.rings.push(ring);
      const a = cfg.vringAddr(vq);
      const last = a.used + sizes.deviceArea;
      end = Math.max(end, last);
      this.placeEverywhere(a.desc, last - a.desc, ring);
    }
    // The pool starts at the next 2 MiB boundary after the rings.
    this.poolGpa = Math.ceil(end / 0x200000) * 0x200000;
    this.perQueue = Math.min(cfg.queueSize, POOL_PER_QUEUE);
    const nbuf = 2 * cfg.queuePairs * this.perQueue;
    this.cvqCmdGpa = this.poolGpa + nbuf * GUEST_BUFFER_BYTES;
    this.cvqStatusGpa = this.cvqCmdGpa + PAGE;
    if (cfg.memory.gpaToHva(this.cvqStatusGpa + PAGE - 1) === undefined || cfg.memory.gpaToHva(this.poolGpa) === undefined) {
      throw new Error(`${cfg.name}: guest buffer pool [0x${this.poolGpa.toString(16)}, 0x${(this.cvqStatusGpa + PAGE).toString(16)}) is not in RAM`);
    }
    for (let b = 0; b < nbuf; b++) {
      const f = newFrame();
      this.frames.push(f);
      this.placeEverywhere(this.bufGpa(b), GUEST_BUFFER_BYTES, f);
    }
    this.avail = new Uint8Array(nbuf);
    this.pendingIrq = new Uint8Array(nvq);
    this.txFreeTop = new Int32Array(cfg.queuePairs);
    for (let q = 0; q < cfg.queuePairs; q++) {
      const st = new Int32Array(this.perQueue);
      for (let i = 0; i < this.perQueue; i++) st[i] = this.txBuf(q, this.perQueue - 1 - i);
      this.txFree.push(st);
      this.txFreeTop[q] = this.perQueue;
    }
    for (let q = 0; q < cfg.queuePairs; q++) this.refillRx(q);
  }

  private placeEverywhere(gpa: number, size: number, obj: unknown): void {
    const hva = this.cfg.memory.gpaToHva(gpa);
    if (hva === undefined) throw new Error(`${this.cfg.name}: GPA 0x${gpa.toString(16)} is not RAM`);
    for (const h of this.cfg.hosts) {
      h.displace(hva, size);
      const r = h.place(hva, size, obj);
      if (!r.ok) throw new Error(`${this.cfg.name}: placing at 0x${hva.toString(16)}: ${r.reason}`);
    }
  }

  /** Guest-physical address of pool buffer b. */
  bufGpa(b: number): number {
    return this.poolGpa + b * GUEST_BUFFER_BYTES;
  }

  /** Pool index of RX queue q's i-th buffer, and of TX queue q's. */
  private rxBuf(q: number, i: number): number {
    return 2 * q * this.perQueue + i;
  }
  private txBuf(q: number, i: number): number {
    return (2 * q + 1) * this.perQueue + i;
  }

  /** Bookkeeping of a buffer made available: it must not be available already. */
  private made(ring: Virtqueue<number>, b: number): void {
    if (this.avail[b] !== 0) this.cfg.violation(ring.name, `buffer ${b} made available twice`);
    this.avail[b] = 1;
    this.madeAvailable++;
  }

  /** Bookkeeping of a buffer used: it must have been available (used exactly once). */
  private gotBack(ring: Virtqueue<number>, b: number): boolean {
    if (b < 0 || b >= this.avail.length || this.avail[b] !== 1) {
      this.cfg.violation(ring.name, `buffer ${b} used but not available (lost or used twice)`);
      return false;
    }
    this.avail[b] = 0;
    this.usedBack++;
    return true;
  }

  /** Buffers currently available to the device, counted from the driver's bookkeeping, per vq. */
  availableIn(vq: number): number {
    if (vq === this.cvq) return this.ctrlBusy ? 1 : 0;
    const q = vq >> 1;
    const first = vq % 2 === 0 ? this.rxBuf(q, 0) : this.txBuf(q, 0);
    let n = 0;
    for (let i = 0; i < this.perQueue; i++) n += this.avail[first + i]!;
    return n;
  }

  /** Makes every RX buffer of queue q that is not in the ring available again. */
  private refillRx(q: number): void {
    const vq = 2 * q;
    const ring = this.rings[vq]!;
    let added = false;
    for (let i = 0; i < this.perQueue; i++) {
      const b = this.rxBuf(q, i);
      if (this.avail[b] !== 0 || ring.numFree === 0) continue;
      const r = ring.addBuf([{ addr: this.bufGpa(b), len: GUEST_BUFFER_BYTES, write: true }], b);
      if (!r.ok) break;
      this.made(ring, b);
      this.onRxRefill?.(this.bufGpa(b), GUEST_BUFFER_BYTES);
      added = true;
    }
    if (added && ring.kickNeeded() && this.running) this.notify(vq);
  }

  /**
   * Sends `count` TX frames on queue q, each `len` bytes carrying `packets` packets and tagged
   * `tag`. Returns how many were queued (the rest are dropped: no buffer or no slot).
   */
  sendTx(q: number, count: number, len: number, packets: number, tag: number): number {
    if (!this.running) return 0;
    const vq = 2 * q + 1;
    const ring = this.rings[vq]!;
    this.reapTx(q);
    let sent = 0;
    const free = this.txFree[q]!;
    while (sent < count && this.txFreeTop[q]! > 0 && ring.numFree > 0) {
      const b = free[--this.txFreeTop[q]!]!;
      const f = this.frames[b]!;
      f.tag = tag;
      f.packets = packets;
      f.len = Math.min(len, GUEST_BUFFER_BYTES);
      const r = ring.addBuf([{ addr: this.bufGpa(b), len: f.len, write: false }], b);
      if (!r.ok) {
        this.txFreeTop[q]!++;
        break;
      }
      this.made(ring, b);
      sent++;
    }
    this.stats.txFrames += sent;
    this.stats.txPackets += sent * packets;
    this.stats.txDropped += count - sent;
    if (sent > 0 && ring.kickNeeded()) this.notify(vq);
    return sent;
  }

  /** The device (or SVQ) interrupted for vq. */
  interrupt(vq: number): void {
    if (!this.running) {
      this.pendingIrq[vq] = 1;
      return;
    }
    this.service(vq);
  }

  private service(vq: number): void {
    try {
      if (vq === this.cvq) this.reapCvq();
      else if (vq % 2 === 0) this.reapRx(vq >> 1);
      else this.reapTx(vq >> 1);
      this.onReap?.(this.rings[vq]!);
    } catch (e) {
      if (!(e instanceof RingInvariantError)) throw e;
      this.cfg.violation(this.rings[vq]!.name, e.message);
    }
  }

  /** virtnet_receive: deliver used RX buffers to the stack and refill. */
  private reapRx(q: number): void {
    const ring = this.rings[2 * q]!;
    for (let u = ring.getUsed(); u !== null; u = ring.getUsed()) {
      const b = u.token;
      if (!this.gotBack(ring, b)) continue;
      const f = this.frames[b]!;
      this.stats.rxFrames++;
      this.stats.rxPackets += f.packets;
      if (f.tag > 0) {
        const tag = f.tag;
        f.tag = 0;
        this.onProbe?.(tag);
      }
    }
    this.refillRx(q);
  }

  /** free_old_xmit: reclaim used TX buffers. */
  private reapTx(q: number): void {
    const ring = this.rings[2 * q + 1]!;
    const free = this.txFree[q]!;
    for (let u = ring.getUsed(); u !== null; u = ring.getUsed()) {
      const b = u.token;
      if (!this.gotBack(ring, b)) continue;
      free[this.txFreeTop[q]!++] = b;
    }
  }

  /**
   * A clean point for the workload to go dormant at: the VM runs, no control command is
   * outstanding or queued, no interrupt waits, and every TX buffer the driver made available was
   * used (RX buffers simply wait, available, for frames).
   */
  quiescent(): boolean {
    if (!this.running || this.ctrlBusy || this.ctrlQueue.length > 0) return false;
    for (let vq = 0; vq < this.rings.length; vq++) {
      if (this.pendingIrq[vq] !== 0) return false;
      if (vq !== this.cvq && vq % 2 === 1 && this.rings[vq]!.inflight > 0) return false;
    }
    return true;
  }

  // ---- control virtqueue ----

  /** Queues NIC configuration commands; they go one at a time (virtnet_send_command). */
  configure(commands: readonly CtrlCommand[]): void {
    for (const c of commands) this.ctrlQueue.push(c);
    this.sendNextCtrl();
  }

  /** Commands not yet acknowledged (queued or outstanding). */
  get ctrlPending(): number {
    return this.ctrlQueue.length + (this.ctrlBusy ? 1 : 0);
  }

  private sendNextCtrl(): void {
    if (this.ctrlBusy || !this.running || this.ctrlQueue.length === 0) return;
    const c = this.ctrlQueue.shift() as CtrlCommand;
    const msg: NetCtrlMessage = { kind: 'netCtrl', command: c };
    const st: NetCtrlStatus = { kind: 'netCtrlStatus', ack: CTRL_STATUS_UNSET };
    this.placeEverywhere(this.cvqCmdGpa, PAGE, msg);
    this.placeEverywhere(this.cvqStatusGpa, 1, st);
    const ring = this.rings[this.cvq]!;
    const r = ring.addBuf(
      [
        { addr: this.cvqCmdGpa, len: PAGE, write: false },
        { addr: this.cvqStatusGpa, len: 1, write: true },
      ],
      -1,
    );
    if (!r.ok) {
      this.cfg.violation(ring.name, `CVQ command: ${r.reason}`);
      return;
    }
    this.madeAvailable++;
    this.ctrlBusy = true;
    this.ctrlStatus = st;
    if (ring.kickNeeded()) this.notify(this.cvq);
  }

  private reapCvq(): void {
    const ring = this.rings[this.cvq]!;
    for (let u = ring.getUsed(); u !== null; u = ring.getUsed()) {
      if (!this.ctrlBusy) {
        this.cfg.violation(ring.name, 'CVQ buffer used while no command was outstanding');
        continue;
      }
      this.usedBack++;
      this.ctrlBusy = false;
      if (this.ctrlStatus?.ack === 0) this.stats.cvqAcked++;
      else this.stats.cvqFailed++;
      this.ctrlStatus = null;
    }
    this.sendNextCtrl();
  }

  // ---- VM run state ----

  /** The VM starts (boot, or at the destination): handle what arrived meanwhile. */
  resume(): void {
    this.running = true;
    for (let vq = 0; vq < this.rings.length; vq++) {
      if (this.pendingIrq[vq] !== 0) {
        this.pendingIrq[vq] = 0;
        this.service(vq);
      }
    }
    // Buffers made available while stopped were never notified.
    for (let vq = 0; vq < this.rings.length; vq++) if (this.rings[vq]!.outstanding > 0) this.notify(vq);
    this.sendNextCtrl();
  }

  /** VM stop: the driver does nothing until resume. */
  pause(): void {
    this.running = false;
  }
}
