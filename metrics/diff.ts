// diff.ts — a criterion-style change report between two result documents: per variant (matched by
// scenario and variant id, that is named variant and sweep point) and metric, the old and new
// means, the relative change of the mean with its 95% interval, a Mann–Whitney p-value and a verdict.
//
// Change: mean(new) / mean(old) − 1, the interval from ratio.ts for independent samples (Welch).
// p: the two-sided Mann–Whitney U test of the new runs against the old (mannWhitney.ts, as the gate
// uses). Verdict, as criterion decides it (every metric here is better when smaller):
// - p < alpha and the whole interval above +noise: "regressed"; below −noise: "improved";
// - p < alpha but the interval reaches into ±noise: "no change" (within the noise threshold);
// - p >= alpha: "no change", unless the samples are too small for the test to ever reach alpha
//   (3 runs against 3 cannot: the smallest two-sided p is about 0.08) and the means differ:
//   "inconclusive" (run more replications).
// When the two documents hold one scenario each under different names, variants are matched by
// variant id alone. Two documents with no variant in common are an InputError.

import { InputError } from '../sim/tool/inputError.js';
import { didYouMean } from '../sim/notation/didYouMean.js';
import { groupRuns } from './aggregate.js';
import { mannWhitneyU } from './mannWhitney.js';
import { meanRatio } from './ratio.js';
import { percentileSorted } from './stats.js';
import type { ResultDocument, RunRecord } from './result.js';
import { aggregatesInOrder, runMetrics } from './runMetrics.js';
import { formatMetric } from './humanUnits.js';
import { mdCell } from './gateMarkdown.js';

export type DiffFormat = 'table' | 'markdown' | 'json';
export type Verdict = 'improved' | 'regressed' | 'no change' | 'inconclusive';

/** Metrics the report covers by default (those the documents have). */
export const DIFF_DEFAULT_METRICS: readonly string[] = ['downtime1', 'downtime2', 'observed', 'precopy', 'update', 'invalidate', 'setMapRebuilds', 'pagesPinned'];

/** Options of diffResults. */
export interface DiffOptions {
  /** Metrics to report (default DIFF_DEFAULT_METRICS present in either document). */
  metrics?: readonly string[];
  /** Relative change below which a significant difference is still "no change"; default 0.01. */
  noiseThreshold?: number;
  /** Significance level of the Mann–Whitney test; default 0.05. */
  alpha?: number;
}

/** One side of a metric's comparison. */
interface Side {
  runs: number;
  mean: number;
  p50: number;
  p99: number;
}

/** The change of one metric of one variant. */
export interface MetricChange {
  metric: string;
  old: Side;
  new: Side;
  /** mean(new) / mean(old) − 1 (0.05 = 5% larger). */
  change: number;
  /** 95% confidence interval of the change ([NaN, NaN] with fewer than 2 runs on a side). */
  ci95: [number, number];
  /** Two-sided Mann–Whitney p-value (1 when a side has no values). */
  p: number;
  verdict: Verdict;
  /** Why, in a few words. */
  reason: string;
}

/** The changes of one variant present in both documents. */
export interface VariantDiff {
  scenario: string;
  variant: string;
  /** The old document's scenario name, when it differs. */
  oldScenario?: string;
  metrics: MetricChange[];
}

/** The whole report. */
export interface DiffReport {
  old: string;
  new: string;
  alpha: number;
  noiseThreshold: number;
  /** Partial (interrupted) inputs: "old", "new". */
  partial: string[];
  variants: VariantDiff[];
  /** Variant keys ("<scenario>/<variant>") present in only one document. */
  onlyOld: string[];
  onlyNew: string[];
  counts: Record<Verdict, number>;
}

const VERDICTS: readonly Verdict[] = ['regressed', 'improved', 'no change', 'inconclusive'];

function side(values: readonly number[]): Side {
  if (values.length === 0) return { runs: 0, mean: NaN, p50: NaN, p99: NaN };
  const s = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of s) sum += v;
  return { runs: s.length, mean: sum / s.length, p50: percentileSorted(s, 50), p99: percentileSorted(s, 99) };
}

/** The smallest two-sided p the test can give for samples of these sizes (complete separation). */
function smallestP(nx: number, ny: number): number {
  if (nx === 0 || ny === 0) return 1;
  const x = Array.from({ length: nx }, (_, i) => ny + i);
  const y = Array.from({ length: ny }, (_, i) => i);
  return mannWhitneyU(x, y, 'two-sided').p;
}

