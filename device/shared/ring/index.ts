// index.ts — the ring package's public surface.
export type { AvailChain, BufferDesc, DeviceRingState, DriverRingState, RingLayout, RingOptions, Virtqueue } from './virtqueue.js';
export { createRing } from './createRing.js';
export { SplitRing } from './splitRing.js';
export { PackedRing } from './packedRing.js';
export { RingInvariantError } from './ringError.js';
export { vringNeedEvent } from './needEvent.js';
export { ringAreaSizes } from './ringSizes.js';
export * from './ringFlags.js';
export { encodeVringBase, decodeVringBase } from './vringBase.js';
