// iotlb.ts — VhostIotlb: one address space's IOVA → (uaddr, perm) range map, as the kernel's
// struct vhost_iotlb. UPDATE adds a range (EEXIST on overlap, ENOSPC past the entry limit),
// INVALIDATE removes every range it touches, the device translates DMA through it.

import { err, ok, type Result } from '../uapi/errno.js';
import { RangeMap, type RangeEntry } from '../shared/rangeMap.js';
import type { AccessMode } from '../uapi/uapi.js';

/**
 * What one IOVA range maps to. One stored range stands for the kernel entries one UPDATE made:
 * `entries` struct vhost_iotlb_map of at most `runBytes` each (one per physically contiguous run
 * with vhost_vdpa_pa_map, one per VMA with vhost_vdpa_va_map), counted, not stored one by one.
 */
export interface IotlbMap {
  /** Host virtual address (QEMU's address space) of the range's first byte. */
  readonly uaddr: number;
  /** VHOST_ACCESS_RO (device reads), WO (device writes) or RW. */
  readonly perm: AccessMode;
  /** Kernel IOTLB entries the range stands for (>= 1). */
  readonly entries: number;
  /** Greatest common divisor of those entries' lengths (what mlx5's map_direct_mr sizes MTT entries by). */
  readonly entryGcd: number;
}

/** How one added range splits into kernel entries (default: one entry of the whole size). */
export interface EntrySplit {
  readonly entries: number;
  readonly entryGcd: number;
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
  private ranges = new RangeMap<IotlbMap>();
  /** Max number of kernel entries (vhost_iotlb limit; vdpa_sim uses 2048); null = unlimited. */
  readonly limit: number | null;
  /** Kernel entries held (the sum of the ranges' `entries`: what the limit counts). */
  private nmaps = 0;
  /** Why the last translateAddr() failed: a miss or a permission violation (translate() reports it). */
  private failKind: 'miss' | 'perm' = 'miss';
  /** Where the last translateAddr() failed: the first IOVA that missed or lacked permission. */
  private failIova = 0;

  constructor(limit: number | null = null) {
    this.limit = limit;
  }

  /** Number of kernel entries (struct vhost_iotlb's nmaps). */
  get count(): number {
    return this.nmaps;
  }

  /** Number of stored ranges (one per UPDATE piece). */
  get rangeCount(): number {
    return this.ranges.count;
  }

  /** Bytes mapped. */
  get bytes(): number {
    return this.ranges.bytes;
  }

  /**
   * Maps [iova, iova+size) to uaddr with perm. EINVAL for an empty or wrapping range, EEXIST when
   * it overlaps a mapped range, ENOSPC when its entries would take the IOTLB past `limit`
   * (vhost_iotlb_add_range without VHOST_IOTLB_FLAG_RETIRE).
   */
  add(iova: number, size: number, uaddr: number, perm: AccessMode, split: EntrySplit = { entries: 1, entryGcd: size }): Result {
    if (!(size > 0) || iova < 0 || iova + size > ADDRESS_LIMIT) {
      return err('EINVAL', `bad IOTLB range iova=${iova} size=${size}`);
    }
    if (this.limit !== null && this.nmaps + split.entries > this.limit) {
      return err('ENOSPC', `IOTLB full (${this.nmaps} of ${this.limit} entries, ${split.entries} more asked)`);
    }
    if (!this.ranges.insert(iova, size, { uaddr, perm, entries: split.entries, entryGcd: split.entryGcd })) {
      return err('EEXIST', `IOVA range [${iova}, ${iova + size}) overlaps an existing mapping`);
    }
    this.nmaps += split.entries;
    return ok(undefined);
  }

  /** Removes every range intersecting [iova, iova+size); returns them in IOVA order. */
  del(iova: number, size: number): IotlbRange[] {
    if (!(size > 0)) return [];
    const gone = this.ranges.removeIntersecting(iova, Math.min(size, ADDRESS_LIMIT - iova));
    for (const r of gone) this.nmaps -= r.value.entries;
    return gone;
  }

  /** Removes everything; returns what was mapped. */
  clear(): IotlbRange[] {
    const all = [...this.ranges];
    this.ranges.clear();
    this.nmaps = 0;
    return all;
  }

  /** The range containing iova, if any. */
  lookup(iova: number): IotlbRange | undefined {
    return this.ranges.find(iova);
  }

  /** True when some range intersects [iova, iova+size). */
  intersects(iova: number, size: number): boolean {
    return this.ranges.intersects(iova, size);
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
    const uaddr = this.translateAddr(iova, len, access);
    return uaddr >= 0 ? { ok: true, uaddr } : { ok: false, kind: this.failKind, iova: this.failIova };
  }

  /**
   * translate() without its result object, for the data path's every access: the host address,
   * or -1 (then failKind and failIova say what and where).
   */
  translateAddr(iova: number, len: number, access: DmaAccess): number {
    const ranges = this.ranges;
    const first = ranges.indexOf(iova);
    if (first < 0) return this.fail('miss', iova);
    const map = ranges.valueAt(first);
    if (!permits(map.perm, access)) return this.fail('perm', iova);
    const end = iova + Math.max(len, 1);
    // The ranges are disjoint and sorted: the one starting where range i ends, if any, is range i + 1.
    let i = first;
    let reached = ranges.endAt(i);
    while (reached < end) {
      if (i + 1 >= ranges.count || ranges.startAt(i + 1) !== reached) return this.fail('miss', reached);
      i++;
      if (!permits(ranges.valueAt(i).perm, access)) return this.fail('perm', reached);
      reached = ranges.endAt(i);
    }
    return map.uaddr + (iova - ranges.startAt(first));
  }

  /** Records a failed translation; -1. */
  private fail(kind: 'miss' | 'perm', iova: number): number {
    this.failKind = kind;
    this.failIova = iova;
    return -1;
  }

  /** A copy with the given limit (set_map devices copy the vhost IOTLB into their own). */
  copy(limit: number | null = this.limit): { iotlb: VhostIotlb; result: Result } {
    // Adding the ranges one by one in IOVA order: they are disjoint and valid, so the only
    // failure is ENOSPC at the first range past the limit. The ranges before it are taken over
    // as they are (their maps are immutable), and add() gives that range's error.
    const ranges = this.ranges;
    const count = ranges.count;
    let n = count;
    let entries = this.nmaps;
    if (limit !== null) {
      n = 0;
      entries = 0;
      while (n < count && entries + ranges.valueAt(n).entries <= limit) entries += ranges.valueAt(n++).entries;
    }
    const out = new VhostIotlb(limit);
    out.ranges = ranges.copy(n);
    out.nmaps = entries;
    if (n === count) return { iotlb: out, result: ok(undefined) };
    const next = ranges.entryAt(n);
    return { iotlb: out, result: out.add(next.start, next.size, next.value.uaddr, next.value.perm, next.value) };
  }

  /** All ranges in IOVA order. */
  [Symbol.iterator](): IterableIterator<IotlbRange> {
    return this.ranges[Symbol.iterator]();
  }
}
