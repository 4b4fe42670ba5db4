// compare.ts — side-by-side comparison of variants: downtime percentiles, ratios to a baseline variant, counts.
//
// Rows follow the aggregate key order of each document (documents in the order given). The
// ratio columns divide the chosen metric's p50 and p99 by those of the baseline variant of the
// same scenario: the variant named by `baseline` (a variant name or "<scenario>/<variant>"),
// by default the scenario's first variant. Counts are mean whole-run totals per replication.

import { InputError } from '../sim/tool/inputError.js';
import { groupRuns } from './aggregate.js';
import type { ResultDocument, VariantAggregate } from './result.js';
import { aggregatesInOrder, runMetrics } from './runMetrics.js';
import { terminalHistogram } from './terminalChart.js';
import { formatMs } from './display.js';
import { mdCell } from './gateMarkdown.js';

export type CompareFormat = 'table' | 'md' | 'json' | 'csv';

/** Options of compareResults. */
export interface CompareOptions {
  /** Baseline variant name or key; default the first variant of each scenario. */
  baseline?: string;
  /** Metric of the ratio columns and the histograms; default "downtime2". */
  metric?: string;
  format?: CompareFormat;
}

/** One row of the comparison (times in ns). */
export interface CompareRow {
  key: string;
  scenario: string;
  variant: string;
  runs: number;
  downtime1: DowntimeCells;
  downtime2: DowntimeCells;
  /** Baseline variant key the ratios refer to. */
  baseline: string;
  ratioP50: number;
  ratioP99: number;
  update: number;
  invalidate: number;
  setMapRebuilds: number;
  pagesPinned: number;
}

