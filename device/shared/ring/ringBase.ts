// ringBase.ts — layout-independent ring bookkeeping: tokens, availability order, batching and FLUSH rules.

import { err, OK, type Result } from '../../uapi/errno.js';
import { IdOrderList } from './idOrderList.js';
import { RingInvariantError } from './ringError.js';
import type {
  AvailChain,
  BufferDesc,
  DeviceRingState,
  DriverRingState,
  RingLayout,
  RingOptions,
  UsedBuffer,
  UsedEntry,
  Virtqueue,
} from './virtqueue.js';
import { float64s, uint16s } from './ringSlab.js';

/** How used entries relate to availability order, from the negotiated features. */
export type RingOrdering = 'none' | 'inOrder' | 'partialOrder';

/**
 * Driver and device logic common to both layouts. Buffer ids are split head indices or packed
 * buffer ids, both below `num`. Subclasses read and write the ring slots.
 */
export abstract class RingBase<T> implements Virtqueue<T> {
  abstract readonly layout: RingLayout;
  readonly num: number;
  readonly inOrder: boolean;
  readonly partialOrder: boolean;
  readonly eventIdx: boolean;
  readonly name: string;
  /** Ordering rule in force (IN_ORDER wins when both order features are set). */
  protected readonly ordering: RingOrdering;

  // ---- driver-private state ----
  /** Descriptors the driver may still use. */
  protected numFreeDescs: number;
  /** Token of each outstanding buffer id. */
  protected readonly tokens: (T | undefined)[];
  /** Descriptor count of each outstanding buffer id (driver copy). */
  protected readonly drvChainLen: Uint16Array;
  /** Device-writable length of each outstanding buffer id (driver copy). */
  protected readonly drvWriteLen: Float64Array;
  /** Outstanding buffer ids in the order they were made available. */
  protected readonly drvOrder: IdOrderList;
  /** Buffers (split) or descriptors (packed) added since the last kick decision. */
  protected numAdded = 0;
  /** The driver wants interrupts. */
  protected cbEnabled = true;
  /** Id closing the batch being handed out by getUsed, -1 outside a batch. */
  private batchLastId = -1;
  /** Used length written for the batch's last buffer. */
  private batchLastLen = 0;
  /** The previous used entry the driver read carried FLUSH. */
  private drvPrevFlush = false;
  /** Scratch filled by readUsedEntry: id of the entry at the driver's position. */
  protected entId = 0;
  /** Scratch: len of that entry. */
  protected entLen = 0;
  /** Scratch: FLUSH flag of that entry. */
  protected entFlush = false;

  // ---- device-private state ----
  /** Descriptor count of each in-flight buffer id (device copy). */
  protected readonly devChainLen: Uint16Array;
  /** Device-writable length of each in-flight buffer id (device copy). */
  protected readonly devWriteLen: Float64Array;
  /** In-flight buffer ids (popped, not yet used) in availability order. */
  protected readonly devOrder: IdOrderList;
  /** The device wants kicks. */
  protected notifyEnabled = true;
  /** Buffers pushed used and not yet published. */
  protected pendingBuffers = 0;
  /** The last written used entry is unpublished and may still absorb buffers. */
  private entryOpen = false;
  /** The last written used entry carried FLUSH. */
  private lastEntryFlush = false;
  /** The used entry before the last one carried FLUSH. */
  private entryBeforeLastFlush = false;
  /** The last buffer of the last entry was used with its full writable length. */
  private lastEntryLastFull = false;
  /** Device-side counts over the ring's life: buffers used out of order, used entries that became batches. */
  private readonly counts = { outOfOrder: 0, batches: 0 };
  /** The open entry has absorbed a second buffer (it is a batch). */
  private entryBatched = false;

  protected constructor(opts: RingOptions) {
    this.num = opts.num;
    this.inOrder = opts.inOrder ?? false;
    this.partialOrder = opts.partialOrder ?? false;
    this.eventIdx = opts.eventIdx ?? false;
    this.name = opts.name ?? `${opts.layout} ring`;
    this.ordering = this.inOrder ? 'inOrder' : this.partialOrder ? 'partialOrder' : 'none';
    const n = opts.num;
    this.numFreeDescs = n;
    this.tokens = new Array<T | undefined>(n).fill(undefined);
    this.drvChainLen = uint16s(n);
    this.drvWriteLen = float64s(n);
    this.drvOrder = new IdOrderList(n);
    this.devChainLen = uint16s(n);
    this.devWriteLen = float64s(n);
    this.devOrder = new IdOrderList(n);
  }

