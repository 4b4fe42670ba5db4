// rangeMap.ts — a sorted map of disjoint half-open ranges [start, end) to values, with binary search.
// The shared building block of IOTLBs, VMA tables and ring-object registries: insertion fails on
// overlap, lookups and intersecting-range queries are O(log n + k).

/** One range of a RangeMap. */
export interface RangeEntry<T> {
  /** First address of the range. */
  readonly start: number;
  /** Length in bytes (> 0). */
  readonly size: number;
  /** What the range maps to. */
  readonly value: T;
}

export class RangeMap<T> {
  /** Range starts, ascending. */
  private readonly starts: number[] = [];
  /** Exclusive range ends, parallel to `starts`. */
  private readonly ends: number[] = [];
  /** Values, parallel to `starts`. */
  private readonly values: T[] = [];
  /** Sum of range sizes. */
  private totalBytes = 0;

  /** Number of ranges. */
  get count(): number {
    return this.starts.length;
  }

  /** Total bytes covered. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Index of the last range whose start is <= addr, or -1. */
  private floor(addr: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= addr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Index of the first range intersecting [start, end), or -1. */
  private firstIntersecting(start: number, end: number): number {
    let i = this.floor(start);
    if (i < 0 || this.ends[i]! <= start) i++;
    return i < this.starts.length && this.starts[i]! < end ? i : -1;
  }

  /** The range containing addr, if any. */
  find(addr: number): RangeEntry<T> | undefined {
    const i = this.indexOf(addr);
    return i < 0 ? undefined : this.entry(i);
  }

  /** Index (address order) of the range containing addr, or -1: find() without building the entry. */
  indexOf(addr: number): number {
    const i = this.floor(addr);
    return i < 0 || this.ends[i]! <= addr ? -1 : i;
  }

  /** First address of the range at index i, 0 <= i < count. */
  startAt(i: number): number {
    return this.starts[i]!;
  }

  /** Exclusive end of the range at index i, 0 <= i < count. */
  endAt(i: number): number {
    return this.ends[i]!;
  }

  /** True when some range intersects [start, start+size). */
  intersects(start: number, size: number): boolean {
    return this.firstIntersecting(start, start + size) >= 0;
  }

  /** Adds [start, start+size) → value; returns false (and changes nothing) on overlap. */
  insert(start: number, size: number, value: T): boolean {
    const end = start + size;
    if (this.firstIntersecting(start, end) >= 0) return false;
    const at = this.floor(start) + 1;
    if (at === this.starts.length) {
      // Appending (maps are mostly built in address order): push, where splice would also build the array it removes.
      this.starts.push(start);
      this.ends.push(end);
      this.values.push(value);
    } else {
      this.starts.splice(at, 0, start);
      this.ends.splice(at, 0, end);
      this.values.splice(at, 0, value);
    }
    this.totalBytes += size;
    return true;
  }

  /** Removes every range intersecting [start, start+size) and returns them in address order. */
  removeIntersecting(start: number, size: number): RangeEntry<T>[] {
    const end = start + size;
    const first = this.firstIntersecting(start, end);
    if (first < 0) return [];
    let last = first;
    while (last + 1 < this.starts.length && this.starts[last + 1]! < end) last++;
    const out: RangeEntry<T>[] = [];
    for (let i = first; i <= last; i++) out.push(this.entry(i));
    const n = last - first + 1;
    if (last === this.starts.length - 1) {
      // Removing the tail: truncate, the same arrays as splice without building the removed ones again.
      this.starts.length = first;
      this.ends.length = first;
      this.values.length = first;
    } else {
      this.starts.splice(first, n);
      this.ends.splice(first, n);
      this.values.splice(first, n);
    }
    for (const e of out) this.totalBytes -= e.size;
    return out;
  }

  /** Ranges intersecting [start, start+size), in address order. */
  intersecting(start: number, size: number): RangeEntry<T>[] {
    const end = start + size;
    const out: RangeEntry<T>[] = [];
    let i = this.firstIntersecting(start, end);
    if (i < 0) return out;
    for (; i < this.starts.length && this.starts[i]! < end; i++) out.push(this.entry(i));
    return out;
  }

  /** The value of the range at index i (address order), 0 <= i < count. */
  valueAt(i: number): T {
    return this.values[i] as T;
  }

  /** The range at index i (address order), 0 <= i < count. */
  entryAt(i: number): RangeEntry<T> {
    return this.entry(i);
  }

  /** A map of the first `n` ranges (all by default), sharing their values. */
  copy(n: number = this.starts.length): RangeMap<T> {
    const out = new RangeMap<T>();
    for (let i = 0; i < n; i++) {
      out.starts.push(this.starts[i]!);
      out.ends.push(this.ends[i]!);
      out.values.push(this.values[i]!);
      out.totalBytes += this.ends[i]! - this.starts[i]!;
    }
    return out;
  }

  /** Removes everything. */
  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
    this.values.length = 0;
    this.totalBytes = 0;
  }

  /** All ranges in address order. */
  *[Symbol.iterator](): IterableIterator<RangeEntry<T>> {
    for (let i = 0; i < this.starts.length; i++) yield this.entry(i);
  }

  private entry(i: number): RangeEntry<T> {
    const start = this.starts[i]!;
    return { start, size: this.ends[i]! - start, value: this.values[i] as T };
  }
}
