// packedRing.ts — a packed virtqueue: one descriptor ring with AVAIL/USED bits, wrap counters and event suppression.

import { err, ok, OK, type Result } from '../../uapi/errno.js';
import { vringNeedEvent } from './needEvent.js';
import { RingBase } from './ringBase.js';
import { RingInvariantError } from './ringError.js';
import {
  VIRTQ_DESC_F_FLUSH,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  VRING_PACKED_DESC_F_AVAIL,
  VRING_PACKED_DESC_F_USED,
  VRING_PACKED_EVENT_FLAG_DESC,
  VRING_PACKED_EVENT_FLAG_DISABLE,
  VRING_PACKED_EVENT_FLAG_ENABLE,
  VRING_PACKED_EVENT_F_WRAP_CTR,
} from './ringFlags.js';
import type { AvailChain, BufferDesc, DeviceRingState, DriverRingState, RingOptions } from './virtqueue.js';
import { float64s, int32s, uint16s, uint32s } from './ringSlab.js';

const WRAP_BIT = 1 << VRING_PACKED_EVENT_F_WRAP_CTR;
const AVAIL_USED = VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED;

/** Is a descriptor with `flags` available to a device whose avail wrap counter is `wrap`? */
function isAvail(flags: number, wrap: boolean): boolean {
  return ((flags & VRING_PACKED_DESC_F_AVAIL) !== 0) === wrap && ((flags & VRING_PACKED_DESC_F_USED) !== 0) !== wrap;
}

/** Is a descriptor with `flags` used, for a driver whose used wrap counter is `wrap`? */
function isUsed(flags: number, wrap: boolean): boolean {
  const a = (flags & VRING_PACKED_DESC_F_AVAIL) !== 0;
  return a === ((flags & VRING_PACKED_DESC_F_USED) !== 0) && a === wrap;
}

export class PackedRing<T = unknown> extends RingBase<T> {
  readonly layout = 'packed' as const;

  // ---- shared memory: descriptor ring ----
  /** desc[i].addr. */
  readonly descAddr: Float64Array;
  /** desc[i].len. */
  readonly descLen: Uint32Array;
  /** desc[i].id (buffer id). */
  readonly descId: Uint16Array;
  /** desc[i].flags (NEXT, WRITE, AVAIL, USED, FLUSH). */
  readonly descFlags: Uint16Array;

  // ---- shared memory: event suppression ----
  /** Driver area off_wrap: where the driver wants an interrupt (DESC mode). */
  driverEventOffWrap = 0;
  /** Driver area flags: ENABLE / DISABLE / DESC for interrupts. */
  driverEventFlags = VRING_PACKED_EVENT_FLAG_ENABLE;
  /** Device area off_wrap: where the device wants a kick (DESC mode). */
  deviceEventOffWrap = 0;
  /** Device area flags: ENABLE / DISABLE / DESC for kicks. */
  deviceEventFlags = VRING_PACKED_EVENT_FLAG_ENABLE;

  // ---- driver-private ----
  /** Next slot the driver fills. */
  private nextAvailIdx = 0;
  /** Driver's avail wrap counter (value of the AVAIL bit it writes). */
  private availWrapCounter = true;
  /** Next slot the driver expects a used descriptor in. */
  private lastUsedIdx = 0;
  /** Driver's used wrap counter. */
  private usedWrapCounter = true;
  /** First free buffer id. */
  private freeIdHead = 0;
  /** Free buffer id links. */
  private readonly freeIdNext: Int32Array;

  // ---- device-private ----
  /** Next slot the device reads. */
  private devLastAvailIdx = 0;
  /** Device's avail wrap counter. */
  private devAvailWrapCounter = true;
  /** Next slot the device writes a used descriptor to (including unpublished ones). */
  private devUsedIdx = 0;
  /** Device's used wrap counter (including unpublished entries). */
  private devUsedWrapCounter = true;
  /** Used slot after the last published entry. */
  private pubUsedIdx = 0;
  /** Used wrap counter after the last published entry. */
  private pubUsedWrapCounter = true;
  /** Slots of the unpublished used entries, in write order. */
  private readonly pendSlot: Int32Array;
  /** Flags to store in each unpublished entry when it is published. */
  private readonly pendFlags: Uint16Array;
  /** Number of unpublished used entries. */
  private pendCount = 0;
  /** Descriptor slots the device has marked used since its last interrupt decision. */
  private usedSinceSignal = 0;

