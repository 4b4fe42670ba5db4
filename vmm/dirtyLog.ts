// dirtyLog.ts — migration dirty tracking: sparse per-RAM-block page bitmaps plus the CPU-dirty count.
//
// QEMU keeps two layers (migration/ram.c, system/physmem.c): the dirty memory log that writers
// mark at any time (DIRTY_MEMORY_MIGRATION, KVM's log) and each RAMBlock's migration bitmap
// (rb->bmap) of pages still to send; migration_bitmap_sync ORs the log into bmap and counts the
// newly dirty pages. This file does the same for the pages the model knows exactly — device
// writes that SVQ reports (bounded in number) — with the log as a list of page runs and bmap as
// bitmaps; guest CPU writes arrive as a count of distinct pages from vmm/dirtyModel.ts and are
// kept alongside the exact bitmap, never as bits.
//
// Composition: the pages to resend are device pages ∪ CPU pages. The CPU pages' positions are not
// tracked; we assume they are independent of the device pages and spread over guest RAM, so the
// expected overlap of d device pages and c CPU pages among N RAM pages is d·c/N (rounded), and
// the round's distinct dirty pages are d + c − overlap.
//
// Scale: a bitmap is a map of fixed-size chunks (CHUNK_PAGES pages, Uint32Array words) allocated
// on first write and freed when empty, with a running count of set bits. Counting is O(1); clearing
// and merging touch only allocated chunks, so a 1 TiB guest with a few dirty pages costs what a
// 16 GiB one does. `wordsTouched` counts the bitmap words read or written, for scale tests.

import { type GuestMemory, PAGE_SIZE, type RamBlock } from './guestMemory.js';

/**
 * The guest CPU's dirtying as the migration sees it (KVM's dirty log): distinct pages written over
 * an interval. The guest model (sim/guest/dirtyModel.ts) provides it.
 */
export interface CpuDirtying {
  sample(ns: number): { pages: number };
}

/** Pages per bitmap chunk (1024 words: 128 MiB of guest memory, 4 KiB of bitmap). */
export const CHUNK_PAGES = 32768;
const CHUNK_WORDS = CHUNK_PAGES / 32;

/** Set bits in a 32-bit word. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Mask of bits [lo, hi) of a word, 0 <= lo < hi <= 32. */
function bitMask(lo: number, hi: number): number {
  const upper = hi === 32 ? 0xffffffff : (1 << hi) - 1;
  return (upper & ~((1 << lo) - 1)) >>> 0;
}

interface Chunk {
  /** The chunk's bits (CHUNK_WORDS words), page p of the chunk at word p>>5, bit p&31. */
  readonly words: Uint32Array;
  /** Set bits in `words`. */
  count: number;
}

/** A sparse page bitmap over `pages` pages (one RAM block). */
export class DirtyBitmap {
  /** Pages covered. */
  readonly pages: number;
  /** Allocated chunks by chunk index. */
  private readonly chunks = new Map<number, Chunk>();
  /** Set bits over all chunks. */
  private setCount = 0;
  /** Bitmap words read or written so far (work meter). */
  wordsTouched = 0;

  constructor(pages: number) {
    if (!Number.isSafeInteger(pages) || pages < 0) throw new RangeError(`bad page count ${pages}`);
    this.pages = pages;
  }

  /** Set pages. O(1). */
  count(): number {
    return this.setCount;
  }

  /** Bytes of bitmap currently allocated. */
  get allocatedBytes(): number {
    return this.chunks.size * CHUNK_WORDS * 4;
  }

