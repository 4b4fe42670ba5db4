// iovaAllocator.ts — what the vhost-vdpa client needs from an IOVA allocator: allocate a range for
// a host address, free it. Implemented by the IOVA tree (iovaTree.ts).

import type { Result } from '../device/errno.js';

export interface IovaAllocator {
  /** Allocates `size` bytes of IOVA for the memory at host address `hva` (ENOMEM when full). */
  alloc(size: number, hva: number): Result<number>;
  /** Reserves a fixed IOVA range (e.g. guest RAM kept at IOVA = GPA); EEXIST when taken. */
  reserve(iova: number, size: number, hva: number): Result;
  /** Frees the range that starts at `iova`. */
  free(iova: number): void;
}
