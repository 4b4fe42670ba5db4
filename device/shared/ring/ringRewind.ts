// ringRewind.ts — the device-side position of a ring with every popped-but-unused buffer given
// back (virtqueue_unpop / virtqueue_rewind): last avail index moved back to the used position.
// Valid for rings whose in-flight buffers were popped after every used one (in-order use,
// one-descriptor chains on packed rings), which is how the model's devices and SVQ use them.

import type { DeviceRingState, Virtqueue } from './index.js';
import type { Result } from '../../uapi/errno.js';

/** The published device state with lastAvailIdx rewound to the used position. */
function rewoundState(ring: Virtqueue): DeviceRingState {
  const s = ring.getDeviceState();
  if (s.layout === 'split') return { layout: 'split', lastAvailIdx: s.usedIdx, usedIdx: s.usedIdx };
  return { layout: 'packed', lastAvailIdx: s.usedIdx, availWrapCounter: s.usedWrapCounter, usedIdx: s.usedIdx, usedWrapCounter: s.usedWrapCounter };
}

/** Drops the device side's in-flight buffers and rewinds it so they are popped again. */
export function rewindDevice(ring: Virtqueue): Result {
  ring.resetDevice();
  return ring.setDeviceState(rewoundState(ring));
}
