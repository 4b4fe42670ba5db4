// runMetrics.ts — the named scalar metrics of one run, shared by aggregates, gates, comparisons.
//
// Names: "downtime1", "downtime2" (window totals, ns); "observed" (longest probe gap over the
// migration, ns), "downtime1.observed"/"downtime2.observed" (inside each window, ns);
// "precopy" (ns); "iterations"; whole-run counts summed over every phase: "update",
// "invalidate", "batches", "setMapRebuilds", "mkeysCreated", "mkeysDestroyed", "pagesPinned",
// "pagesUnpinned", "faults"; and the same counts inside each window as "downtime1.update" etc.
// With the pageFaults strategy (run.pageFaults) also: "pageFaults" (faults resolved over the
// run), "pageFaults.<phase>" (per top-level phase, "pageFaults.postSwitchover" after downtime #2),
// "faultLatencyP99", "faultLatencyMax" (ns), "faultStall" (ns vqs stood behind faults),
// "outOfOrder", "flushBatches", "invalidations" and "postSwitchover.rxDropped".

import type { Counts, ResultDocument, RunRecord, VariantAggregate } from './result.js';

/** Numeric count fields of Counts, in display order. */
export const COUNT_FIELDS = [
  'update',
  'invalidate',
  'batches',
  'setMapRebuilds',
  'mkeysCreated',
  'mkeysDestroyed',
  'pagesPinned',
  'pagesUnpinned',
  'faults',
] as const;
type CountField = (typeof COUNT_FIELDS)[number];

/** Metrics measured in ns (histogrammed, formatted as durations). */
export const TIME_METRICS = ['downtime1', 'downtime2', 'observed', 'downtime1.observed', 'downtime2.observed', 'precopy', 'faultLatencyP99', 'faultLatencyMax', 'faultStall'];

/** True when the metric is a duration in ns. */
export function isTimeMetric(name: string): boolean {
  return TIME_METRICS.includes(name);
}

/** Every scalar metric of the run by name (absent optional values are left out). */
export function runMetrics(run: RunRecord): Record<string, number> {
  const m: Record<string, number> = {
    downtime1: run.downtime1.totalNs,
    downtime2: run.downtime2.totalNs,
    precopy: run.migration.precopyNs,
    iterations: run.migration.iterations,
  };
  if (run.observedNs !== undefined) m.observed = run.observedNs;
  if (run.downtime1.observedNs !== undefined) m['downtime1.observed'] = run.downtime1.observedNs;
  if (run.downtime2.observedNs !== undefined) m['downtime2.observed'] = run.downtime2.observedNs;
  const total = totalCounts(run);
  for (const f of COUNT_FIELDS) {
    m[f] = total[f];
    m[`downtime1.${f}`] = run.downtime1.counts[f];
    m[`downtime2.${f}`] = run.downtime2.counts[f];
  }
  const pf = run.pageFaults;
  if (pf !== undefined) {
    let total = 0;
    for (const phase of Object.keys(pf.faultsByPhase).sort()) {
      const n = pf.faultsByPhase[phase]!;
      total += n;
      m[`pageFaults.${phase}`] = n;
    }
    m.pageFaults = total;
    if (m['pageFaults.postSwitchover'] === undefined) m['pageFaults.postSwitchover'] = 0;
    m.faultLatencyP99 = pf.latency.p99Ns;
    m.faultLatencyMax = pf.latency.maxNs;
    m.faultStall = pf.stallNs;
    m.outOfOrder = pf.outOfOrder;
    m.flushBatches = pf.flushBatches;
    m.invalidations = pf.invalidations.unmap + pf.invalidations.mmNotifier;
    m['postSwitchover.rxDropped'] = pf.postSwitchover.rxDropped;
  }
  return m;
}

/** Sum of the run's counts over every phase (phase names in sorted order). */
function totalCounts(run: RunRecord): Record<CountField, number> {
  const t = Object.fromEntries(COUNT_FIELDS.map((f) => [f, 0])) as Record<CountField, number>;
  for (const phase of Object.keys(run.countsByPhase).sort()) {
    const c: Counts = run.countsByPhase[phase]!;
    for (const f of COUNT_FIELDS) t[f] += c[f] ?? 0;
  }
  return t;
}

/** Canonical run order: scenario, variant, replication (code-unit string order, locale-free). */
export function compareRuns(a: RunRecord, b: RunRecord): number {
  return cmpStr(a.scenario, b.scenario) || cmpStr(a.variant, b.variant) || a.replication - b.replication;
}

/** Locale-independent string comparison. */
export function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Aggregate key of a run. */
export function variantKey(run: { scenario: string; variant: string }): string {
  return `${run.scenario}/${run.variant}`;
}

/**
 * A document's aggregates in reading order: scenarios as listed, and each scenario's variants in
 * the order the scenario defines them (the aggregates themselves are keyed canonically).
 */
export function aggregatesInOrder(doc: ResultDocument): [string, VariantAggregate][] {
  const rank = new Map<string, number>();
  doc.scenarios.forEach((s, si) => (s.variants ?? []).forEach((v, vi) => rank.set(variantKey({ scenario: s.name, variant: v }), si * 1e6 + vi)));
  const scenarioRank = new Map(doc.scenarios.map((s, i) => [s.name, i * 1e6 + 999_999]));
  const entries = Object.entries(doc.aggregates);
  const r = ([k, a]: [string, VariantAggregate]) => rank.get(k) ?? scenarioRank.get(a.scenario) ?? Number.MAX_SAFE_INTEGER;
  return entries.sort((x, y) => r(x) - r(y) || cmpStr(x[0], y[0]));
}
