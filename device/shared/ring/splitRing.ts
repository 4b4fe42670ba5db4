// splitRing.ts — a split virtqueue: descriptor table, avail ring and used ring with 16-bit free-running indices.

import { err, ok, OK, type Result } from '../../uapi/errno.js';
import { vringNeedEvent } from './needEvent.js';
import { RingBase } from './ringBase.js';
import { RingInvariantError } from './ringError.js';
import {
  VIRTQ_USED_ELEM_F_FLUSH,
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  VRING_USED_F_NO_NOTIFY,
} from './ringFlags.js';
import type { AvailChain, BufferDesc, DeviceRingState, DriverRingState, RingOptions } from './virtqueue.js';
import { float64s, int32s, uint16s, uint32s } from './ringSlab.js';

export class SplitRing<T = unknown> extends RingBase<T> {
  readonly layout = 'split' as const;
  /** num - 1: ring slot of a free-running index is idx & mask. */
  private readonly mask: number;

  // ---- shared memory: descriptor table ----
  /** desc[i].addr. */
  readonly descAddr: Float64Array;
  /** desc[i].len. */
  readonly descLen: Uint32Array;
  /** desc[i].flags (NEXT, WRITE). */
  readonly descFlags: Uint16Array;
  /** desc[i].next. */
  readonly descNext: Uint16Array;

  // ---- shared memory: avail ring (driver writes) ----
  /** avail.flags (NO_INTERRUPT). */
  availFlags = 0;
  /** avail.idx: where the driver will put the next entry. */
  availIdx = 0;
  /** avail.ring[]: head descriptor indices. */
  readonly availRing: Uint16Array;
  /** used_event at the end of the avail ring (EVENT_IDX). */
  usedEvent = 0;

  // ---- shared memory: used ring (device writes) ----
  /** used.flags (NO_NOTIFY). */
  usedFlags = 0;
  /** used.idx: published count of used buffers. */
  usedIdx = 0;
  /** used.ring[].id (16 bits, next to the flags field of PARTIAL_ORDER). */
  readonly usedId: Uint16Array;
  /** used.ring[].flags (VIRTQ_USED_ELEM_F_FLUSH). */
  readonly usedElemFlags: Uint16Array;
  /** used.ring[].len. */
  readonly usedLen: Uint32Array;
  /** avail_event at the end of the used ring (EVENT_IDX). */
  availEvent = 0;

  // ---- driver-private ----
  /** First free descriptor. */
  private freeHead = 0;
  /** Free list links (driver-private, so the device cannot corrupt it). */
  private readonly freeNext: Int32Array;
  /** Next used ring index the driver reads. */
  private lastUsedIdx = 0;

  // ---- device-private ----
  /** Next avail ring index the device reads. */
  private lastAvailIdx = 0;
  /** used.idx including unpublished entries. */
  private shadowUsedIdx = 0;
  /** Used ring index of the open (unpublished) entry. */
  private entryIdx = 0;
  /** used.idx at the last interrupt decision. */
  private signalledUsed = 0;

  constructor(opts: RingOptions) {
    super(opts);
    const n = opts.num;
    this.mask = n - 1;
    this.descAddr = float64s(n);
    this.descLen = uint32s(n);
    this.descFlags = uint16s(n);
    this.descNext = uint16s(n);
    this.availRing = uint16s(n);
    this.usedId = uint16s(n);
    this.usedElemFlags = uint16s(n);
    this.usedLen = uint32s(n);
    this.freeNext = int32s(n);
    for (let i = 0; i < n; i++) this.freeNext[i] = i + 1;
  }

  // ---- driver side ----
  addBuf(descs: readonly BufferDesc[], token: T): Result<number> {
    const chk = this.checkAdd(descs);
    if (!chk.ok) return chk;
    const n = descs.length;
    const head = this.freeHead;
    let i = head;
    let writeLen = 0;
    for (let k = 0; k < n; k++) {
      const d = descs[k]!;
      this.descAddr[i] = d.addr;
      this.descLen[i] = d.len;
      let flags = 0;
      if (d.write) {
        flags |= VRING_DESC_F_WRITE;
        writeLen += d.len;
      }
      const nxt = this.freeNext[i]!;
      if (k < n - 1) {
        flags |= VRING_DESC_F_NEXT;
        this.descNext[i] = nxt;
      }
      this.descFlags[i] = flags;
      i = nxt;
    }
    this.freeHead = i;
    this.numFreeDescs -= n;
    this.noteAdded(head, n, writeLen, token);
    this.availRing[this.availIdx & this.mask] = head;
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.numAdded++;
    return ok(head);
  }

