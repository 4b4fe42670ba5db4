// benchmarkJson.ts — github-action-benchmark input (`customSmallerIsBetter`): [{name, unit, value, range?, extra?}].
// Per variant: p50 and p99 of each downtime (and of the observed gap when present) in ms, and the
// mean whole-run UPDATE / INVALIDATE / set_map rebuild counts.

import type { ResultDocument } from './result.js';

/** One benchmark entry. */
export interface BenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

const TIME: readonly string[] = ['downtime1', 'downtime2', 'observed'];
const COUNTS: readonly string[] = ['update', 'invalidate', 'setMapRebuilds'];

/** Entries for every variant of every document, in aggregate key order. */
export function benchmarkEntries(docs: readonly ResultDocument[]): BenchmarkEntry[] {
  const out: BenchmarkEntry[] = [];
  const round = (v: number) => Math.round(v * 1000) / 1000;
  for (const doc of docs) {
    for (const [key, agg] of Object.entries(doc.aggregates)) {
      for (const m of TIME) {
        const s = agg.metrics[m];
        if (!s) continue;
        for (const stat of ['p50', 'p99'] as const) {
          out.push({ name: `${key} ${m} ${stat}`, unit: 'ms', value: round(s[stat] / 1e6), range: `± ${round(s.stdev / 1e6)}`, extra: `${s.count} runs` });
        }
      }
      for (const m of COUNTS) {
        const s = agg.metrics[m];
        if (!s) continue;
        out.push({ name: `${key} ${m} mean`, unit: 'count', value: round(s.mean), extra: `${s.count} runs` });
      }
    }
  }
  return out;
}
