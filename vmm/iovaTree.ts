// iovaTree.ts — the IOVA allocator SVQ uses to give the device addresses (QEMU's hw/virtio/vhost-iova-tree.c).
//
// With SVQ the device no longer sees guest-physical addresses: QEMU allocates an IOVA range for
// every buffer it maps — guest RAM sections and its own host-only memory (shadow vrings, CVQ
// buffers) — first-fit in [iovaFirst, iovaLast], where iovaLast comes from the device's
// VHOST_VDPA_GET_IOVA_RANGE and iovaFirst defaults to 0x1000 (IOVA 0 is never handed out).
//
// Like recent QEMU (the IOVA-only tree plus a separate GPA→IOVA tree, 2025), the allocator keeps
// three indexes over the same mappings:
//  - the IOVA-only index of every allocated range (what first-fit searches);
//  - host-only mappings searchable by HVA (iova_taddr_map; vhost_iova_tree_find_iova);
//  - guest-memory mappings searchable by GPA (gpa_iova_map; vhost_iova_tree_find_gpa).
// Keeping guest memory keyed by GPA is what makes aliases safe: two GPA ranges backed by the same
// host bytes (q35's isa-bios and pc.bios) get two distinct IOVA ranges, and translating a guest
// buffer looks up its GPA, never an HVA that two sections share.
//
// Sizes here are byte lengths (QEMU's DMAMap stores length − 1). Every index is a sorted array:
// a VM has tens of mappings, so first-fit is a linear walk over the holes.

import { err, ok, type Result } from '../device/uapi/errno.js';
import type { AccessMode } from '../device/uapi/uapi.js';

/** Default first IOVA handed out (vhost-vdpa's default iova_range.first is 0; QEMU starts at 0x1000 for SVQ). */
const IOVA_FIRST_DEFAULT = 0x1000;

/** One allocated IOVA range and what it translates to. */
export interface IovaMapping {
  /** First IOVA. */
  readonly iova: number;
  /** Length in bytes (> 0). */
  readonly size: number;
  /** Host virtual address of the first byte (what the IOTLB UPDATE's uaddr carries). */
  readonly hva: number;
  /** Guest-physical address of the first byte, for guest-memory mappings. */
  readonly gpa: number | undefined;
  /** Access the device gets. */
  readonly perm: AccessMode;
}

function searchFirstGreater(list: readonly IovaMapping[], key: (m: IovaMapping) => number, x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid]!) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(list: IovaMapping[], key: (m: IovaMapping) => number, m: IovaMapping): void {
  list.splice(searchFirstGreater(list, key, key(m)), 0, m);
}