  // ---- layout hooks ----
  abstract addBuf(descs: readonly BufferDesc[], token: T): Result<number>;
  abstract kickNeeded(): boolean;
  abstract disableCb(): void;
  abstract enableCb(): boolean;
  abstract driverState(): DriverRingState;
  abstract setDriverState(state: DriverRingState): Result;
  abstract popAvail(): AvailChain | null;
  abstract hasAvail(): boolean;
  abstract disableNotify(): void;
  abstract enableNotify(): boolean;
  abstract getDeviceState(): DeviceRingState;
  abstract setDeviceState(state: DeviceRingState): Result;
  /** Is a used entry published at the driver's position? If so fill entId/entLen/entFlush. */
  protected abstract readUsedEntry(): boolean;
  /** Move the driver's used position past buffer `id` (one buffer of an entry or batch). */
  protected abstract advanceDriverUsed(id: number): void;
  /** Return buffer `id`'s descriptors (and id) to the driver's free pool. */
  protected abstract reclaim(id: number): void;
  /** Write a new used entry at the device's used position. */
  protected abstract openUsedEntry(id: number, len: number, flush: boolean): void;
  /** Rewrite the open (unpublished) entry to close its batch at `id`. */
  protected abstract extendUsedEntry(id: number, len: number): void;
  /** Move the device's used position past buffer `id`. */
  protected abstract advanceUsed(id: number): void;
  /** Make the written entries visible to the driver. */
  protected abstract publishUsed(): void;
  /** Interrupt decision after a publish (event suppression). */
  protected abstract needInterrupt(): boolean;
  /** Drop unpublished used entries and rewind the used position to the published one. */
  protected abstract dropUnpublished(): void;

  // ---- driver side ----
  get numFree(): number {
    return this.numFreeDescs;
  }

  get outstanding(): number {
    return this.drvOrder.count;
  }

  /** Record a buffer just made available. */
  protected noteAdded(id: number, ndescs: number, writeLen: number, token: T): void {
    if (this.drvOrder.has(id)) throw new RingInvariantError(this.name, `driver reused buffer id ${id} while outstanding`);
    this.tokens[id] = token;
    this.drvChainLen[id] = ndescs;
    this.drvWriteLen[id] = writeLen;
    this.drvOrder.pushBack(id);
  }

  getUsed(): UsedBuffer<T> | null {
    if (this.batchLastId < 0) {
      if (!this.readUsedEntry()) return null;
      const id = this.entId;
      const len = this.entLen;
      if (id >= this.num || !this.drvOrder.has(id)) {
        throw new RingInvariantError(this.name, `used entry names buffer id ${id}, which is not outstanding`);
      }
      if (this.ordering === 'none') return this.complete(id, len);
      if (this.ordering === 'partialOrder') {
        const flush = this.entFlush;
        const batch = flush && this.drvPrevFlush;
        this.drvPrevFlush = flush;
        if (!batch) {
          if (flush && this.drvOrder.front !== id) {
            throw new RingInvariantError(
              this.name,
              `FLUSH on used buffer id ${id} while earlier buffer id ${this.drvOrder.front} is outstanding`,
            );
          }
          return this.complete(id, len);
        }
      }
      this.batchLastId = id;
      this.batchLastLen = len;
    }
    const id = this.drvOrder.front;
    if (id < 0) throw new RingInvariantError(this.name, `batch ending at buffer id ${this.batchLastId} ran out of buffers`);
    if (id === this.batchLastId) {
      this.batchLastId = -1;
      return this.complete(id, this.batchLastLen);
    }
    return this.complete(id, this.drvWriteLen[id]!);
  }

  private complete(id: number, len: number): UsedBuffer<T> {
    this.drvOrder.unlink(id);
    const token = this.tokens[id] as T;
    this.tokens[id] = undefined;
    this.advanceDriverUsed(id);
    this.reclaim(id);
    return { token, len };
  }

  moreUsed(): boolean {
    return this.batchLastId >= 0 || this.readUsedEntry();
  }

  peekUsed(): UsedEntry | null {
    if (this.batchLastId >= 0 || !this.readUsedEntry()) return null;
    return { id: this.entId, len: this.entLen, flush: this.entFlush };
  }

  /** Reset the driver's batch and FLUSH tracking (with a driver position restore). */
  protected resetDriverTracking(): void {
    this.batchLastId = -1;
    this.drvPrevFlush = false;
    this.numAdded = 0;
  }

