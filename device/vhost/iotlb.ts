// iotlb.ts — VhostIotlb: one address space's IOVA → (uaddr, perm) range map, as the kernel's
// struct vhost_iotlb. UPDATE adds a range (EEXIST on overlap, ENOSPC past the entry limit),
// INVALIDATE removes every range it touches, the device translates DMA through it.

import { err, ok, type Result } from '../uapi/errno.js';
import { RangeMap, type RangeEntry } from '../shared/rangeMap.js';
import type { AccessMode } from '../uapi/uapi.js';

/** What one IOVA range maps to. */
export interface IotlbMap {
  /** Host virtual address (QEMU's address space) of the range's first byte. */
  readonly uaddr: number;
  /** VHOST_ACCESS_RO (device reads), WO (device writes) or RW. */
  readonly perm: AccessMode;
}

/** One range of an IOTLB, as iterated or removed. */
export type IotlbRange = RangeEntry<IotlbMap>;

/** Direction of a device access: the device reads memory (needs RO) or writes it (needs WO). */
export type DmaAccess = 'read' | 'write';

/** A translation: the uaddr of the first byte, or where and why it failed. */
export type Translation =
  | { readonly ok: true; readonly uaddr: number }
  | { readonly ok: false; readonly kind: 'miss' | 'perm'; readonly iova: number };

/** Highest address + 1 the simulator represents exactly (IOVAs are JS numbers). */
const ADDRESS_LIMIT = Number.MAX_SAFE_INTEGER;

function permits(perm: AccessMode, access: DmaAccess): boolean {
  return (perm & (access === 'read' ? 1 : 2)) !== 0;
}

export class VhostIotlb {
  /** The ranges, sorted by IOVA. */
  private readonly ranges = new RangeMap<IotlbMap>();
  /** Max number of ranges (vhost_iotlb limit; vdpa_sim uses 2048); null = unlimited. */
  readonly limit: number | null;

  constructor(limit: number | null = null) {
    this.limit = limit;
  }

  /** Number of ranges. */
  get count(): number {
    return this.ranges.count;
  }

  /** Bytes mapped. */
  get bytes(): number {
    return this.ranges.bytes;
  }

  /**
   * Maps [iova, iova+size) to uaddr with perm. EINVAL for an empty or wrapping range, EEXIST when
   * it overlaps a mapped range, ENOSPC when the IOTLB already holds `limit` ranges
   * (vhost_iotlb_add_range without VHOST_IOTLB_FLAG_RETIRE).
   */
  add(iova: number, size: number, uaddr: number, perm: AccessMode): Result {
    if (!(size > 0) || iova < 0 || iova + size > ADDRESS_LIMIT) {
      return err('EINVAL', `bad IOTLB range iova=${iova} size=${size}`);
    }
    if (this.limit !== null && this.ranges.count >= this.limit) {
      return err('ENOSPC', `IOTLB full (${this.limit} entries)`);
    }
    if (!this.ranges.insert(iova, size, { uaddr, perm })) {
      return err('EEXIST', `IOVA range [${iova}, ${iova + size}) overlaps an existing mapping`);
    }
    return ok(undefined);
  }

  /** Removes every range intersecting [iova, iova+size); returns them in IOVA order. */
  del(iova: number, size: number): IotlbRange[] {
    if (!(size > 0)) return [];
    return this.ranges.removeIntersecting(iova, Math.min(size, ADDRESS_LIMIT - iova));
  }

  /** Removes everything; returns what was mapped. */
  clear(): IotlbRange[] {
    const all = [...this.ranges];
    this.ranges.clear();
    return all;
  }

  /** The range containing iova, if any. */
  lookup(iova: number): IotlbRange | undefined {
    return this.ranges.find(iova);
  }

  /** Ranges intersecting [iova, iova+size). */
  intersecting(iova: number, size: number): IotlbRange[] {
    return this.ranges.intersecting(iova, size);
  }

  /**
   * Translates a DMA of `len` bytes at iova. The access may span adjacent ranges (each must
   * permit it); the result is the uaddr of the first byte, or the first IOVA that missed or
   * lacked permission.
   */
  translate(iova: number, len: number, access: DmaAccess): Translation {
    const first = this.ranges.find(iova);
    if (first === undefined) return { ok: false, kind: 'miss', iova };
    if (!permits(first.value.perm, access)) return { ok: false, kind: 'perm', iova };
    const end = iova + Math.max(len, 1);
    let cur = first;
    while (cur.start + cur.size < end) {
      const nextStart = cur.start + cur.size;
      const next = this.ranges.startingAt(nextStart);
      if (next === undefined) return { ok: false, kind: 'miss', iova: nextStart };
      if (!permits(next.value.perm, access)) return { ok: false, kind: 'perm', iova: nextStart };
      cur = next;
    }
    return { ok: true, uaddr: first.value.uaddr + (iova - first.start) };
  }

  /** A copy with the given limit (set_map devices copy the vhost IOTLB into their own). */
  copy(limit: number | null = this.limit): { iotlb: VhostIotlb; result: Result } {
    const out = new VhostIotlb(limit);
    for (const r of this.ranges) {
      const res = out.add(r.start, r.size, r.value.uaddr, r.value.perm);
      if (!res.ok) return { iotlb: out, result: res };
    }
    return { iotlb: out, result: ok(undefined) };
  }

  /** All ranges in IOVA order. */
  [Symbol.iterator](): IterableIterator<IotlbRange> {
    return this.ranges[Symbol.iterator]();
  }
}