  private check(first: number, n: number): void {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(n) || first < 0 || n < 0 || first + n > this.pages) {
      throw new RangeError(`page range [${first}, ${first + n}) outside [0, ${this.pages})`);
    }
  }

  test(page: number): boolean {
    this.check(page, 1);
    const c = this.chunks.get(Math.floor(page / CHUNK_PAGES));
    if (c === undefined) return false;
    this.wordsTouched++;
    const p = page % CHUNK_PAGES;
    return (c.words[p >>> 5]! & (1 << (p & 31))) !== 0;
  }

  /** Sets one page; true if it was clear. */
  set(page: number): boolean {
    return this.setRange(page, 1) === 1;
  }

  /** Sets pages [first, first+n); returns how many were clear before. */
  setRange(first: number, n: number): number {
    this.check(first, n);
    let added = 0;
    this.forWords(first, n, true, (c, w, mask) => {
      const old = c.words[w]!;
      const fresh = (mask & ~old) >>> 0;
      if (fresh !== 0) {
        c.words[w] = (old | mask) >>> 0;
        const k = popcount32(fresh);
        c.count += k;
        added += k;
      }
    });
    this.setCount += added;
    return added;
  }

  /** Clears pages [first, first+n); returns how many were set. Frees chunks that become empty. */
  clearRange(first: number, n: number): number {
    this.check(first, n);
    let removed = 0;
    this.forWords(first, n, false, (c, w, mask) => {
      const old = c.words[w]!;
      const gone = (old & mask) >>> 0;
      if (gone !== 0) {
        c.words[w] = (old & ~mask) >>> 0;
        const k = popcount32(gone);
        c.count -= k;
        removed += k;
      }
    });
    this.setCount -= removed;
    if (n > 0) {
      // Free the chunks this range emptied (forWords already walked the same chunk indices).
      for (let ci = Math.floor(first / CHUNK_PAGES); ci <= Math.floor((first + n - 1) / CHUNK_PAGES); ci++) {
        if (this.chunks.get(ci)?.count === 0) this.chunks.delete(ci);
      }
    }
    return removed;
  }

  /** Set pages within [first, first+n). */
  countRange(first: number, n: number): number {
    this.check(first, n);
    let k = 0;
    this.forWords(first, n, false, (c, w, mask) => {
      k += popcount32((c.words[w]! & mask) >>> 0);
    });
    return k;
  }

  /** Clears everything; returns how many pages were set. Touches only allocated chunks. */
  takeAndClear(): number {
    const n = this.setCount;
    this.wordsTouched += this.chunks.size; // one release per chunk; the words are dropped, not scanned
    this.chunks.clear();
    this.setCount = 0;
    return n;
  }

  /** ORs `other` (same size) into this bitmap; returns pages newly set here. */
  merge(other: DirtyBitmap): number {
    if (other.pages !== this.pages) throw new RangeError('bitmap sizes differ');
    let added = 0;
    for (const [ci, oc] of other.chunks) {
      let c = this.chunks.get(ci);
      if (c === undefined) {
        c = { words: new Uint32Array(CHUNK_WORDS), count: 0 };
        this.chunks.set(ci, c);
      }
      for (let w = 0; w < CHUNK_WORDS; w++) {
        const o = oc.words[w]!;
        if (o === 0) continue;
        const fresh = (o & ~c.words[w]!) >>> 0;
        if (fresh !== 0) {
          c.words[w] = (c.words[w]! | o) >>> 0;
          const k = popcount32(fresh);
          c.count += k;
          added += k;
        }
      }
      this.wordsTouched += CHUNK_WORDS;
      other.wordsTouched += CHUNK_WORDS;
    }
    this.setCount += added;
    return added;
  }

  /** Calls fn(first, n) for each maximal run of set pages, in ascending order. */
  forEachRun(fn: (first: number, n: number) => void): void {
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    let runStart = -1;
    let runEnd = -1;
    for (const ci of keys) {
      const c = this.chunks.get(ci) as Chunk;
      this.wordsTouched += CHUNK_WORDS;
      for (let w = 0; w < CHUNK_WORDS; w++) {
        let word = c.words[w]!;
        while (word !== 0) {
          const b = 31 - Math.clz32(word & -word);
          word = (word & (word - 1)) >>> 0;
          const page = ci * CHUNK_PAGES + w * 32 + b;
          if (page === runEnd) runEnd++;
          else {
            if (runStart >= 0) fn(runStart, runEnd - runStart);
            runStart = page;
            runEnd = page + 1;
          }
        }
      }
    }
    if (runStart >= 0) fn(runStart, runEnd - runStart);
  }

  /** Walks the words overlapping [first, first+n) with the mask of the range's bits in each. */
  private forWords(first: number, n: number, alloc: boolean, fn: (c: Chunk, w: number, mask: number) => void): void {
    let p = first;
    const end = first + n;
    while (p < end) {
      const ci = Math.floor(p / CHUNK_PAGES);
      const chunkEnd = Math.min(end, (ci + 1) * CHUNK_PAGES);
      let c = this.chunks.get(ci);
      if (c === undefined && alloc) {
        c = { words: new Uint32Array(CHUNK_WORDS), count: 0 };
        this.chunks.set(ci, c);
      }
      if (c !== undefined) {
        let q = p - ci * CHUNK_PAGES;
        const qEnd = chunkEnd - ci * CHUNK_PAGES;
        while (q < qEnd) {
          const w = q >>> 5;
          const lo = q & 31;
          const hi = Math.min(32, lo + (qEnd - q));
          fn(c, w, bitMask(lo, hi));
          this.wordsTouched++;
          q += hi - lo;
        }
      }
      p = chunkEnd;
    }
  }

}

/** A guest-physical byte range written by a device (as SVQ reports used buffers). */
export interface DirtyRange {
  gpa: number;
  len: number;
}

/** What a sync found. */
export interface DirtySyncResult {
  /** Pages newly set in the migration bitmap by this sync (migration_bitmap_sync's num_dirty_pages_period). */
  newDevicePages: number;
  /** Pages in the migration bitmap after the sync (device-written, exact). */
  devicePages: number;
  /** CPU-dirtied distinct pages for the round (from the dirty model). */
  cpuPages: number;
  /** Estimated pages both dirtied by the CPU and written by devices. */
  overlapPages: number;
  /** Distinct pages to send: devicePages + cpuPages − overlapPages. */
  dirtyPages: number;
}

