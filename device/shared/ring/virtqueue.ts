// virtqueue.ts — the common driver/device interface over a split or packed virtqueue ring.

import type { Result } from '../../uapi/errno.js';

export type RingLayout = 'split' | 'packed';

/** What the ring is created with: layout, size and the negotiated ring features. */
export interface RingOptions {
  readonly layout: RingLayout;
  /** Queue size: split a power of two in 1..32768, packed 1..32768. */
  readonly num: number;
  /** VIRTIO_F_IN_ORDER: the device uses buffers in the order they were made available. */
  readonly inOrder?: boolean;
  /** VIRTIO_F_PARTIAL_ORDER (proposed): FLUSH-marked used entries allow batching between out-of-order phases. */
  readonly partialOrder?: boolean;
  /** VIRTIO_F_EVENT_IDX / RING_EVENT_FLAGS_DESC: index-based notification suppression. */
  readonly eventIdx?: boolean;
  /** Name used in invariant messages (for example "net0 rx0 svq"). */
  readonly name?: string;
}

/** One descriptor of a buffer as the driver adds it. */
export interface BufferDesc {
  /** Guest physical address or IOVA of the buffer segment. */
  readonly addr: number;
  readonly len: number;
  /** Device-writable (VRING_DESC_F_WRITE); otherwise device-readable. */
  readonly write: boolean;
}

/** A buffer the device took from the ring. */
export interface AvailChain {
  /** Split: head descriptor index; packed: buffer id. Pass it back to pushUsed. */
  readonly head: number;
  readonly descs: readonly BufferDesc[];
  /** Total length of the device-writable descriptors. */
  readonly writeLen: number;
}

/** A completed buffer as the driver recovers it. */
export interface UsedBuffer<T> {
  readonly token: T;
  /** Bytes the device wrote (for buffers folded into a batch: the chain's writable length). */
  readonly len: number;
}

/** A raw used entry as it sits in the ring. */
export interface UsedEntry {
  readonly id: number;
  readonly len: number;
  /** FLUSH flag of VIRTIO_F_PARTIAL_ORDER. */
  readonly flush: boolean;
}

/** Device-side ring position, as VHOST_GET_VRING_BASE / SET_VRING_BASE carry it. */
export type DeviceRingState =
  | {
      readonly layout: 'split';
      /** Next avail ring index the device reads (16-bit free-running). */
      readonly lastAvailIdx: number;
      /** Published used.idx (16-bit free-running). */
      readonly usedIdx: number;
    }
  | {
      readonly layout: 'packed';
      /** Next descriptor slot the device reads. */
      readonly lastAvailIdx: number;
      readonly availWrapCounter: boolean;
      /** Next descriptor slot the device writes a used descriptor to (after the published ones). */
      readonly usedIdx: number;
      readonly usedWrapCounter: boolean;
    };

/** Driver-side ring position. */
export type DriverRingState =
  | {
      readonly layout: 'split';
      /** avail.idx as published (16-bit free-running). */
      readonly availIdx: number;
      /** Next used ring index the driver reads (16-bit free-running). */
      readonly lastUsedIdx: number;
    }
  | {
      readonly layout: 'packed';
      /** Next descriptor slot the driver fills. */
      readonly nextAvailIdx: number;
      readonly availWrapCounter: boolean;
      /** Next descriptor slot the driver expects a used descriptor in. */
      readonly lastUsedIdx: number;
      readonly usedWrapCounter: boolean;
    };

/**
 * The shared ring between a driver (the guest, or SVQ towards the device) and a device. The same
 * object carries both sides; each method is labelled with the side that calls it.
 */
export interface Virtqueue<T = unknown> {
  readonly layout: RingLayout;
  readonly num: number;
  readonly inOrder: boolean;
  readonly partialOrder: boolean;
  readonly eventIdx: boolean;
  readonly name: string;

  // ---- driver side ----
  /** Descriptors the driver can still add. */
  readonly numFree: number;
  /** Make a buffer available. ENOSPC when fewer than descs.length descriptors are free, EINVAL when empty. */
  addBuf(descs: readonly BufferDesc[], token: T): Result<number>;
  /** After adds: must the driver notify (kick) the device? Resets the count of adds since the last call. */
  kickNeeded(): boolean;
  /** Next completed buffer, or null. Buffers folded into a batch come out one by one, in order. */
  getUsed(): UsedBuffer<T> | null;
  /** A used buffer is waiting for getUsed. */
  moreUsed(): boolean;
  /** Raw used entry at the driver's position (null mid-batch or when none is published). */
  peekUsed(): UsedEntry | null;
  /** Ask the device not to interrupt. */
  disableCb(): void;
  /** Ask for interrupts again; false when used buffers are already waiting (poll before sleeping). */
  enableCb(): boolean;
  /** Buffers the driver has made available and not yet recovered. */
  readonly outstanding: number;
  driverState(): DriverRingState;
  /** Place an idle ring (no outstanding buffer) at a driver position, e.g. a migrated ring. EBUSY/EINVAL. */
  setDriverState(state: DriverRingState): Result;

  // ---- device side ----
  /** Take the next available buffer, or null. */
  popAvail(): AvailChain | null;
  /** An available buffer is waiting for popAvail. */
  hasAvail(): boolean;
  /**
   * Mark a popped buffer used with `len` bytes written. Not visible to the driver before flushUsed.
   * EINVAL when the features forbid this order (IN_ORDER) or len exceeds the writable length;
   * throws RingInvariantError when the buffer is not in flight (used twice or never popped).
   */
  pushUsed(head: number, len: number): Result;
  /** The next used entry may be a batch (IN_ORDER always; PARTIAL_ORDER only after a FLUSH entry). */
  canBatch(): boolean;
  /** Publish the used entries pushed so far; returns whether the driver must be interrupted. */
  flushUsed(): boolean;
  /** Ask the driver not to kick. */
  disableNotify(): void;
  /** Ask for kicks again; true when buffers are already available (process before sleeping). */
  enableNotify(): boolean;
  /** Buffers popped and not yet pushed used. */
  readonly inflight: number;
  /**
   * Device-side counts over the ring's life: buffers pushed used while an earlier one was still in
   * flight (out of order), and used entries that folded more than one buffer (batches: IN_ORDER,
   * or PARTIAL_ORDER between FLUSH entries).
   */
  readonly usedCounts: Readonly<{ outOfOrder: number; batches: number }>;
  /** Published device position (what GET_VRING_BASE on a suspended device returns). */
  getDeviceState(): DeviceRingState;
  /** Resume at a position (SET_VRING_BASE). EBUSY with buffers in flight or unpublished, EINVAL when inconsistent. */
  setDeviceState(state: DeviceRingState): Result;
  /** Forget device-private state: in-flight buffers and unpublished used entries (a device reset). */
  resetDevice(): void;
}
