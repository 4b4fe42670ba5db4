// histogram.ts — HDR histograms of nanosecond values: record, encode, decode, add, percentiles, log export.
//
// Every histogram has the same fixed shape so encodings add exactly: values are integer ns,
// trackable from 1 ns to 1 hour (3.6e12 ns), with 3 significant decimal digits (relative
// error ≤ 0.1%), no auto-resize, 32-bit counts (plain arrays record and encode ~3x faster than
// packed ones; a bucket would need 4 billion runs to overflow). Values above 1 hour are clamped
// to 1 hour, negative or non-finite values are rejected. Because the shape is fixed, decoding two
// encodings, adding them and encoding again yields the same string as recording every value
// into one histogram.

import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** Highest trackable value: one hour in ns. */
export const HIST_MAX_NS = 3_600_000_000_000;
/** Significant decimal digits kept. */
const HIST_DIGITS = 3;

export type { Histogram };

/** A new empty histogram of the fixed shape. */
function newHistogram(): Histogram {
  return hdr.build({
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
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decode a compressed base64 histogram into the fixed shape; throws on a foreign shape or bad data. */
export function decodeHistogram(encoded: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
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

/** One labelled histogram for the log. */
export interface LoggedHistogram {
  /** Tag written with the interval line ("<scenario>/<variant>/<metric>"). */
  tag: string;
  encoded: string;
}

/**
 * HdrHistogram log (format 1.3, as written by HistogramLogWriter) of the given histograms, one
 * interval line per histogram, tagged, with interval max reported in milliseconds. Start
 * timestamps are the histogram's index (the log carries no wall-clock time: output is deterministic).
 */
export function hdrLog(histograms: readonly LoggedHistogram[], comment?: string): string {
  let out = '';
  const w = new hdr.HistogramLogWriter((s: string) => {
    out += s;
  });
  if (comment) w.outputComment(comment);
  w.outputComment('values in ns; Interval_Max in ms');
  w.outputLogFormatVersion();
  w.outputLegend();
  histograms.forEach((lh, i) => {
    const h = decodeHistogram(lh.encoded);
    h.tag = lh.tag.replace(/[\s,]/g, '_');
    w.outputIntervalHistogram(h, i, i + 1, 1_000_000);
  });
  return out;
}
