// hdrLogExport.ts — encoded histograms as one HdrHistogram log (for --hdr-log FILE). The CLI
// loads this module only when a log is asked for: it loads the package's index, whose log writer
// starts ICU (a module-level number formatter).

import { HistogramLogWriter } from 'hdr-histogram-js';
import { decodeHistogram } from './histogram.js';
import type { ResultDocument } from './result.js';
import { cmpStr } from './runMetrics.js';

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
  const w = new HistogramLogWriter((s: string) => {
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

/** The log text: one interval line per (variant, time metric), tagged "<scenario>/<variant>/<metric>". */
export function documentsHdrLog(docs: readonly ResultDocument[]): string {
  const entries = docs.flatMap((d) =>
    Object.entries(d.aggregates).flatMap(([key, a]) =>
      Object.keys(a.histograms)
        .sort(cmpStr)
        .map((m) => ({ tag: `${key}/${m}`, encoded: a.histograms[m]! })),
    ),
  );
  return hdrLog(entries, `svqsim ${docs[0]?.tool.version ?? ''} downtime histograms`);
}