  constructor(opts: RingOptions) {
    super(opts);
    const n = opts.num;
    this.descAddr = float64s(n);
    this.descLen = uint32s(n);
    this.descId = uint16s(n);
    this.descFlags = uint16s(n);
    this.freeIdNext = int32s(n);
    for (let i = 0; i < n; i++) this.freeIdNext[i] = i + 1;
    this.pendSlot = int32s(n);
    this.pendFlags = uint16s(n);
  }

  // ---- driver side ----
  addBuf(descs: readonly BufferDesc[], token: T): Result<number> {
    const chk = this.checkAdd(descs);
    if (!chk.ok) return chk;
    const n = descs.length;
    const id = this.freeIdHead;
    this.freeIdHead = this.freeIdNext[id]!;
    const first = this.nextAvailIdx;
    let i = first;
    let wrap = this.availWrapCounter;
    let firstFlags = 0;
    let writeLen = 0;
    for (let k = 0; k < n; k++) {
      const d = descs[k]!;
      this.descAddr[i] = d.addr;
      this.descLen[i] = d.len;
      this.descId[i] = id;
      let flags = wrap ? VRING_PACKED_DESC_F_AVAIL : VRING_PACKED_DESC_F_USED;
      if (d.write) {
        flags |= VRING_DESC_F_WRITE;
        writeLen += d.len;
      }
      if (k < n - 1) flags |= VRING_DESC_F_NEXT;
      // The head's flags are stored last so the device never sees a partial chain.
      if (k === 0) firstFlags = flags;
      else this.descFlags[i] = flags;
      if (++i === this.num) {
        i = 0;
        wrap = !wrap;
      }
    }
    this.descFlags[first] = firstFlags;
    this.nextAvailIdx = i;
    this.availWrapCounter = wrap;
    this.numFreeDescs -= n;
    this.numAdded += n;
    this.noteAdded(id, n, writeLen, token);
    return ok(id);
  }

  kickNeeded(): boolean {
    const added = this.numAdded;
    this.numAdded = 0;
    if (added === 0) return false;
    const f = this.deviceEventFlags;
    if (f === VRING_PACKED_EVENT_FLAG_DISABLE) return false;
    if (f !== VRING_PACKED_EVENT_FLAG_DESC) return true;
    return this.crossed(this.deviceEventOffWrap, this.availWrapCounter, this.nextAvailIdx, added);
  }

  /** Did the last `moved` descriptors up to slot `newIdx` (wrap `wrap`) cross the event `offWrap`? */
  private crossed(offWrap: number, wrap: boolean, newIdx: number, moved: number): boolean {
    if (moved >= this.num) return true;
    let event = offWrap & ~WRAP_BIT;
    if ((offWrap & WRAP_BIT) !== 0 !== wrap) event -= this.num;
    return vringNeedEvent(event & 0xffff, newIdx, (newIdx - moved) & 0xffff);
  }

  protected readUsedEntry(): boolean {
    const slot = this.lastUsedIdx;
    const f = this.descFlags[slot]!;
    if (!isUsed(f, this.usedWrapCounter)) return false;
    this.entId = this.descId[slot]!;
    this.entLen = this.descLen[slot]!;
    this.entFlush = (f & VIRTQ_DESC_F_FLUSH) !== 0;
    return true;
  }

  protected advanceDriverUsed(id: number): void {
    this.lastUsedIdx += this.drvChainLen[id]!;
    if (this.lastUsedIdx >= this.num) {
      this.lastUsedIdx -= this.num;
      this.usedWrapCounter = !this.usedWrapCounter;
    }
    if (this.cbEnabled && this.driverEventFlags === VRING_PACKED_EVENT_FLAG_DESC) {
      this.driverEventOffWrap = this.lastUsedIdx | (this.usedWrapCounter ? WRAP_BIT : 0);
    }
  }

  protected reclaim(id: number): void {
    this.numFreeDescs += this.drvChainLen[id]!;
    this.freeIdNext[id] = this.freeIdHead;
    this.freeIdHead = id;
  }

  disableCb(): void {
    this.cbEnabled = false;
    this.driverEventFlags = VRING_PACKED_EVENT_FLAG_DISABLE;
  }

  enableCb(): boolean {
    this.cbEnabled = true;
    if (this.eventIdx) {
      this.driverEventOffWrap = this.lastUsedIdx | (this.usedWrapCounter ? WRAP_BIT : 0);
      this.driverEventFlags = VRING_PACKED_EVENT_FLAG_DESC;
    } else {
      this.driverEventFlags = VRING_PACKED_EVENT_FLAG_ENABLE;
    }
    return !this.moreUsed();
  }

