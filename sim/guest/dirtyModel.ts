// dirtyModel.ts — the guest CPU's memory dirtying, as counts of distinct dirty pages per interval.
//
// Model. Guest RAM of N pages holds a hot working set of H pages and a cold remainder of N − H.
// The CPU writes pages of the hot set as a Poisson process of rate w = dirtyRate / PAGE_SIZE page
// writes per second, each write hitting a hot page chosen uniformly at random; the cold remainder
// gets writes the same way at wc = coldDirtyRate / PAGE_SIZE. Over an interval of t seconds, by
// Poisson thinning each hot page is written independently with probability
//     p = 1 − exp(−w·t / H),
// so the number of distinct hot pages dirtied is Binomial(H, p), with mean H·(1 − exp(−w·t/H)),
// and likewise for the cold pages. A sample is drawn from that binomial with the Rng given, so
// the noise is the model's own (no extra knob) and a seed reproduces it.
//
// Assumptions: writes are memoryless and uniform within each set (no locality beyond hot/cold);
// the hot set does not move during a migration; an interval starts with every page clean, i.e.
// the caller asks for the interval since the last time the dirty pages were collected (the
// migration bitmap sync); page size is 4 KiB (no huge-page dirty granularity).
//
// Cost: a sample takes O(1) work, or O(mean) < 40 steps when the mean is small, whatever H and N.

import type { Rng } from '../kernel/index.js';
import { PAGE_SIZE } from '../../vmm/guestMemory.js';

export interface DirtyModelConfig {
  /** Guest RAM the CPU can write, bytes. */
  ramBytes: number;
  /** Hot working set, bytes (clamped to ramBytes). */
  hotBytes: number;
  /** Write rate into the hot set, bytes/s (writes, not distinct pages). */
  dirtyRate: number;
  /** Write rate spread over the cold remainder, bytes/s; default 0. */
  coldDirtyRate?: number;
}

/** One interval's draw. */
export interface DirtySample {
  /** Distinct hot pages dirtied. */
  hot: number;
  /** Distinct cold pages dirtied. */
  cold: number;
  /** hot + cold. */
  pages: number;
  /** The expected value of `pages` for this interval. */
  expected: number;
}

/** Below this mean the binomial is drawn exactly by inversion; above it, by a normal approximation. */
const EXACT_MEAN = 30;

/** Draws Binomial(n, p): exact inversion for small means, normal approximation otherwise. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const mean = n * p;
  if (mean < EXACT_MEAN) {
    // Sequential search over the pmf: pmf(0) = (1−p)^n >= e^(−EXACT_MEAN·(1+p)) stays representable.
    const u = rng.float();
    const ratio = p / (1 - p);
    let pmf = Math.exp(n * Math.log1p(-p));
    let cdf = pmf;
    let k = 0;
    while (u >= cdf && k < n) {
      pmf *= ((n - k) / (k + 1)) * ratio;
      k++;
      cdf += pmf;
      if (pmf < 1e-300) break;
    }
    return k;
  }
  const sd = Math.sqrt(mean * (1 - p));
  const x = Math.round(rng.normal(mean, sd));
  return Math.min(n, Math.max(0, x));
}

export class DirtyModel {
  /** Hot set size, pages. */
  readonly hotPages: number;
  /** Cold remainder size, pages. */
  readonly coldPages: number;
  /** Hot page writes per ns. */
  private readonly hotWritesPerNs: number;
  /** Cold page writes per ns. */
  private readonly coldWritesPerNs: number;
  /** Noise source. */
  private readonly rng: Rng;

  constructor(cfg: DirtyModelConfig, rng: Rng) {
    const ramPages = Math.floor(cfg.ramBytes / PAGE_SIZE);
    if (!(ramPages >= 0) || !(cfg.hotBytes >= 0) || !(cfg.dirtyRate >= 0) || !((cfg.coldDirtyRate ?? 0) >= 0)) {
      throw new RangeError('dirty model sizes and rates must be non-negative numbers');
    }
    this.hotPages = Math.min(ramPages, Math.floor(cfg.hotBytes / PAGE_SIZE));
    this.coldPages = ramPages - this.hotPages;
    this.hotWritesPerNs = cfg.dirtyRate / PAGE_SIZE / 1e9;
    this.coldWritesPerNs = (cfg.coldDirtyRate ?? 0) / PAGE_SIZE / 1e9;
    this.rng = rng;
  }

  private static probability(pages: number, writesPerNs: number, ns: number): number {
    if (pages === 0 || writesPerNs === 0 || ns <= 0) return 0;
    return -Math.expm1((-writesPerNs * ns) / pages);
  }

  /** Expected distinct pages dirtied over `ns`: H·(1 − exp(−w·t/H)) + the same for the cold set. */
  expected(ns: number): number {
    return (
      this.hotPages * DirtyModel.probability(this.hotPages, this.hotWritesPerNs, ns) +
      this.coldPages * DirtyModel.probability(this.coldPages, this.coldWritesPerNs, ns)
    );
  }

  /** Draws the distinct pages dirtied over an interval of `ns` nanoseconds. */
  sample(ns: number): DirtySample {
    if (!(ns >= 0)) throw new RangeError(`negative interval ${ns} ns`);
    const ph = DirtyModel.probability(this.hotPages, this.hotWritesPerNs, ns);
    const pc = DirtyModel.probability(this.coldPages, this.coldWritesPerNs, ns);
    const hot = binomial(this.rng, this.hotPages, ph);
    const cold = binomial(this.rng, this.coldPages, pc);
    return { hot, cold, pages: hot + cold, expected: this.hotPages * ph + this.coldPages * pc };
  }
}
