// hostMemory.ts — the QEMU process's address space as the host kernel sees it: named VMAs (guest
// RAM blocks, SVQ shadow vrings, CVQ buffers) at host virtual addresses, a registry of ring
// objects placed at an HVA (so a device that translated an IOVA to a uaddr reaches the ring
// there), and page-granular pin counts.

import { err, ok, type Result } from '../uapi/errno.js';
import { PinSet, pagesIn } from './pinSet.js';
import { RangeMap } from './rangeMap.js';
import { SMALL_PAGES, isLargeFolio, unitsSpanned, type Backing } from './backing.js';
import { PAGE_SIZE } from './pinSet.js';

/** What a VMA holds, for traces and checks. */
export type VmaKind = 'guestRam' | 'shadowVring' | 'cvqBuffer' | 'other';

/** One mapping of the QEMU process. */
export interface Vma {
  /** Stable name, e.g. "pc.ram" or "svq0.desc". */
  readonly name: string;
  readonly kind: VmaKind;
  /** Host virtual address of the first byte. */
  readonly hva: number;
  readonly size: number;
  /** How the VMA is backed (folio size, contiguous run length). */
  readonly backing: Backing;
}

/** The part of a range that falls in one VMA. */
export interface VmaPiece {
  readonly vma: Vma;
  /** Offset of the piece from the VMA's start. */
  readonly offset: number;
  readonly size: number;
}

/**
 * What pinning a range involves, by page class: the pages and subpages gup walks, the folios it
 * must fault in first, the physically contiguous runs the pinned pages form and the gcd of their
 * lengths, and the VMAs it crosses (vhost_vdpa_va_map makes one entry per VMA piece).
 */
export interface PinShape {
  /** 4 KiB pages of the range. */
  pages: number;
  /** Pages in small (4 KiB) folios. */
  smallPages: number;
  /** 4 KiB subpages in large folios (THP, hugetlb). */
  largeSubpages: number;
  /** Small folios not resident yet. */
  coldSmallFolios: number;
  /** Large folios not resident yet. */
  coldLargeFolios: number;
  /** Bytes of the folios to fault in (what is zeroed). */
  coldBytes: number;
  /** Physically contiguous runs (one IOTLB entry each with vhost_vdpa_pa_map). */
  runs: number;
  /** gcd of the runs' lengths. */
  runGcd: number;
  /** VMA pieces (one IOTLB entry each with vhost_vdpa_va_map). */
  vmaPieces: number;
  /** gcd of the VMA pieces' lengths. */
  pieceGcd: number;
}

function gcd(a: number, b: number): number {
  while (b > 0) [a, b] = [b, a % b];
  return a;
}

/** The lengths of the units of `unit` bytes that [offset, offset+size) is cut into (first, middle, last). */
function unitGcd(offset: number, size: number, unit: number): number {
  const firstEnd = Math.min(offset + size, (Math.floor(offset / unit) + 1) * unit);
  let g = firstEnd - offset;
  const rest = offset + size - firstEnd;
  if (rest > 0) {
    const last = rest % unit === 0 ? unit : rest % unit;
    g = gcd(g, last);
    if (rest > unit) g = gcd(g, unit);
  }
  return g;
}

/** An object found at an HVA: the object, where it was placed and the offset into it. */
export interface PlacedObject<T = unknown> {
  readonly obj: T;
  readonly hva: number;
  readonly size: number;
  readonly offset: number;
}

export class HostMemory {
  /** VMAs by address. */
  private readonly vmas = new RangeMap<Vma>();
  /** VMAs by name. */
  private readonly byName = new Map<string, Vma>();
  /** Ring objects (or any model object) placed at an HVA. */
  private readonly objects = new RangeMap<unknown>();
  /** Pin counts per 4 KiB page. */
  readonly pins = new PinSet();
  /** mm->pinned_vm: pages pinned by long-term pins of this process, counted once per pin (what RLIMIT_MEMLOCK bounds). */
  pinnedVm = 0;
  /** Pages faulted in (resident): pinning a page that is not costs a fault on top of the pin. */
  private readonly resident = new PinSet();
  /** mm notifier subscribers (devices taking page faults): told of every range a discard zaps. */
  private readonly notifiers: ((hva: number, size: number) => void)[] = [];