function metricChange(metric: string, oldV: readonly number[], newV: readonly number[], alpha: number, noise: number): MetricChange {
  const o = side(oldV);
  const n = side(newV);
  const base = { metric, old: o, new: n };
  if (oldV.length === 0 || newV.length === 0) {
    return { ...base, change: NaN, ci95: [NaN, NaN], p: 1, verdict: 'inconclusive', reason: `no values in the ${oldV.length === 0 ? 'old' : 'new'} result` };
  }
  let change: number;
  let ci95: [number, number];
  if (o.mean === 0 && n.mean === 0) {
    change = 0;
    ci95 = [0, 0];
  } else {
    const r = meanRatio(newV, oldV, false);
    change = r.ratio - 1;
    ci95 = [r.ci95[0] - 1, r.ci95[1] - 1];
  }
  const p = mannWhitneyU(newV, oldV, 'two-sided').p;
  const pct = `${(noise * 100).toPrecision(2).replace(/\.?0+$/, '')}%`;
  if (p < alpha) {
    const lo = Number.isNaN(ci95[0]) ? change : ci95[0];
    const hi = Number.isNaN(ci95[1]) ? change : ci95[1];
    if (lo > noise) return { ...base, change, ci95, p, verdict: 'regressed', reason: `p < ${alpha}, interval above +${pct}` };
    if (hi < -noise) return { ...base, change, ci95, p, verdict: 'improved', reason: `p < ${alpha}, interval below -${pct}` };
    return { ...base, change, ci95, p, verdict: 'no change', reason: `within the noise threshold (±${pct})` };
  }
  if (change !== 0 && smallestP(newV.length, oldV.length) >= alpha) {
    return { ...base, change, ci95, p, verdict: 'inconclusive', reason: `${oldV.length} old and ${newV.length} new runs cannot reach p < ${alpha}: run more replications` };
  }
  return { ...base, change, ci95, p, verdict: 'no change', reason: `p >= ${alpha}` };
}

function valuesOf(runs: readonly RunRecord[], metric: string): number[] {
  const out: number[] = [];
  for (const r of runs) {
    const v = runMetrics(r)[metric];
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** The metric names the runs of a document have. */
function metricNames(doc: ResultDocument): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  for (const r of doc.runs) {
    const k = `${r.scenario}/${r.variant}`;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const m of Object.keys(runMetrics(r))) names.add(m);
  }
  return names;
}

/** Compare NEW against OLD. */
export function diffResults(oldIn: { name: string; doc: ResultDocument }, newIn: { name: string; doc: ResultDocument }, opts: DiffOptions = {}): DiffReport {
  const alpha = opts.alpha ?? 0.05;
  const noise = opts.noiseThreshold ?? 0.01;
  const oldKeys = aggregatesInOrder(oldIn.doc).map(([k]) => k);
  const newEntries = aggregatesInOrder(newIn.doc);
  // Variant ids alone when each document holds one scenario and the names differ.
  const oldNames = [...new Set(oldIn.doc.scenarios.map((s) => s.name))];
  const newNames = [...new Set(newIn.doc.scenarios.map((s) => s.name))];
  const renamed = oldNames.length === 1 && newNames.length === 1 && oldNames[0] !== newNames[0] ? oldNames[0] : undefined;
  const oldKeyOf = (scenario: string, variant: string) => `${renamed ?? scenario}/${variant}`;
  const oldSet = new Set(oldKeys);
  const matched = newEntries.filter(([, a]) => oldSet.has(oldKeyOf(a.scenario, a.variant)));
  if (matched.length === 0) {
    const list = (keys: string[]) => (keys.length === 0 ? 'none' : keys.length > 4 ? `${keys.slice(0, 4).join(', ')}, … (${keys.length})` : keys.join(', '));
    throw new InputError(`${oldIn.name} and ${newIn.name} share no variant (old: ${list(oldKeys)}; new: ${list(newEntries.map(([k]) => k))}): compare results of the same scenario`);
  }

  const oldMetrics = metricNames(oldIn.doc);
  const newMetrics = metricNames(newIn.doc);
  const known = [...new Set([...oldMetrics, ...newMetrics])].sort();
  let metrics: string[];
  if (opts.metrics !== undefined && opts.metrics.length > 0) {
    for (const m of opts.metrics) {
      if (!known.includes(m)) {
        const near = didYouMean(m, known);
        throw new InputError(`--metric: unknown metric ${JSON.stringify(m)}${near !== null ? ` (did you mean "${near}"?)` : ''} (the results have ${known.filter((k) => !/^downtime[12]\./.test(k)).join(', ')}, and downtime1.<count>, downtime2.<count>)`);
      }
    }
    metrics = [...new Set(opts.metrics)];
  } else metrics = DIFF_DEFAULT_METRICS.filter((m) => oldMetrics.has(m) || newMetrics.has(m));

  const oldGroups = groupRuns(oldIn.doc.runs);
  const newGroups = groupRuns(newIn.doc.runs);
  const variants: VariantDiff[] = matched.map(([key, a]) => {
    const ok = oldKeyOf(a.scenario, a.variant);
    const oldRuns = oldGroups.get(ok) ?? [];
    const newRuns = newGroups.get(key) ?? [];
    const v: VariantDiff = {
      scenario: a.scenario,
      variant: a.variant,
      metrics: metrics.map((m) => metricChange(m, valuesOf(oldRuns, m), valuesOf(newRuns, m), alpha, noise)),
    };
    if (renamed !== undefined) v.oldScenario = renamed;
    return v;
  });
  const matchedOld = new Set(matched.map(([, a]) => oldKeyOf(a.scenario, a.variant)));
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const v of variants) for (const m of v.metrics) counts[m.verdict]++;
  const partial = [oldIn.doc.partial === true ? 'old' : '', newIn.doc.partial === true ? 'new' : ''].filter((s) => s !== '');
  return {
    old: oldIn.name,
    new: newIn.name,
    alpha,
    noiseThreshold: noise,
    partial,
    variants,
    onlyOld: oldKeys.filter((k) => !matchedOld.has(k)),
    onlyNew: newEntries.map(([k]) => k).filter((k) => !matched.some(([mk]) => mk === k)),
    counts,
  };
}