  kickNeeded(): boolean {
    const added = this.numAdded;
    this.numAdded = 0;
    if (added === 0) return false;
    if (this.eventIdx) return vringNeedEvent(this.availEvent, this.availIdx, (this.availIdx - added) & 0xffff);
    return (this.usedFlags & VRING_USED_F_NO_NOTIFY) === 0;
  }

  protected readUsedEntry(): boolean {
    if (this.lastUsedIdx === this.usedIdx) return false;
    const ahead = (this.usedIdx - this.lastUsedIdx) & 0xffff;
    if (ahead > this.num) {
      throw new RingInvariantError(this.name, `used.idx ${this.usedIdx} is ${ahead} past last_used_idx ${this.lastUsedIdx}`);
    }
    const slot = this.lastUsedIdx & this.mask;
    this.entId = this.usedId[slot]!;
    this.entLen = this.usedLen[slot]!;
    this.entFlush = (this.usedElemFlags[slot]! & VIRTQ_USED_ELEM_F_FLUSH) !== 0;
    return true;
  }

  protected advanceDriverUsed(id: number): void {
    if (this.lastUsedIdx === this.usedIdx) {
      throw new RingInvariantError(this.name, `batch closing at buffer id ${id} runs past used.idx ${this.usedIdx}`);
    }
    this.lastUsedIdx = (this.lastUsedIdx + 1) & 0xffff;
    if (this.eventIdx && this.cbEnabled) this.usedEvent = this.lastUsedIdx;
  }

  protected reclaim(id: number): void {
    const chainLen = this.drvChainLen[id]!;
    let last = id;
    for (let k = 1; k < chainLen; k++) last = this.freeNext[last]!;
    this.freeNext[last] = this.freeHead;
    this.freeHead = id;
    this.numFreeDescs += chainLen;
  }

  disableCb(): void {
    this.cbEnabled = false;
    if (!this.eventIdx) this.availFlags |= VRING_AVAIL_F_NO_INTERRUPT;
  }

  enableCb(): boolean {
    this.cbEnabled = true;
    if (this.eventIdx) this.usedEvent = this.lastUsedIdx;
    else this.availFlags &= ~VRING_AVAIL_F_NO_INTERRUPT;
    return !this.moreUsed();
  }

  driverState(): DriverRingState {
    return { layout: 'split', availIdx: this.availIdx, lastUsedIdx: this.lastUsedIdx };
  }

  setDriverState(state: DriverRingState): Result {
    if (state.layout !== 'split') return err('EINVAL', 'packed driver state on a split ring');
    if (this.drvOrder.count > 0) return err('EBUSY', `${this.drvOrder.count} buffers outstanding`);
    if (!isIdx16(state.availIdx) || state.availIdx !== state.lastUsedIdx) {
      return err('EINVAL', `an idle split ring needs avail.idx = last_used_idx, got ${state.availIdx}/${state.lastUsedIdx}`);
    }
    this.availIdx = state.availIdx;
    this.lastUsedIdx = state.lastUsedIdx;
    this.usedIdx = state.lastUsedIdx;
    this.usedEvent = state.lastUsedIdx;
    this.resetDriverTracking();
    return OK;
  }

  // ---- device side ----
  hasAvail(): boolean {
    return this.lastAvailIdx !== this.availIdx;
  }

  popAvail(): AvailChain | null {
    if (this.lastAvailIdx === this.availIdx) return null;
    const ahead = (this.availIdx - this.lastAvailIdx) & 0xffff;
    if (ahead > this.num) {
      throw new RingInvariantError(this.name, `avail.idx ${this.availIdx} is ${ahead} past last_avail_idx ${this.lastAvailIdx}`);
    }
    const head = this.availRing[this.lastAvailIdx & this.mask]!;
    if (head >= this.num) throw new RingInvariantError(this.name, `avail entry ${this.lastAvailIdx} names descriptor ${head}`);
    // The head first, in an array of its own size (most chains are one descriptor), then the rest.
    let i = head;
    let flags = this.descFlags[i]!;
    let write = (flags & VRING_DESC_F_WRITE) !== 0;
    const descs: BufferDesc[] = [{ addr: this.descAddr[i]!, len: this.descLen[i]!, write }];
    let writeLen = write ? this.descLen[i]! : 0;
    while ((flags & VRING_DESC_F_NEXT) !== 0) {
      i = this.descNext[i]!;
      if (i >= this.num) throw new RingInvariantError(this.name, `descriptor chain at head ${head} points to ${i}`);
      if (descs.length === this.num) throw new RingInvariantError(this.name, `descriptor chain at head ${head} loops`);
      flags = this.descFlags[i]!;
      write = (flags & VRING_DESC_F_WRITE) !== 0;
      descs.push({ addr: this.descAddr[i]!, len: this.descLen[i]!, write });
      if (write) writeLen += this.descLen[i]!;
    }
    this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
    if (this.eventIdx && this.notifyEnabled) this.availEvent = this.lastAvailIdx;
    this.noteInflight(head, descs.length, writeLen);
    return { head, descs, writeLen };
  }

