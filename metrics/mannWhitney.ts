// mannWhitney.ts — Mann–Whitney U test (Wilcoxon rank-sum) with the normal approximation.
//
// U is computed for the first sample x against y (U_x = R_x − n_x(n_x+1)/2, ties get mid-ranks).
// The p-value uses the normal approximation with tie-corrected variance and a 0.5 continuity
// correction. Alternatives: 'greater' (x tends to be larger than y — for downtimes, x is worse),
// 'less', 'two-sided'. With fewer than about 8 values per sample the approximation is rough; the
// gate therefore also enforces a minimum number of replications.

/** Which difference the test looks for. */
export type Alternative = 'greater' | 'less' | 'two-sided';

/** Result of the test. */
export interface MannWhitneyResult {
  /** U statistic of the first sample. */
  u: number;
  /** Standardized statistic (continuity corrected), 0 when there is no variance. */
  z: number;
  /** p-value under the chosen alternative. */
  p: number;
  /** Common-language effect size: P(x > y) + P(x = y)/2. */
  effect: number;
}

/** Standard normal CDF (erfc by a Chebyshev fit, |error| < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Mann–Whitney U test of x against y. */
export function mannWhitneyU(x: readonly number[], y: readonly number[], alternative: Alternative = 'two-sided'): MannWhitneyResult {
  const nx = x.length;
  const ny = y.length;
  if (nx === 0 || ny === 0) throw new RangeError('Mann–Whitney U needs two non-empty samples');
  const all = [...x.map((v) => ({ v, fromX: true })), ...y.map((v) => ({ v, fromX: false }))].sort((a, b) => a.v - b.v);
  const n = nx + ny;
  let rx = 0;
  let tieSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j + 2) / 2; // mid-rank of positions i..j (1-based)
    const t = j - i + 1;
    if (t > 1) tieSum += t ** 3 - t;
    for (let k = i; k <= j; k++) if (all[k]!.fromX) rx += rank;
    i = j + 1;
  }
  const u = rx - (nx * (nx + 1)) / 2;
  const mean = (nx * ny) / 2;
  const variance = ((nx * ny) / 12) * (n + 1 - tieSum / (n * (n - 1)));
  const effect = u / (nx * ny);
  if (!(variance > 0)) return { u, z: 0, p: 1, effect };
  const sd = Math.sqrt(variance);
  const d = u - mean;
  let p: number;
  let z: number;
  if (alternative === 'greater') {
    z = (d - 0.5) / sd;
    p = 1 - normalCdf(z);
  } else if (alternative === 'less') {
    z = (d + 0.5) / sd;
    p = normalCdf(z);
  } else {
    z = (d - 0.5 * Math.sign(d)) / sd;
    p = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  }
  return { u, z, p, effect };
}
