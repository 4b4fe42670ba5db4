// ratio.ts — the ratio of two sample means with a 95% confidence interval, computed in closed form
// (no resampling, so the same inputs always give the same interval).
//
// The interval is the delta-method interval of log(mean x / mean y) with Student's t: the linearised
// variable u = x/x̄ − y/ȳ has variance ≈ Var(log x̄ − log ȳ) · n. Paired samples (the same
// replication streams, which every variant of a scenario shares: common random numbers) use the
// per-replication differences of u with n − 1 degrees of freedom; independent samples add the two
// variances with Welch–Satterthwaite degrees of freedom. The interval is exp(±t·se) around the
// ratio, so it never goes below zero and is symmetric in log space (as a ratio should be).

import { tQuantile975 } from './stats.js';

/** A ratio of means with its 95% confidence interval. */
export interface RatioEstimate {
  /** mean(x) / mean(y); NaN when both means are 0, Infinity when only mean(y) is. */
  ratio: number;
  /** 95% confidence interval of the ratio; [NaN, NaN] when it cannot be estimated (fewer than 2 values). */
  ci95: [number, number];
  /** Whether the samples were treated as paired. */
  paired: boolean;
  /** Degrees of freedom of the t quantile (NaN without an interval). */
  df: number;
}

function mean(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

function variance(v: readonly number[]): number {
  const m = mean(v);
  let ss = 0;
  for (const x of v) ss += (x - m) ** 2;
  return ss / (v.length - 1);
}

/**
 * mean(x) / mean(y) with a 95% interval; `paired` needs equal lengths (x[i] and y[i] from the
 * same replication). Values are non-negative (durations, counts).
 */
export function meanRatio(x: readonly number[], y: readonly number[], paired = false): RatioEstimate {
  if (x.length === 0 || y.length === 0) throw new RangeError('a ratio of means needs two non-empty samples');
  const isPaired = paired && x.length === y.length;
  const mx = mean(x);
  const my = mean(y);
  const none: [number, number] = [NaN, NaN];
  if (my === 0) return { ratio: mx === 0 ? NaN : Infinity, ci95: none, paired: isPaired, df: NaN };
  const ratio = mx / my;
  // Every value of x is 0: the ratio is exactly 0, whatever y does.
  if (mx === 0) return { ratio: 0, ci95: [0, 0], paired: isPaired, df: NaN };
  let se: number;
  let df: number;
  if (isPaired) {
    if (x.length < 2) return { ratio, ci95: none, paired: true, df: NaN };
    const u = x.map((v, i) => v / mx - y[i]! / my);
    se = Math.sqrt(variance(u) / u.length);
    df = u.length - 1;
  } else {
    if (x.length < 2 || y.length < 2) return { ratio, ci95: none, paired: false, df: NaN };
    const vx = variance(x) / (x.length * mx * mx);
    const vy = variance(y) / (y.length * my * my);
    se = Math.sqrt(vx + vy);
    const denom = (vx * vx) / (x.length - 1) + (vy * vy) / (y.length - 1);
    df = denom > 0 ? (vx + vy) ** 2 / denom : x.length + y.length - 2;
  }
  if (!(se > 0)) return { ratio, ci95: [ratio, ratio], paired: isPaired, df };
  const t = tQuantile975(Math.max(1, df));
  return { ratio, ci95: [ratio * Math.exp(-t * se), ratio * Math.exp(t * se)], paired: isPaired, df };
}
