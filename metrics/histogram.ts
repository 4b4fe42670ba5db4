// histogram.ts — HDR histograms of nanosecond values: record, encode, decode, add, percentiles, linear bins.
//
// Every histogram has the same fixed shape so encodings add exactly: values are integer ns,
// trackable from 1 ns to 1 hour (3.6e12 ns), with 3 significant decimal digits (relative
// error ≤ 0.1%), no auto-resize, 32-bit counts (plain arrays record and encode ~3x faster than
// packed ones; a bucket would need 4 billion runs to overflow). Values above 1 hour are clamped
// to 1 hour, negative or non-finite values are rejected. Because the shape is fixed, decoding two
// encodings, adding them and encoding again yields the same string as recording every value
// into one histogram.

// The builder and the codec by their own modules: the package's index also loads its log writer,
// whose module-level number formatter costs a process ~20 ms of ICU start-up (hdrLogExport.ts
// loads the writer, on demand).
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js/dist/encoding.js';
import type { Histogram } from 'hdr-histogram-js';

/** Highest trackable value: one hour in ns. */
export const HIST_MAX_NS = 3_600_000_000_000;
/** Significant decimal digits kept. */
const HIST_DIGITS = 3;

export type { Histogram };

/** A new empty histogram of the fixed shape. */
function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIST_MAX_NS,
    numberOfSignificantValueDigits: HIST_DIGITS,
    autoResize: false,
    bitBucketSize: 32,
  });
}

/** Record one ns value (rounded to an integer, clamped to HIST_MAX_NS). */
function recordNs(h: Histogram, ns: number): void {
  if (!Number.isFinite(ns) || ns < 0) throw new RangeError(`cannot record ${ns} ns in a histogram`);
  h.recordValue(Math.min(Math.round(ns), HIST_MAX_NS));
}

/** A histogram of the given values. */
export function histogramOf(values: Iterable<number>): Histogram {
  const h = newHistogram();
  for (const v of values) recordNs(h, v);
  return h;
}

/** Compressed base64 form (HdrHistogram V2 compressed encoding). */
function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** Decode a compressed base64 histogram into the fixed shape; throws on a foreign shape or bad data. */
export function decodeHistogram(encoded: string): Histogram {
  const decoded = decodeFromCompressedBase64(encoded, 32, false);
  if (decoded.highestTrackableValue !== HIST_MAX_NS || decoded.numberOfSignificantValueDigits !== HIST_DIGITS) {
    throw new RangeError(
      `histogram has shape (max ${decoded.highestTrackableValue}, ${decoded.numberOfSignificantValueDigits} digits); expected (max ${HIST_MAX_NS}, ${HIST_DIGITS} digits)`,
    );
  }
  const h = newHistogram();
  h.add(decoded);
  return h;
}

/** Encode the values directly. */
export function encodeValues(values: Iterable<number>): string {
  return encodeHistogram(histogramOf(values));
}

/** Sum of encoded histograms, encoded (exact: equals the encoding of all values recorded once). */
export function addEncoded(...encoded: string[]): string {
  const h = newHistogram();
  for (const e of encoded) h.add(decodeHistogram(e));
  return encodeHistogram(h);
}

/** Value at a percentile (0..100), as the highest value equivalent to the bucket (HDR convention). */
export function percentileNs(h: Histogram, p: number): number {
  return h.getValueAtPercentile(p);
}

/** One bucket of a linear re-binning, for plots and terminal bars. */
export interface Bin {
  /** Lower edge, ns (inclusive). */
  fromNs: number;
  /** Upper edge, ns (exclusive). */
  toNs: number;
  count: number;
}

/** Re-bin exact values into `n` equal-width bins between min and max. */
export function linearBins(values: readonly number[], n: number): Bin[] {
  if (values.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const width = hi > lo ? (hi - lo) / n : 1;
  const bins: Bin[] = [];
  for (let i = 0; i < n; i++) bins.push({ fromNs: lo + i * width, toNs: lo + (i + 1) * width, count: 0 });
  for (const v of values) bins[Math.min(n - 1, Math.floor((v - lo) / width))]!.count++; // v in [lo, hi]: index in [0, n - 1]
  return bins;
}
