// rng.ts — seeded random streams (pure-rand xoroshiro128+). One stream per replication,
// derived by jump-ahead from the scenario seed, and named sub-streams per model component,
// so adding a consumer never shifts another consumer's numbers.

import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/** FNV-1a 32-bit hash of a label; used to derive sub-streams. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export class Rng {
  /** The underlying generator (mutated as numbers are drawn). */
  private readonly gen: JumpableRandomGenerator;
  /** State at creation; sub-streams derive from it, not from how much was drawn. */
  private readonly origin: readonly number[];

  private constructor(gen: JumpableRandomGenerator) {
    this.gen = gen;
    this.origin = gen.getState().slice();
  }

  /** The base stream of a scenario seed (a 32-bit integer). */
  static fromSeed(seed: number): Rng {
    return new Rng(xoroshiro128plus(seed | 0));
  }

  /**
   * The stream of replication `index`: the seed's stream jumped `index` times (2^64 steps each).
   * Jumps resume from the last stream asked for when it is of the same seed and not beyond
   * `index`, so a campaign walking replications upwards pays one jump per run, not `index`.
   */
  static forReplication(seed: number, index: number): Rng {
    const memo = Rng.lastReplication;
    let g: JumpableRandomGenerator;
    let at: number;
    if (memo !== null && memo.seed === (seed | 0) && memo.index <= index) {
      g = xoroshiro128plusFromState(memo.state);
      at = memo.index;
    } else {
      g = xoroshiro128plus(seed | 0);
      at = 0;
    }
    for (; at < index; at++) g.jump();
    Rng.lastReplication = { seed: seed | 0, index, state: g.getState().slice() };
    return new Rng(g);
  }

  /** The replication stream forReplication made last (per thread): where the next jumps resume. */
  private static lastReplication: { seed: number; index: number; state: readonly number[] } | null = null;

  /** An independent stream named `label`, derived from this stream's origin. */
  fork(label: string): Rng {
    const h = fnv1a(label);
    const s = this.origin.map((v, i) => (i % 2 === 0 ? v ^ h : v ^ Math.imul(h, 0x9e3779b1)) | 0);
    if (s.every((v): boolean => v === 0)) s[0] = 1;
    const g = xoroshiro128plusFromState(s);
    // Decorrelate from the parent: discard a few outputs.
    for (let i = 0; i < 8; i++) g.next();
    return new Rng(g);
  }

  /** The stream's origin state, recorded in results so a run can be reproduced. */
  get state(): readonly number[] {
    return this.origin;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return uniformInt(this.gen, lo, hi);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** Normal(mean, sd) by Box–Muller. */
  normal(mean: number, sd: number): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