/** "+12.3%", "-70.6%", "+4213%". */
function pct(v: number): string {
  if (Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '+∞%' : '-∞%';
  const x = v * 100;
  const text = Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
  return `${x >= 0 && !text.startsWith('-') ? '+' : ''}${text}%`;
}

function changeText(m: MetricChange): string {
  const [lo, hi] = m.ci95;
  return Number.isFinite(lo) && Number.isFinite(hi) ? `${pct(m.change)} (${pct(lo)} … ${pct(hi)})` : pct(m.change);
}

function pText(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

function summaryLine(r: DiffReport): string {
  const parts = VERDICTS.map((v) => `${r.counts[v]} ${v}`);
  let line = `${parts.join(', ')} (${r.variants.length} variant${r.variants.length === 1 ? '' : 's'} in both`;
  if (r.onlyOld.length > 0) line += `; only in old: ${r.onlyOld.join(', ')}`;
  if (r.onlyNew.length > 0) line += `; only in new: ${r.onlyNew.join(', ')}`;
  return `${line})`;
}

function headLine(r: DiffReport): string {
  const partial = r.partial.length > 0 ? `; partial (interrupted): ${r.partial.join(', ')}` : '';
  return `change of the mean, new ${r.new} against old ${r.old}, 95% CI; Mann–Whitney p (two-sided); alpha ${r.alpha}, noise threshold ±${(r.noiseThreshold * 100).toPrecision(3).replace(/\.?0+$/, '')}%${partial}`;
}

/** The report as a terminal table, Markdown or JSON. */
export function formatDiff(r: DiffReport, format: DiffFormat = 'table'): string {
  switch (format) {
    case 'json':
      return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
    case 'markdown': {
      const lines = [
        '## svqsim diff',
        '',
        headLine(r),
        '',
        '| variant | metric | old | new | change (95% CI) | p | verdict |',
        '| --- | --- | ---: | ---: | ---: | ---: | --- |',
      ];
      for (const v of r.variants) {
        for (const m of v.metrics) {
          const verdict = m.verdict === 'regressed' ? '**regressed**' : m.verdict === 'improved' ? '**improved**' : m.verdict;
          lines.push(
            `| ${[`${v.scenario}/${v.variant}`, m.metric, formatMetric(m.metric, m.old.mean), formatMetric(m.metric, m.new.mean), changeText(m), pText(m.p)].map(mdCell).join(' | ')} | ${verdict} |`,
          );
        }
      }
      lines.push('', summaryLine(r));
      return lines.join('\n') + '\n';
    }
    case 'table': {
      const out = [headLine(r)];
      for (const v of r.variants) {
        const n = v.metrics[0];
        const runs = n ? ` (${n.old.runs} → ${n.new.runs} runs)` : '';
        out.push('', `${v.scenario}/${v.variant}${v.oldScenario !== undefined ? ` (old scenario ${v.oldScenario})` : ''}${runs}`);
        const head = ['metric', 'old', 'new', 'change (95% CI)', 'p', 'verdict'];
        const body = v.metrics.map((m) => [m.metric, formatMetric(m.metric, m.old.mean), formatMetric(m.metric, m.new.mean), changeText(m), pText(m.p), m.verdict]);
        const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
        const line = (cs: string[]) => `  ${cs.map((c, i) => (i === 0 || i === cs.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
        out.push(line(head), ...body.map(line));
      }
      out.push('', summaryLine(r));
      return out.join('\n') + '\n';
    }
    default:
      throw new InputError(`--format ${String(format)}: expected table, markdown or json`);
  }
}