  // ---- device side ----
  get inflight(): number {
    return this.devOrder.count;
  }

  /** Record a buffer just popped. */
  protected noteInflight(id: number, ndescs: number, writeLen: number): void {
    if (this.devOrder.has(id)) {
      throw new RingInvariantError(this.name, `buffer id ${id} made available again while in flight`);
    }
    this.devChainLen[id] = ndescs;
    this.devWriteLen[id] = writeLen;
    this.devOrder.pushBack(id);
  }

  pushUsed(head: number, len: number): Result {
    if (!(head >= 0 && head < this.num) || !this.devOrder.has(head)) {
      throw new RingInvariantError(this.name, `buffer id ${head} pushed used but not in flight (used twice or never popped)`);
    }
    if (!(len >= 0 && len <= this.devWriteLen[head]!)) {
      return err('EINVAL', `used len ${len} of buffer id ${head} exceeds its writable length ${this.devWriteLen[head]}`);
    }
    const isFront = this.devOrder.front === head;
    if (this.ordering === 'inOrder' && !isFront) {
      return err('EINVAL', `IN_ORDER: buffer id ${head} used before earlier buffer id ${this.devOrder.front}`);
    }
    if (!isFront) this.counts.outOfOrder++;
    this.devOrder.unlink(head);
    const full = len === this.devWriteLen[head];
    const flush = this.ordering === 'partialOrder' && isFront;
    if (this.canExtendEntry(isFront)) {
      this.extendUsedEntry(head, len);
      if (!this.entryBatched) this.counts.batches++;
      this.entryBatched = true;
    } else {
      this.openUsedEntry(head, len, flush);
      this.entryBeforeLastFlush = this.lastEntryFlush;
      this.lastEntryFlush = flush;
      this.entryOpen = true;
      this.entryBatched = false;
    }
    this.lastEntryLastFull = full;
    this.advanceUsed(head);
    this.pendingBuffers++;
    return OK;
  }

  /**
   * May the next buffer fold into the open entry? Only in order, only if the batch so far ends in
   * a full-length buffer (the driver infers the lengths of all but the last), and with
   * PARTIAL_ORDER only when the entry before the batch carried FLUSH.
   */
  private canExtendEntry(isFront: boolean): boolean {
    if (!this.entryOpen || !isFront || !this.lastEntryLastFull) return false;
    if (this.ordering === 'inOrder') return true;
    if (this.ordering === 'partialOrder') return this.lastEntryFlush && this.entryBeforeLastFlush;
    return false;
  }

  get usedCounts(): Readonly<{ outOfOrder: number; batches: number }> {
    return this.counts;
  }

  /** The device may write the next used entry as a batch (PARTIAL_ORDER: the previous entry carried FLUSH). */
  canBatch(): boolean {
    if (this.ordering === 'inOrder') return true;
    if (this.ordering === 'partialOrder') return this.lastEntryFlush;
    return false;
  }

  flushUsed(): boolean {
    if (this.pendingBuffers === 0) return false;
    this.publishUsed();
    this.pendingBuffers = 0;
    this.entryOpen = false;
    return this.needInterrupt();
  }

  resetDevice(): void {
    this.devOrder.clear();
    this.dropUnpublished();
    this.resetDeviceTracking();
  }

  /** Reset the device's batching and notification tracking. */
  protected resetDeviceTracking(): void {
    this.pendingBuffers = 0;
    this.entryOpen = false;
    this.lastEntryFlush = false;
    this.entryBeforeLastFlush = false;
    this.lastEntryLastFull = false;
    this.notifyEnabled = true;
  }

  /** EBUSY unless the device side is quiescent (nothing in flight or unpublished). */
  protected deviceBusy(): Result {
    if (this.devOrder.count > 0 || this.pendingBuffers > 0) {
      return err('EBUSY', `${this.devOrder.count} buffers in flight, ${this.pendingBuffers} used unpublished`);
    }
    return OK;
  }

  /** Shared checks of a chain handed to addBuf. */
  protected checkAdd(descs: readonly BufferDesc[]): Result {
    if (descs.length === 0) return err('EINVAL', 'a buffer needs at least one descriptor');
    if (descs.length > this.numFreeDescs) {
      return err('ENOSPC', `${descs.length} descriptors needed, ${this.numFreeDescs} free`);
    }
    return OK;
  }
}