/** Dirty tracking for one guest: per-block dirty log and migration bitmap, plus the CPU-dirty count. */
export class DirtyLog {
  /** The guest whose blocks are tracked. */
  readonly memory: GuestMemory;
  /** Pages written since the last sync (the dirty memory log), as runs: [block index, first page, pages]. */
  private log: [number, number, number][] = [];
  /** Pages of `log` not yet merged (runs may repeat pages; this is an upper bound). */
  private logPages = 0;
  /** Log runs merged so far (work meter). */
  private runsMerged = 0;
  /** Per block: pages to send in the current round (rb->bmap). */
  readonly bmap: readonly DirtyBitmap[];
  /** Distinct CPU-dirtied pages for the current round (positions not tracked). */
  private cpuPages = 0;
  /** Pages among which CPU dirtying is spread (guest RAM), for the overlap estimate. */
  private readonly cpuSpan: number;

  constructor(memory: GuestMemory) {
    this.memory = memory;
    this.bmap = memory.blocks.map((b) => new DirtyBitmap(b.usedLength / PAGE_SIZE));
    this.cpuSpan = Math.max(1, memory.ramPages);
  }

  /** Marks the pages of a block range dirty in the log; returns the pages the range covers. */
  markBlockRange(block: RamBlock, offset: number, len: number): number {
    if (len <= 0) return 0;
    const first = Math.floor(offset / PAGE_SIZE);
    const last = Math.floor((offset + len - 1) / PAGE_SIZE);
    if (first < 0 || (last + 1) * PAGE_SIZE > block.usedLength) {
      throw new RangeError(`range [${offset}, +${len}) outside block ${block.idstr}`);
    }
    const n = last - first + 1;
    const prev = this.log[this.log.length - 1];
    if (prev !== undefined && prev[0] === block.index && prev[1] + prev[2] === first) prev[2] += n;
    else this.log.push([block.index, first, n]);
    this.logPages += n;
    return n;
  }

  /**
   * Marks a device write at guest-physical [gpa, gpa+len) dirty; the range may span sections.
   * Bytes outside RAM (holes, MMIO) are ignored, as QEMU ignores non-RAM in dirty marking.
   * Returns the pages marked (repeats included; the sync counts distinct ones).
   */
  markGpa(gpa: number, len: number): number {
    let added = 0;
    let at = gpa;
    const end = gpa + len;
    while (at < end) {
      const s = this.memory.sectionAt(at);
      if (s === undefined) {
        // Skip to the next section start, if any.
        const next = this.memory.sections.find((x) => x.gpa > at);
        if (next === undefined) break;
        at = next.gpa;
        continue;
      }
      const upto = Math.min(end, s.gpa + s.size);
      if (!s.readonly) added += this.markBlockRange(s.block, s.offsetInBlock + (at - s.gpa), upto - at);
      at = upto;
    }
    return added;
  }

  /**
   * migration_bitmap_sync: merges extra device ranges and the dirty log into the migration bitmap,
   * clears the log, and records `cpuDirtyPages` — the distinct CPU-dirtied pages since the last
   * takeRound (ask the model for the whole interval; the value replaces the previous one).
   */
  sync(cpuDirtyPages: number, deviceRanges: Iterable<DirtyRange> = []): DirtySyncResult {
    for (const r of deviceRanges) this.markGpa(r.gpa, r.len);
    let added = 0;
    // Log runs carry RamBlock.index, the block's position in memory.blocks and so in bmap.
    for (const [block, first, n] of this.log) added += this.bmap[block]!.setRange(first, n);
    this.runsMerged += this.log.length;
    this.log = [];
    this.logPages = 0;
    this.cpuPages = Math.max(0, Math.min(Math.round(cpuDirtyPages), this.cpuSpan));
    const r = this.pending();
    return { newDevicePages: added, ...r };
  }

  /** The current round's composition without changing anything. */
  pending(): Omit<DirtySyncResult, 'newDevicePages'> {
    let d = 0;
    for (const b of this.bmap) d += b.count();
    const c = this.cpuPages;
    const overlap = Math.min(d, c, Math.round((d * c) / this.cpuSpan));
    return { devicePages: d, cpuPages: c, overlapPages: overlap, dirtyPages: d + c - overlap };
  }

  /** Distinct pages to send this round. O(blocks). */
  dirtyPages(): number {
    return this.pending().dirtyPages;
  }

  /** Takes the round: returns its composition and clears the migration bitmap and CPU count. */
  takeRound(): Omit<DirtySyncResult, 'newDevicePages'> {
    const r = this.pending();
    for (const b of this.bmap) b.takeAndClear();
    this.cpuPages = 0;
    return r;
  }

  /** Bitmap words touched over all bitmaps (work meter). */
  get wordsTouched(): number {
    let n = this.runsMerged;
    for (const b of this.bmap) n += b.wordsTouched;
    return n;
  }

  /** Pages marked since the last sync (an upper bound: overlapping marks count twice). */
  get unsyncedPages(): number {
    return this.logPages;
  }

  /** Bitmap bytes currently allocated. */
  get allocatedBytes(): number {
    let n = this.log.length * 24;
    for (const b of this.bmap) n += b.allocatedBytes;
    return n;
  }
}
