// index.ts — the ring package's public surface.
export type {
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
export { createRing } from './createRing.js';
export { SplitRing } from './splitRing.js';
export { PackedRing } from './packedRing.js';
export { RingBase, type RingOrdering } from './ringBase.js';
export { RingInvariantError } from './ringError.js';
export { vringNeedEvent } from './needEvent.js';
export { ringAreaSizes, HOST_PAGE_SIZE, type RingAreaSizes } from './ringSizes.js';
export * from './ringFlags.js';
export { encodeVringBase, decodeVringBase } from './vringBase.js';