  protected openUsedEntry(id: number, len: number, flush: boolean): void {
    this.entryIdx = this.shadowUsedIdx;
    const slot = this.entryIdx & this.mask;
    this.usedId[slot] = id;
    this.usedLen[slot] = len;
    this.usedElemFlags[slot] = flush ? VIRTQ_USED_ELEM_F_FLUSH : 0;
  }

  protected extendUsedEntry(id: number, len: number): void {
    const slot = this.entryIdx & this.mask;
    this.usedId[slot] = id;
    this.usedLen[slot] = len;
  }

  protected advanceUsed(_id: number): void {
    this.shadowUsedIdx = (this.shadowUsedIdx + 1) & 0xffff;
  }

  protected publishUsed(): void {
    this.usedIdx = this.shadowUsedIdx;
  }

  protected needInterrupt(): boolean {
    const oldIdx = this.signalledUsed;
    const newIdx = this.usedIdx;
    this.signalledUsed = newIdx;
    if (oldIdx === newIdx) return false;
    if (this.eventIdx) return vringNeedEvent(this.usedEvent, newIdx, oldIdx);
    return (this.availFlags & VRING_AVAIL_F_NO_INTERRUPT) === 0;
  }

  protected dropUnpublished(): void {
    this.shadowUsedIdx = this.usedIdx;
  }

  disableNotify(): void {
    this.notifyEnabled = false;
    if (!this.eventIdx) this.usedFlags |= VRING_USED_F_NO_NOTIFY;
  }

  enableNotify(): boolean {
    this.notifyEnabled = true;
    if (this.eventIdx) this.availEvent = this.lastAvailIdx;
    else this.usedFlags &= ~VRING_USED_F_NO_NOTIFY;
    return this.hasAvail();
  }

  getDeviceState(): DeviceRingState {
    return { layout: 'split', lastAvailIdx: this.lastAvailIdx, usedIdx: this.usedIdx };
  }

  setDeviceState(state: DeviceRingState): Result {
    if (state.layout !== 'split') return err('EINVAL', 'packed device state on a split ring');
    const busy = this.deviceBusy();
    if (!busy.ok) return busy;
    if (!isIdx16(state.lastAvailIdx) || !isIdx16(state.usedIdx)) {
      return err('EINVAL', `split indices are 16-bit: ${state.lastAvailIdx}/${state.usedIdx}`);
    }
    const pendingAvail = (this.availIdx - state.lastAvailIdx) & 0xffff;
    if (pendingAvail > this.num) {
      return err('EINVAL', `last_avail_idx ${state.lastAvailIdx} is not within ${this.num} behind avail.idx ${this.availIdx}`);
    }
    if (((state.lastAvailIdx - state.usedIdx) & 0xffff) > this.num) {
      return err('EINVAL', `used idx ${state.usedIdx} is not within ${this.num} behind last_avail_idx ${state.lastAvailIdx}`);
    }
    if (((state.usedIdx - this.usedIdx) & 0xffff) > this.num) {
      return err('EINVAL', `used idx ${state.usedIdx} would move used.idx ${this.usedIdx} backward`);
    }
    this.lastAvailIdx = state.lastAvailIdx;
    this.usedIdx = state.usedIdx;
    this.shadowUsedIdx = state.usedIdx;
    this.signalledUsed = state.usedIdx;
    this.resetDeviceTracking();
    this.usedFlags &= ~VRING_USED_F_NO_NOTIFY;
    if (this.eventIdx) this.availEvent = this.lastAvailIdx;
    return OK;
  }
}

function isIdx16(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffff;
}