  driverState(): DriverRingState {
    return {
      layout: 'packed',
      nextAvailIdx: this.nextAvailIdx,
      availWrapCounter: this.availWrapCounter,
      lastUsedIdx: this.lastUsedIdx,
      usedWrapCounter: this.usedWrapCounter,
    };
  }

  /**
   * Place an idle ring at a driver position. The descriptor flags are rewritten as the previous
   * laps left them: slots before the position used in this lap, slots from it on in the last lap.
   */
  setDriverState(state: DriverRingState): Result {
    if (state.layout !== 'packed') return err('EINVAL', 'split driver state on a packed ring');
    if (this.drvOrder.count > 0) return err('EBUSY', `${this.drvOrder.count} buffers outstanding`);
    const idx = state.nextAvailIdx;
    if (!(Number.isInteger(idx) && idx >= 0 && idx < this.num)) return err('EINVAL', `slot ${idx} outside the ring`);
    if (idx !== state.lastUsedIdx || state.availWrapCounter !== state.usedWrapCounter) {
      return err('EINVAL', 'an idle packed ring needs next_avail = last_used with equal wrap counters');
    }
    const w = state.availWrapCounter;
    for (let i = 0; i < this.num; i++) {
      const lapWrap = i < idx ? w : !w;
      this.descFlags[i] = lapWrap ? AVAIL_USED : 0;
    }
    this.nextAvailIdx = idx;
    this.availWrapCounter = w;
    this.lastUsedIdx = idx;
    this.usedWrapCounter = w;
    this.resetDriverTracking();
    return OK;
  }

  // ---- device side ----
  hasAvail(): boolean {
    return isAvail(this.descFlags[this.devLastAvailIdx]!, this.devAvailWrapCounter);
  }

  popAvail(): AvailChain | null {
    if (!this.hasAvail()) return null;
    // The first slot (available: hasAvail) in an array of its own size (most chains are one
    // descriptor), then the rest.
    let i = this.devLastAvailIdx;
    let wrap = this.devAvailWrapCounter;
    let f = this.descFlags[i]!;
    let write = (f & VRING_DESC_F_WRITE) !== 0;
    const descs: BufferDesc[] = [{ addr: this.descAddr[i]!, len: this.descLen[i]!, write }];
    let writeLen = write ? this.descLen[i]! : 0;
    let id = this.descId[i]!;
    if (++i === this.num) {
      i = 0;
      wrap = !wrap;
    }
    while ((f & VRING_DESC_F_NEXT) !== 0) {
      f = this.descFlags[i]!;
      if (!isAvail(f, wrap)) {
        throw new RingInvariantError(this.name, `chain starting at slot ${this.devLastAvailIdx} continues into unavailable slot ${i}`);
      }
      if (descs.length === this.num) throw new RingInvariantError(this.name, `chain at slot ${this.devLastAvailIdx} is longer than the ring`);
      write = (f & VRING_DESC_F_WRITE) !== 0;
      descs.push({ addr: this.descAddr[i]!, len: this.descLen[i]!, write });
      if (write) writeLen += this.descLen[i]!;
      id = this.descId[i]!;
      if (++i === this.num) {
        i = 0;
        wrap = !wrap;
      }
    }
    if (id >= this.num) throw new RingInvariantError(this.name, `chain at slot ${this.devLastAvailIdx} carries buffer id ${id}`);
    this.devLastAvailIdx = i;
    this.devAvailWrapCounter = wrap;
    if (this.eventIdx && this.notifyEnabled) this.deviceEventOffWrap = i | (wrap ? WRAP_BIT : 0);
    this.noteInflight(id, descs.length, writeLen);
    return { head: id, descs, writeLen };
  }

  protected openUsedEntry(id: number, len: number, flush: boolean): void {
    const slot = this.devUsedIdx;
    this.descId[slot] = id;
    this.descLen[slot] = len;
    this.pendSlot[this.pendCount] = slot;
    this.pendFlags[this.pendCount] = (this.devUsedWrapCounter ? AVAIL_USED : 0) | (flush ? VIRTQ_DESC_F_FLUSH : 0);
    this.pendCount++;
  }

  protected extendUsedEntry(id: number, len: number): void {
    const slot = this.pendSlot[this.pendCount - 1]!;
    this.descId[slot] = id;
    this.descLen[slot] = len;
  }

  protected advanceUsed(id: number): void {
    const n = this.devChainLen[id]!;
    this.devUsedIdx += n;
    if (this.devUsedIdx >= this.num) {
      this.devUsedIdx -= this.num;
      this.devUsedWrapCounter = !this.devUsedWrapCounter;
    }
    this.usedSinceSignal += n;
  }

