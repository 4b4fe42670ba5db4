// iovaAllocator.ts — what the vhost-vdpa client needs from an IOVA allocator (allocate a range
// for host memory or for a guest range, free it), and its implementation over the IOVA tree.

import { Access } from '../device/uapi/uapi.js';
import { ok, type Result } from '../device/uapi/errno.js';
import type { IovaMapping, VhostIovaTree } from './iovaTree.js';

export interface IovaAllocator {
  /** Allocates `size` bytes of IOVA for QEMU-owned memory at `hva` (ENOMEM when full). */
  alloc(size: number, hva: number): Result<number>;
  /** Allocates IOVA for the guest range [gpa, gpa+size) backed at `hva` (aliases get distinct IOVAs). */
  allocGuest(gpa: number, size: number, hva: number): Result<number>;
  /** Keeps the guest range at IOVA = GPA, so allocations avoid it (EEXIST when taken). */
  reserveGuest(gpa: number, size: number, hva: number): Result<number>;
  /** Frees the range that starts at `iova`. */
  free(iova: number): void;
}

/** IovaAllocator over QEMU's IOVA tree (first fit from iova_first). */
export class TreeIovaAllocator implements IovaAllocator {
  /** The tree holding every allocation. */
  private readonly tree: VhostIovaTree;
  /** Allocations by first IOVA, for free(). */
  private readonly byIova = new Map<number, IovaMapping>();

  constructor(tree: VhostIovaTree) {
    this.tree = tree;
  }

  alloc(size: number, hva: number): Result<number> {
    const m = this.tree.mapAlloc(hva, size, Access.RW);
    if (!m.ok) return m;
    this.byIova.set(m.value.iova, m.value);
    return ok(m.value.iova);
  }

  allocGuest(gpa: number, size: number, hva: number): Result<number> {
    const m = this.tree.mapAllocGpa(gpa, hva, size, Access.RW);
    if (!m.ok) return m;
    this.byIova.set(m.value.iova, m.value);
    return ok(m.value.iova);
  }

  reserveGuest(gpa: number, size: number, hva: number): Result<number> {
    const m = this.tree.mapIdentityGpa(gpa, hva, size, Access.RW);
    if (!m.ok) return m;
    this.byIova.set(m.value.iova, m.value);
    return ok(m.value.iova);
  }

  free(iova: number): void {
    const m = this.byIova.get(iova);
    if (m === undefined) return;
    this.byIova.delete(iova);
    this.tree.remove(m);
  }
}