function removeFrom(list: IovaMapping[], m: IovaMapping): boolean {
  const i = list.indexOf(m);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

const byIova = (m: IovaMapping): number => m.iova;
const byHva = (m: IovaMapping): number => m.hva;
const byGpa = (m: IovaMapping): number => m.gpa as number;

export class VhostIovaTree {
  /** First IOVA the allocator may return. */
  readonly iovaFirst: number;
  /** Last usable IOVA, inclusive (the device's iova_range.last). */
  readonly iovaLast: number;
  /** Every allocated range, sorted by IOVA (the IOVA-only tree). */
  private readonly iovaMap: IovaMapping[] = [];
  /** Host-only mappings, sorted by HVA (iova_taddr_map). */
  private readonly taddrMap: IovaMapping[] = [];
  /** Guest-memory mappings, sorted by GPA (gpa_iova_map). */
  private readonly gpaMap: IovaMapping[] = [];

  constructor(iovaFirst = IOVA_FIRST_DEFAULT, iovaLast = Number.MAX_SAFE_INTEGER) {
    if (!Number.isSafeInteger(iovaFirst) || !Number.isSafeInteger(iovaLast) || iovaFirst < 0 || iovaLast < iovaFirst) {
      throw new RangeError(`bad IOVA range [${iovaFirst}, ${iovaLast}]`);
    }
    this.iovaFirst = iovaFirst;
    this.iovaLast = iovaLast;
  }

  /** All mappings in IOVA order. */
  get mappings(): readonly IovaMapping[] {
    return this.iovaMap;
  }

  /** First-fit: the lowest IOVA >= iovaFirst where `size` bytes fit before iovaLast. */
  private findHole(size: number): Result<number> {
    if (!Number.isSafeInteger(size) || size <= 0) return err('EINVAL', `IOVA allocation of ${size} bytes`);
    let start = this.iovaFirst;
    for (const m of this.iovaMap) {
      if (m.iova - start >= size) break;
      start = Math.max(start, m.iova + m.size);
    }
    if (start + size - 1 > this.iovaLast) {
      return err('ENOMEM', `no IOVA hole of ${size} bytes in [0x${this.iovaFirst.toString(16)}, 0x${this.iovaLast.toString(16)}]`);
    }
    return ok(start);
  }

  /** vhost_iova_tree_map_alloc: an IOVA range for QEMU-owned host memory (shadow vrings, CVQ buffers). */
  mapAlloc(hva: number, size: number, perm: AccessMode): Result<IovaMapping> {
    if (!Number.isSafeInteger(hva) || hva < 0) return err('EINVAL', `bad host address ${hva}`);
    const hole = this.findHole(size);
    if (!hole.ok) return hole;
    const m: IovaMapping = Object.freeze({ iova: hole.value, size, hva, gpa: undefined, perm });
    insertSorted(this.iovaMap, byIova, m);
    insertSorted(this.taddrMap, byHva, m);
    return ok(m);
  }

  /** vhost_iova_tree_map_alloc_gpa: an IOVA range for a guest-memory range [gpa, gpa+size) at `hva`. */
  mapAllocGpa(gpa: number, hva: number, size: number, perm: AccessMode): Result<IovaMapping> {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || !Number.isSafeInteger(hva) || hva < 0) {
      return err('EINVAL', `bad guest/host address ${gpa}/${hva}`);
    }
    const clash = this.findGpaOverlap(gpa, size);
    if (clash !== undefined) {
      return err('EEXIST', `GPA [0x${gpa.toString(16)}, +0x${size.toString(16)}) overlaps a mapped guest range at 0x${(clash.gpa as number).toString(16)}`);
    }
    const hole = this.findHole(size);
    if (!hole.ok) return hole;
    const m: IovaMapping = Object.freeze({ iova: hole.value, size, hva, gpa, perm });
    insertSorted(this.iovaMap, byIova, m);
    insertSorted(this.gpaMap, byGpa, m);
    return ok(m);
  }

  /**
   * A guest range kept at IOVA = GPA (passthrough mapping that stays in place across the SVQ
   * switch when maps persist): inserted at a fixed IOVA so later allocations go around it.
   * EEXIST when the IOVA range or the GPA range is taken.
   */
  mapIdentityGpa(gpa: number, hva: number, size: number, perm: AccessMode): Result<IovaMapping> {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || !Number.isSafeInteger(size) || size <= 0) {
      return err('EINVAL', `bad identity range ${gpa}+${size}`);
    }
    if (this.findGpaOverlap(gpa, size) !== undefined) return err('EEXIST', `GPA 0x${gpa.toString(16)} already mapped`);
    const i = searchFirstGreater(this.iovaMap, byIova, gpa + size - 1);
    const prev = this.iovaMap[i - 1];
    if (prev !== undefined && prev.iova + prev.size > gpa) return err('EEXIST', `IOVA 0x${gpa.toString(16)} already allocated`);
    const m: IovaMapping = Object.freeze({ iova: gpa, size, hva, gpa, perm });
    insertSorted(this.iovaMap, byIova, m);
    insertSorted(this.gpaMap, byGpa, m);
    return ok(m);
  }

  private findGpaOverlap(gpa: number, size: number): IovaMapping | undefined {
    const i = searchFirstGreater(this.gpaMap, byGpa, gpa + size - 1);
    if (i === 0) return undefined;
    // Sorted and non-overlapping: only the predecessor can reach gpa.
    const m = this.gpaMap[i - 1]!;
    if ((m.gpa as number) + m.size > gpa) return m;
    return undefined;
  }

  /** vhost_iova_tree_find_iova: the host-only mapping containing [hva, hva+size), lowest IOVA first. */
  findIova(hva: number, size = 1): IovaMapping | undefined {
    const end = searchFirstGreater(this.taddrMap, byHva, hva);
    let best: IovaMapping | undefined;
    for (let j = 0; j < end; j++) {
      const m = this.taddrMap[j]!;
      if (hva + size <= m.hva + m.size && (best === undefined || m.iova < best.iova)) best = m;
    }
    return best;
  }

  /** vhost_iova_tree_find_gpa: the guest-memory mapping containing [gpa, gpa+size). */
  findGpa(gpa: number, size = 1): IovaMapping | undefined {
    const i = searchFirstGreater(this.gpaMap, byGpa, gpa);
    if (i === 0) return undefined;
    const m = this.gpaMap[i - 1]!;
    return gpa + size <= (m.gpa as number) + m.size ? m : undefined;
  }

  /** GPA → IOVA through the GPA index, or undefined when unmapped. */
  gpaToIova(gpa: number): number | undefined {
    const m = this.findGpa(gpa);
    return m === undefined ? undefined : m.iova + (gpa - (m.gpa as number));
  }

  /** HVA → IOVA for host-only memory, or undefined. */
  hvaToIova(hva: number): number | undefined {
    const m = this.findIova(hva);
    return m === undefined ? undefined : m.iova + (hva - m.hva);
  }

  /** The mapping containing `iova`. */
  findByIova(iova: number): IovaMapping | undefined {
    const i = searchFirstGreater(this.iovaMap, byIova, iova);
    if (i === 0) return undefined;
    const m = this.iovaMap[i - 1]!;
    return iova < m.iova + m.size ? m : undefined;
  }

  /** IOVA → HVA (what the device's IOTLB resolves), or undefined when unmapped. */
  iovaToHva(iova: number): number | undefined {
    const m = this.findByIova(iova);
    return m === undefined ? undefined : m.hva + (iova - m.iova);
  }

  /** vhost_iova_tree_remove / _remove_gpa: frees a mapping; ENOENT if it is not in the tree. */
  remove(m: IovaMapping): Result {
    if (!removeFrom(this.iovaMap, m)) return err('ENOENT', `IOVA 0x${m.iova.toString(16)} is not allocated`);
    removeFrom(m.gpa === undefined ? this.taddrMap : this.gpaMap, m);
    return ok(undefined);
  }

  /** Removes the guest mapping of exactly [gpa, gpa+size); ENOENT if there is none. */
  removeGpa(gpa: number, size: number): Result<IovaMapping> {
    const m = this.findGpa(gpa, size);
    if (m === undefined || m.gpa !== gpa || m.size !== size) {
      return err('ENOENT', `no guest mapping of [0x${gpa.toString(16)}, +0x${size.toString(16)})`);
    }
    this.remove(m);
    return ok(m);
  }
}