  protected publishUsed(): void {
    // The first entry's flags go last, so the driver sees the whole flush at once.
    for (let k = this.pendCount - 1; k >= 0; k--) this.descFlags[this.pendSlot[k]!] = this.pendFlags[k]!;
    this.pendCount = 0;
    this.pubUsedIdx = this.devUsedIdx;
    this.pubUsedWrapCounter = this.devUsedWrapCounter;
  }

  protected needInterrupt(): boolean {
    const moved = this.usedSinceSignal;
    this.usedSinceSignal = 0;
    if (moved === 0) return false;
    const f = this.driverEventFlags;
    if (f === VRING_PACKED_EVENT_FLAG_DISABLE) return false;
    if (f !== VRING_PACKED_EVENT_FLAG_DESC) return true;
    return this.crossed(this.driverEventOffWrap, this.pubUsedWrapCounter, this.pubUsedIdx, moved);
  }

  protected dropUnpublished(): void {
    this.pendCount = 0;
    this.devUsedIdx = this.pubUsedIdx;
    this.devUsedWrapCounter = this.pubUsedWrapCounter;
    this.usedSinceSignal = 0;
  }

  disableNotify(): void {
    this.notifyEnabled = false;
    this.deviceEventFlags = VRING_PACKED_EVENT_FLAG_DISABLE;
  }

  enableNotify(): boolean {
    this.notifyEnabled = true;
    if (this.eventIdx) {
      this.deviceEventOffWrap = this.devLastAvailIdx | (this.devAvailWrapCounter ? WRAP_BIT : 0);
      this.deviceEventFlags = VRING_PACKED_EVENT_FLAG_DESC;
    } else {
      this.deviceEventFlags = VRING_PACKED_EVENT_FLAG_ENABLE;
    }
    return this.hasAvail();
  }

  getDeviceState(): DeviceRingState {
    return {
      layout: 'packed',
      lastAvailIdx: this.devLastAvailIdx,
      availWrapCounter: this.devAvailWrapCounter,
      usedIdx: this.pubUsedIdx,
      usedWrapCounter: this.pubUsedWrapCounter,
    };
  }

  /** Position in [0, 2*num) of a slot and wrap counter, counting laps from a true counter. */
  private linear(idx: number, wrap: boolean): number {
    return wrap ? idx : idx + this.num;
  }

  /** Forward distance in slots from (a, aw) to (b, bw). */
  private distance(a: number, aw: boolean, b: number, bw: boolean): number {
    const m = 2 * this.num;
    return (((this.linear(b, bw) - this.linear(a, aw)) % m) + m) % m;
  }

  setDeviceState(state: DeviceRingState): Result {
    if (state.layout !== 'packed') return err('EINVAL', 'split device state on a packed ring');
    const busy = this.deviceBusy();
    if (!busy.ok) return busy;
    const inRing = (v: number): boolean => Number.isInteger(v) && v >= 0 && v < this.num;
    if (!inRing(state.lastAvailIdx) || !inRing(state.usedIdx)) {
      return err('EINVAL', `slots ${state.lastAvailIdx}/${state.usedIdx} outside a ring of ${this.num}`);
    }
    if (this.distance(state.lastAvailIdx, state.availWrapCounter, this.nextAvailIdx, this.availWrapCounter) > this.num) {
      return err('EINVAL', `avail position ${state.lastAvailIdx} is ahead of the driver's next avail ${this.nextAvailIdx}`);
    }
    if (this.distance(state.usedIdx, state.usedWrapCounter, state.lastAvailIdx, state.availWrapCounter) > this.num) {
      return err('EINVAL', `used position ${state.usedIdx} is ahead of avail position ${state.lastAvailIdx}`);
    }
    this.devLastAvailIdx = state.lastAvailIdx;
    this.devAvailWrapCounter = state.availWrapCounter;
    this.devUsedIdx = this.pubUsedIdx = state.usedIdx;
    this.devUsedWrapCounter = this.pubUsedWrapCounter = state.usedWrapCounter;
    this.pendCount = 0;
    this.usedSinceSignal = 0;
    this.resetDeviceTracking();
    this.deviceEventFlags = VRING_PACKED_EVENT_FLAG_ENABLE;
    if (this.eventIdx) {
      this.deviceEventOffWrap = this.devLastAvailIdx | (this.devAvailWrapCounter ? WRAP_BIT : 0);
    }
    return OK;
  }
}