/** Percentiles of one downtime, ns. */
interface DowntimeCells {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

const COUNT_COLUMNS = ['update', 'invalidate', 'setMapRebuilds', 'pagesPinned'] as const;

function cells(agg: VariantAggregate, m: string): DowntimeCells {
  const s = agg.metrics[m];
  return s ? { p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, mean: s.mean } : { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
}

/** The comparison rows. */
export function compareRows(docs: readonly ResultDocument[], opts: CompareOptions = {}): CompareRow[] {
  const metric = opts.metric ?? 'downtime2';
  const aggs: VariantAggregate[] = [];
  const seen = new Set<string>();
  for (const d of docs) {
    for (const [key, a] of aggregatesInOrder(d)) {
      if (seen.has(key)) throw new InputError(`variant ${key} appears in more than one result (merge shards with svqsim merge first)`);
      seen.add(key);
      aggs.push(a);
    }
  }
  if (aggs.length === 0) throw new InputError('no variants to compare');
  if (!aggs.some((a) => a.metrics[metric])) throw new InputError(`--metric ${metric}: no variant has this metric`);
  if (opts.baseline && !aggs.some((a) => a.variant === opts.baseline || `${a.scenario}/${a.variant}` === opts.baseline)) {
    throw new InputError(`--baseline ${opts.baseline}: no such variant (have ${aggs.map((a) => a.variant).join(', ')})`);
  }
  const baseOf = (scenario: string): VariantAggregate => {
    // Called with the scenario of a variant in aggs, so inScenario is never empty.
    const inScenario = aggs.filter((a) => a.scenario === scenario);
    return inScenario.find((a) => a.variant === opts.baseline || `${a.scenario}/${a.variant}` === opts.baseline) ?? inScenario[0]!;
  };
  return aggs.map((a) => {
    const b = baseOf(a.scenario);
    const cur = a.metrics[metric];
    const base = b.metrics[metric];
    const row: CompareRow = {
      key: `${a.scenario}/${a.variant}`,
      scenario: a.scenario,
      variant: a.variant,
      runs: a.runs,
      downtime1: cells(a, 'downtime1'),
      downtime2: cells(a, 'downtime2'),
      baseline: `${b.scenario}/${b.variant}`,
      ratioP50: cur && base ? cur.p50 / base.p50 : NaN,
      ratioP99: cur && base ? cur.p99 / base.p99 : NaN,
      update: a.metrics.update?.mean ?? NaN,
      invalidate: a.metrics.invalidate?.mean ?? NaN,
      setMapRebuilds: a.metrics.setMapRebuilds?.mean ?? NaN,
      pagesPinned: a.metrics.pagesPinned?.mean ?? NaN,
    };
    return row;
  });
}

const HEAD = [
  'variant',
  'runs',
  'dt1 p50 ms',
  'dt1 p90 ms',
  'dt1 p99 ms',
  'dt1 max ms',
  'dt1 mean ms',
  'dt2 p50 ms',
  'dt2 p90 ms',
  'dt2 p99 ms',
  'dt2 max ms',
  'dt2 mean ms',
];

function textCells(r: CompareRow): string[] {
  const dt = (d: DowntimeCells) => [d.p50, d.p90, d.p99, d.max, d.mean].map((v) => formatMs(v, 1));
  const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(3)}×` : '—');
  const count = (v: number) => (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : '—');
  return [r.key, String(r.runs), ...dt(r.downtime1), ...dt(r.downtime2), ratio(r.ratioP50), ratio(r.ratioP99), ...COUNT_COLUMNS.map((c) => count(r[c]))];
}

function header(metric: string): string[] {
  return [...HEAD, `${metric} p50 ratio`, `${metric} p99 ratio`, 'UPDATE', 'INVALIDATE', 'rebuilds', 'pages pinned'];
}

/** The comparison in the requested format (terminal table with histograms, Markdown, JSON, CSV). */
export function compareResults(docs: readonly ResultDocument[], opts: CompareOptions = {}): string {
  const metric = opts.metric ?? 'downtime2';
  const rows = compareRows(docs, opts);
  const format = opts.format ?? 'table';
  switch (format) {
    case 'json':
      return JSON.stringify({ metric, rows }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
    case 'csv': {
      const cols = [
        'scenario',
        'variant',
        'runs',
        ...['downtime1', 'downtime2'].flatMap((d) => ['p50', 'p90', 'p99', 'max', 'mean'].map((s) => `${d}_${s}_ns`)),
        'baseline',
        `${metric}_p50_ratio`,
        `${metric}_p99_ratio`,
        ...COUNT_COLUMNS.map((c) => `${c}_mean`),
      ];
      const q = (v: string | number) => {
        const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
        return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
      };
      const lines = rows.map((r) =>
        [
          r.scenario,
          r.variant,
          r.runs,
          ...[r.downtime1, r.downtime2].flatMap((d) => [d.p50, d.p90, d.p99, d.max, d.mean]),
          r.baseline,
          r.ratioP50,
          r.ratioP99,
          ...COUNT_COLUMNS.map((c) => r[c]),
        ]
          .map(q)
          .join(','),
      );
      return [cols.join(','), ...lines].join('\n') + '\n';
    }
    case 'md': {
      const h = header(metric);
      return (
        [
          `| ${h.join(' | ')} |`,
          `| ${h.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
          ...rows.map((r) => `| ${textCells(r).map(mdCell).join(' | ')} |`),
        ].join('\n') + '\n'
      );
    }
    case 'table': {
      const h = header(metric);
      const body = rows.map((r) => textCells(r));
      // Every body row has one cell per header column.
      const widths = h.map((c, i) => Math.max(c.length, ...body.map((b) => b[i]!.length)));
      const line = (cs: string[]) => cs.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
      let out = [line(h), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n';
      const groups = new Map<string, number[]>();
      for (const d of docs) {
        for (const [key, runs] of groupRuns(d.runs)) {
          groups.set(
            key,
            runs.map((r) => runMetrics(r)[metric]).filter((v): v is number => v !== undefined),
          );
        }
      }
      for (const r of rows) {
        out += `\n${metric} — ${r.key} (${r.runs} runs)\n`;
        out += terminalHistogram(groups.get(r.key) ?? []);
      }
      return out;
    }
    default:
      throw new InputError(`--format ${String(format)}: expected table, md, json or csv`);
  }
}