  /**
   * Maps a VMA. EEXIST when the name is taken or the range overlaps another VMA. A VMA is
   * resident unless `resident` is false (e.g. guest RAM on a destination host before any of it
   * arrived: untouched anonymous memory).
   */
  map(name: string, hva: number, size: number, kind: VmaKind = 'other', resident = true, backing: Backing = SMALL_PAGES): Result<Vma> {
    if (!(size > 0) || hva < 0) return err('EINVAL', `bad VMA ${name}: hva=${hva} size=${size}`);
    if (this.byName.has(name)) return err('EEXIST', `VMA ${name} already mapped`);
    const vma: Vma = { name, kind, hva, size, backing };
    if (!this.vmas.insert(hva, size, vma)) return err('EEXIST', `VMA ${name} overlaps another mapping`);
    this.byName.set(name, vma);
    if (resident) this.touchPages(hva, size);
    return ok(vma);
  }

  /** Pages of [hva, hva+size) that are not resident yet (cold). */
  coldPages(hva: number, size: number): number {
    return pagesIn(hva, size) - this.resident.pinnedIn(hva, size);
  }

  /**
   * Marks the folios covering [hva, hva+size) resident (written or faulted in): a write to a
   * page of a huge page populates the whole folio.
   */
  touch(hva: number, size: number): void {
    for (const p of this.pieces(hva, size)) {
      const f = p.vma.backing.folioBytes;
      const a = Math.floor(p.offset / f) * f;
      const b = Math.min(p.vma.size, Math.ceil((p.offset + p.size) / f) * f);
      this.touchPages(p.vma.hva + a, b - a);
    }
  }

  /** The pieces of [hva, hva+size) in each VMA it crosses, in address order (nothing outside VMAs). */
  pieces(hva: number, size: number): VmaPiece[] {
    const out: VmaPiece[] = [];
    let at = hva;
    const end = hva + size;
    while (at < end) {
      const r = this.vmas.find(at);
      if (r === undefined) break;
      const stop = Math.min(end, r.start + r.size);
      out.push({ vma: r.value, offset: at - r.start, size: stop - at });
      at = stop;
    }
    return out;
  }

  /** What pinning [hva, hva+size) involves (pages by class, cold folios, runs, VMA pieces). */
  pinShape(hva: number, size: number): PinShape {
    const out: PinShape = { pages: 0, smallPages: 0, largeSubpages: 0, coldSmallFolios: 0, coldLargeFolios: 0, coldBytes: 0, runs: 0, runGcd: 0, vmaPieces: 0, pieceGcd: 0 };
    for (const p of this.pieces(hva, size)) {
      const b = p.vma.backing;
      const pages = pagesIn(p.vma.hva + p.offset, p.size);
      out.pages += pages;
      const cold = this.coldPages(p.vma.hva + p.offset, p.size);
      const coldFolios = Math.ceil((cold * PAGE_SIZE) / b.folioBytes);
      if (isLargeFolio(b)) {
        out.largeSubpages += pages;
        out.coldLargeFolios += coldFolios;
      } else {
        out.smallPages += pages;
        out.coldSmallFolios += coldFolios;
      }
      out.coldBytes += coldFolios * b.folioBytes;
      out.runs += unitsSpanned(p.offset, p.size, b.runBytes);
      out.runGcd = gcd(out.runGcd, unitGcd(p.offset, p.size, b.runBytes));
      out.vmaPieces++;
      out.pieceGcd = gcd(out.pieceGcd, p.size);
    }
    return out;
  }

  /** Marks exactly the pages of [hva, hva+size) resident. */
  private touchPages(hva: number, size: number): void {
    const cold = this.coldPages(hva, size);
    if (cold === 0) return;
    // Only the cold part changes; resident pages keep a count of one.
    if (cold === pagesIn(hva, size)) this.resident.pin(hva, size);
    else {
      this.resident.unpin(hva, size);
      this.resident.pin(hva, size);
    }
  }

