// vringBase.ts — the 32-bit vhost vring base word carrying a device ring position across GET/SET_VRING_BASE.

import type { DeviceRingState, RingLayout } from './virtqueue.js';

/**
 * Packed: bits 0..14 last avail slot, bit 15 avail wrap counter, bits 16..30 used slot, bit 31 used
 * wrap counter (as vhost-vdpa encodes it). Split: the 16-bit last avail index only.
 */
export function encodeVringBase(state: DeviceRingState): number {
  if (state.layout === 'split') return state.lastAvailIdx & 0xffff;
  const lo = (state.lastAvailIdx & 0x7fff) | (state.availWrapCounter ? 0x8000 : 0);
  const hi = (state.usedIdx & 0x7fff) | (state.usedWrapCounter ? 0x8000 : 0);
  return (hi * 0x10000 + lo) >>> 0;
}

/**
 * Inverse of encodeVringBase. A split base carries no used index: the device resumes with its used
 * index equal to the avail index (as vDPA hardware such as mlx5 does), so in-flight buffers must
 * have been completed, or the base rewound to the used index, before the state was taken.
 */
export function decodeVringBase(layout: RingLayout, base: number): DeviceRingState {
  if (layout === 'split') {
    const idx = base & 0xffff;
    return { layout: 'split', lastAvailIdx: idx, usedIdx: idx };
  }
  const lo = base & 0xffff;
  const hi = Math.floor(base / 0x10000) & 0xffff;
  return {
    layout: 'packed',
    lastAvailIdx: lo & 0x7fff,
    availWrapCounter: (lo & 0x8000) !== 0,
    usedIdx: hi & 0x7fff,
    usedWrapCounter: (hi & 0x8000) !== 0,
  };
}
