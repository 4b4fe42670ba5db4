// hdrLogExport.ts — every variant's encoded histograms as one HdrHistogram log (for --hdr-log FILE).

import { hdrLog } from './histogram.js';
import type { ResultDocument } from './result.js';
import { cmpStr } from './runMetrics.js';

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