  /** Subscribes to the mm notifier: `fn` hears of every range a discard zaps (mmu_notifier invalidate_range_start). */
  onInvalidate(fn: (hva: number, size: number) => void): void {
    this.notifiers.push(fn);
  }

  /**
   * Discards [hva, hva+size) as madvise(MADV_DONTNEED) does for QEMU's ram_block_discard_range:
   * the pages are no longer resident (a later touch faults them in zeroed) and the mm notifier
   * invalidates every secondary translation of them first. Refused (0) while any page of the
   * range is pinned. Returns the pages that stopped being resident.
   */
  discard(hva: number, size: number): number {
    if (this.pins.pinnedIn(hva, size) > 0) return 0;
    for (const fn of this.notifiers) fn(hva, size);
    return this.resident.unpin(hva, size);
  }

  /** Unmaps a VMA by name. ENOENT if unknown; EBUSY while any of its pages is pinned. */
  unmap(name: string): Result {
    const vma = this.byName.get(name);
    if (vma === undefined) return err('ENOENT', `no VMA ${name}`);
    if (this.pins.pinnedIn(vma.hva, vma.size) > 0) return err('EBUSY', `VMA ${name} has pinned pages`);
    this.vmas.removeIntersecting(vma.hva, vma.size);
    this.byName.delete(name);
    return ok(undefined);
  }

  /** The VMA named `name`. */
  vma(name: string): Vma | undefined {
    return this.byName.get(name);
  }

  /** The VMA containing hva. */
  vmaAt(hva: number): Vma | undefined {
    return this.vmas.find(hva)?.value;
  }

  /** True when [hva, hva+size) lies entirely inside mapped VMAs (adjacent VMAs may be spanned). */
  covers(hva: number, size: number): boolean {
    let at = hva;
    const end = hva + size;
    while (at < end) {
      const r = this.vmas.find(at);
      if (r === undefined) return false;
      at = r.start + r.size;
    }
    return true;
  }

  /** All VMAs in address order. */
  allVmas(): Vma[] {
    return [...this.vmas].map((r) => r.value);
  }

  /** Places a model object (e.g. a ring) at [hva, hva+size). EEXIST if it overlaps another. */
  place(hva: number, size: number, obj: unknown): Result {
    if (!(size > 0)) return err('EINVAL', `bad object size ${size}`);
    if (!this.objects.insert(hva, size, obj)) return err('EEXIST', `object at ${hva} overlaps another`);
    return ok(undefined);
  }

  /** Removes the object(s) intersecting [hva, hva+size); returns how many. */
  displace(hva: number, size = 1): number {
    return this.objects.removeIntersecting(hva, size).length;
  }

  /** The object placed over hva, with the offset of hva into it. */
  objectAt<T = unknown>(hva: number): PlacedObject<T> | undefined {
    const r = this.objects.find(hva);
    if (r === undefined) return undefined;
    return { obj: r.value as T, hva: r.start, size: r.size, offset: hva - r.start };
  }

  /** The object placed over `hva`, if any: objectAt(hva)?.obj without building the placement. */
  objAt<T = unknown>(hva: number): T | undefined {
    const i = this.objects.indexOf(hva);
    return i < 0 ? undefined : (this.objects.valueAt(i) as T);
  }

  /** Pins the pages of [hva, hva+size): EFAULT unless mapped; returns pages newly pinned. */
  pin(hva: number, size: number): Result<number> {
    if (!this.covers(hva, size)) return err('EFAULT', `pin of unmapped range [${hva}, ${hva + size})`);
    return ok(this.pins.pin(hva, size));
  }

  /** Unpins the pages of [hva, hva+size); returns pages that became unpinned. */
  unpin(hva: number, size: number): number {
    return this.pins.unpin(hva, size);
  }

  /** Distinct pinned pages. */
  get pinnedPages(): number {
    return this.pins.pinnedPages;
  }
}
