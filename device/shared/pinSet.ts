// pinSet.ts — page-granular pin accounting in ranges: each 4 KiB page has a pin count, stored as
// sorted runs of equal count, so pinning a 1 TiB guest costs a handful of runs, not 2^28 entries.
// A page pinned twice is one pinned page; it stays pinned until unpinned as often as pinned.

/** Bytes per page the accounting uses (x86-64 base page). */
export const PAGE_SIZE = 4096;

/** First page of [addr, addr+size). */
function firstPage(addr: number): number {
  return Math.floor(addr / PAGE_SIZE);
}

/** End page (exclusive) covering [addr, addr+size), never before its first page. */
function endPage(addr: number, size: number): number {
  return Math.max(firstPage(addr), Math.ceil((addr + size) / PAGE_SIZE));
}

/** First page and end page (exclusive) covering [addr, addr+size). */
export function pageSpan(addr: number, size: number): [number, number] {
  return [firstPage(addr), endPage(addr, size)];
}

/** Pages covering [addr, addr+size): pageSpan's end minus its first, without the pair. */
export function pagesIn(addr: number, size: number): number {
  return endPage(addr, size) - firstPage(addr);
}

/**
 * Replaces `count` elements of `arr` at `from` with the first `n` of `items`: what
 * arr.splice(from, count, ...items.slice(0, n)) leaves, written in place when the length does not
 * change or the items go at the end (the usual edits: a run re-counted, a range pinned past the
 * last run), so no removed-elements array is built.
 */
function replaceRuns(arr: number[], from: number, count: number, items: readonly number[], n: number): void {
  if (n === count) {
    for (let k = 0; k < count; k++) arr[from + k] = items[k]!;
  } else if (from + count === arr.length) {
    // At the tail: overwrite what both have, then push the rest or cut what is left over.
    const common = Math.min(n, count);
    for (let k = 0; k < common; k++) arr[from + k] = items[k]!;
    if (n > count) {
      for (let k = count; k < n; k++) arr.push(items[k]!);
    } else {
      arr.length = from + n;
    }
  } else {
    arr.splice(from, count, ...items.slice(0, n));
  }
}

export class PinSet {
  /** Run starts (page numbers), ascending. */
  private readonly starts: number[] = [];
  /** Run ends (exclusive page numbers), parallel to `starts`. */
  private readonly ends: number[] = [];
  /** Pin count of every page of the run (>= 1), parallel to `starts`. */
  private readonly counts: number[] = [];
  /** Pages with a pin count >= 1. */
  private pinned = 0;
  /**
   * Scratch of adjust(): the runs that replace the edited ones, the first `newLen` of each array
   * (kept at their size between edits, so an edit allocates nothing).
   */
  private readonly newStarts: number[] = [];
  /** Scratch of adjust(): their ends. */
  private readonly newEnds: number[] = [];
  /** Scratch of adjust(): their counts. */
  private readonly newCounts: number[] = [];
  /** Runs in the scratch arrays. */
  private newLen = 0;

  /** Number of distinct pinned pages. */
  get pinnedPages(): number {
    return this.pinned;
  }

  /** Number of runs kept (for scale checks). */
  get runs(): number {
    return this.starts.length;
  }

  /** Pin count of one page. */
  countOf(page: number): number {
    const i = this.firstEndingAfter(page);
    return i < this.starts.length && this.starts[i]! <= page ? this.counts[i]! : 0;
  }

  /** Pins the pages covering [addr, addr+size); returns how many were not pinned before. */
  pin(addr: number, size: number): number {
    return this.adjust(firstPage(addr), endPage(addr, size), +1);
  }

  /** Unpins the pages covering [addr, addr+size); returns how many became unpinned. */
  unpin(addr: number, size: number): number {
    return this.adjust(firstPage(addr), endPage(addr, size), -1);
  }

  /** Pages of [addr, addr+size) that are pinned at least once. */
  pinnedIn(addr: number, size: number): number {
    const a = firstPage(addr);
    const b = endPage(addr, size);
    let n = 0;
    for (let i = this.firstEndingAfter(a); i < this.starts.length && this.starts[i]! < b; i++) {
      n += Math.min(this.ends[i]!, b) - Math.max(this.starts[i]!, a);
    }
    return n;
  }

  /** Runs as [firstPage, endPage, count], ascending. */
  *entries(): IterableIterator<[number, number, number]> {
    for (let i = 0; i < this.starts.length; i++) yield [this.starts[i]!, this.ends[i]!, this.counts[i]!];
  }

  /** Index of the first run whose end is > page. */
  private firstEndingAfter(page: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! <= page) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends the run [s, e) of count c to the scratch, merged into the last one when they join. */
  private push(s: number, e: number, c: number): void {
    if (e <= s || c <= 0) return;
    const k = this.newLen - 1;
    const pe = this.newEnds;
    if (k >= 0 && pe[k] === s && this.newCounts[k] === c) {
      pe[k] = e;
      return;
    }
    const n = this.newLen++;
    if (n < this.newStarts.length) {
      this.newStarts[n] = s;
      pe[n] = e;
      this.newCounts[n] = c;
    } else {
      this.newStarts.push(s);
      pe.push(e);
      this.newCounts.push(c);
    }
  }

  /** Adds delta (+1/-1) to every page of [a, b); returns pages crossing between 0 and 1. */
  private adjust(a: number, b: number, delta: 1 | -1): number {
    if (b <= a) return 0;
    const starts = this.starts;
    const ends = this.ends;
    const counts = this.counts;
    const i = this.firstEndingAfter(a);
    let j = i;
    this.newLen = 0;
    let crossed = 0;
    let cursor = a;
    // Keep the run just before, if adjacent, so equal counts merge across the edit.
    let from = i;
    if (i > 0 && ends[i - 1] === a) {
      from = i - 1;
      this.push(starts[from]!, ends[from]!, counts[from]!);
    }
    for (; j < starts.length && starts[j]! < b; j++) {
      const s = starts[j]!;
      const e = ends[j]!;
      const c = counts[j]!;
      if (s < a) this.push(s, a, c);
      const lo = Math.max(s, a);
      if (cursor < lo && delta > 0) {
        this.push(cursor, lo, 1);
        crossed += lo - cursor;
      }
      const hi = Math.min(e, b);
      if (delta < 0 && c === 1) crossed += hi - lo;
      this.push(lo, hi, c + delta);
      if (e > b) this.push(b, e, c);
      cursor = hi;
    }
    if (cursor < b && delta > 0) {
      this.push(cursor, b, 1);
      crossed += b - cursor;
    }
    let to = j;
    if (j < starts.length && starts[j] === (this.newLen > 0 ? this.newEnds[this.newLen - 1] : -1)) {
      this.push(starts[j]!, ends[j]!, counts[j]!);
      to = j + 1;
    }
    const n = this.newLen;
    replaceRuns(starts, from, to - from, this.newStarts, n);
    replaceRuns(ends, from, to - from, this.newEnds, n);
    replaceRuns(counts, from, to - from, this.newCounts, n);
    this.pinned += delta > 0 ? crossed : -crossed;
    return crossed;
  }
}
