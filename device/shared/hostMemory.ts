// hostMemory.ts — the QEMU process's address space as the host kernel sees it: named VMAs (guest
// RAM blocks, SVQ shadow vrings, CVQ buffers) at host virtual addresses, a registry of ring
// objects placed at an HVA (so a device that translated an IOVA to a uaddr reaches the ring
// there), and page-granular pin counts.

import { err, ok, type Result } from '../uapi/errno.js';
import { PinSet, pageSpan } from './pinSet.js';
import { RangeMap } from './rangeMap.js';

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
  /** Pages faulted in (resident): pinning a page that is not costs a fault on top of the pin. */
  private readonly resident = new PinSet();

  /**
   * Maps a VMA. EEXIST when the name is taken or the range overlaps another VMA. A VMA is
   * resident unless `resident` is false (e.g. guest RAM on a destination host before any of it
   * arrived: untouched anonymous memory).
   */
  map(name: string, hva: number, size: number, kind: VmaKind = 'other', resident = true): Result<Vma> {
    if (!(size > 0) || hva < 0) return err('EINVAL', `bad VMA ${name}: hva=${hva} size=${size}`);
    if (this.byName.has(name)) return err('EEXIST', `VMA ${name} already mapped`);
    const vma: Vma = { name, kind, hva, size };
    if (!this.vmas.insert(hva, size, vma)) return err('EEXIST', `VMA ${name} overlaps another mapping`);
    this.byName.set(name, vma);
    if (resident) this.touch(hva, size);
    return ok(vma);
  }

  /** Pages of [hva, hva+size) that are not resident yet (cold). */
  coldPages(hva: number, size: number): number {
    const [first, end] = pageSpan(hva, size);
    return end - first - this.resident.pinnedIn(hva, size);
  }

  /** Marks [hva, hva+size) resident (written or faulted in). */
  touch(hva: number, size: number): void {
    const cold = this.coldPages(hva, size);
    if (cold === 0) return;
    // Only the cold part changes; resident pages keep a count of one.
    const [first, end] = pageSpan(hva, size);
    if (cold === end - first) this.resident.pin(hva, size);
    else {
      this.resident.unpin(hva, size);
      this.resident.pin(hva, size);
    }
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
