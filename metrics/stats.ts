// stats.ts — summary statistics of a sample: exact percentiles, mean, stdev, Student-t 95% CI.
//
// Percentiles use the nearest-rank definition on the sorted sample (the smallest value with at
// least p% of the sample at or below it), so they are actual observed values. Sums run over the
// sorted sample, so the result does not depend on input order (shards merge byte-identically).

import type { Stats } from './result.js';

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T975: readonly number[] = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12,
  2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** 0.975 quantile of Student's t with `df` degrees of freedom (table to 30, Cornish–Fisher expansion above). */
export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  const z = 1.959963984540054;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}

/** Nearest-rank percentile of an ascending-sorted sample (p in 0..100). */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Summary statistics of a non-empty sample. */
export function computeStats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) throw new RangeError('statistics of an empty sample');
  let sum = 0;
  for (const v of s) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of s) ss += (v - mean) ** 2;
  const stdev = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const half = n > 1 ? (tQuantile975(n - 1) * stdev) / Math.sqrt(n) : 0;
  return {
    count: n,
    min: s[0]!,
    max: s[n - 1]!,
    mean,
    stdev,
    ci95: [mean - half, mean + half],
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p99: percentileSorted(s, 99),
    p999: percentileSorted(s, 99.9),
  };
}
