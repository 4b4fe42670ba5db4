// aggregate.ts — per-variant aggregates (stats, HDR histograms, mean counts) of a list of runs.
//
// Aggregates are a pure function of the multiset of runs: runs are put in canonical order
// (scenario, variant, replication) first and every statistic is computed over the whole sample,
// so merging shards gives byte-identical aggregates to the unsharded run.

import { emptyCounts, type Counts, type RunRecord, type Stats, type VariantAggregate } from './result.js';
import { computeStats } from './stats.js';
import { encodeValues } from './histogram.js';
import { COUNT_FIELDS, TIME_METRICS, cmpStr, compareRuns, runMetrics, variantKey } from './runMetrics.js';

/** Group runs by "<scenario>/<variant>", each group in canonical order, keys sorted. */
export function groupRuns(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const sorted = [...runs].sort(compareRuns);
  const groups = new Map<string, RunRecord[]>();
  for (const r of sorted) {
    const k = variantKey(r);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  return groups;
}

/** Aggregates of every variant, keyed by "<scenario>/<variant>" in canonical order. */
export function aggregate(runs: readonly RunRecord[]): Record<string, VariantAggregate> {
  const out: Record<string, VariantAggregate> = {};
  for (const [key, group] of groupRuns(runs)) out[key] = aggregateVariant(group);
  return out;
}

/** Aggregate of one variant's runs (all of the same scenario and variant). */
function aggregateVariant(group: readonly RunRecord[]): VariantAggregate {
  const runs = [...group].sort(compareRuns);
  const first = runs[0]!; // groupRuns never makes an empty group
  const samples = new Map<string, number[]>();
  // A failed migration counts in `failures` (1 per failed run, 0 per completed one); its partial
  // downtimes are left out of the other metrics.
  samples.set('failures', runs.map((r) => (r.outcome === undefined ? 0 : 1)));
  for (const r of runs) {
    if (r.outcome !== undefined) continue;
    for (const [name, v] of Object.entries(runMetrics(r))) {
      let s = samples.get(name);
      if (!s) samples.set(name, (s = []));
      s.push(v);
    }
  }
  const names = [...samples.keys()].sort(cmpStr);
  const metrics: Record<string, Stats> = {};
  const histograms: Record<string, string> = {};
  for (const name of names) {
    const values = samples.get(name)!;
    metrics[name] = computeStats(values);
    if (TIME_METRICS.includes(name)) histograms[name] = encodeValues(values);
  }
  return {
    scenario: first.scenario,
    variant: first.variant,
    params: sortKeys(first.params),
    runs: runs.length,
    metrics,
    histograms,
    meanCounts: meanCountsByPhase(runs),
  };
}

/** Mean counts per run by phase (a phase missing from a run counts as zero there). */
function meanCountsByPhase(runs: readonly RunRecord[]): Record<string, Counts> {
  const phases = [...new Set(runs.flatMap((r) => Object.keys(r.countsByPhase)))].sort(cmpStr);
  const out: Record<string, Counts> = {};
  const n = runs.length;
  for (const phase of phases) {
    const sum = emptyCounts();
    const ioctlSums: Record<string, number> = {};
    for (const r of runs) {
      const c = r.countsByPhase[phase];
      if (!c) continue;
      for (const f of COUNT_FIELDS) sum[f] += c[f] ?? 0;
      for (const [k, v] of Object.entries(c.ioctls ?? {})) ioctlSums[k] = (ioctlSums[k] ?? 0) + v;
    }
    for (const f of COUNT_FIELDS) sum[f] /= n;
    sum.ioctls = Object.fromEntries(
      Object.keys(ioctlSums)
        .sort(cmpStr)
        .map((k) => [k, ioctlSums[k]! / n]),
    );
    out[phase] = sum;
  }
  return out;
}

/** A copy of a plain object with keys sorted recursively (stable JSON). */
function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => sortKeys(v)) as T;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort(cmpStr)
        .map((k) => [k, sortKeys(o[k])]),
    ) as T;
  }
  return value;
}
