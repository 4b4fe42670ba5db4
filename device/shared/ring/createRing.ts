// createRing.ts — build a split or packed ring from the negotiated layout, size and ring features.

import { err, ok, type Result } from '../../uapi/errno.js';
import { PackedRing } from './packedRing.js';
import { VIRTQUEUE_MAX_SIZE } from './ringFlags.js';
import { SplitRing } from './splitRing.js';
import type { RingOptions, Virtqueue } from './virtqueue.js';

/** EINVAL for a size the layout does not allow (split: power of two; both: 1..32768). */
export function createRing<T = unknown>(opts: RingOptions): Result<Virtqueue<T>> {
  const n = opts.num;
  if (!Number.isInteger(n) || n < 1 || n > VIRTQUEUE_MAX_SIZE) {
    return err('EINVAL', `queue size ${n} outside 1..${VIRTQUEUE_MAX_SIZE}`);
  }
  if (opts.layout === 'split') {
    if ((n & (n - 1)) !== 0) return err('EINVAL', `split queue size ${n} is not a power of two`);
    return ok(new SplitRing<T>(opts));
  }
  return ok(new PackedRing<T>(opts));
}
