// compare.ts — side-by-side comparison of variants: downtime percentiles, the ratio to a baseline
// variant at the same sweep point with a 95% confidence interval, map/unmap and pinning counts.
//
// Rows follow each scenario's own variant order (documents and scenarios in the order given).
// Each row is paired with a baseline of its own scenario: `--baseline` names a variant
// ("baseline"), and the row's sweep point is matched, so `all-strategies/memory=1TiB` is divided
// by `baseline/memory=1TiB`; it may also fix some sweep parameters ("profile=vdpa_sim",
// "baseline/profile=mlx5": the other parameters are matched) or name one variant exactly
// ("baseline/memory=16GiB", optionally prefixed with "<scenario>/"). By default the baseline is the
// scenario's first named variant at the same sweep point, or, without named variants, its first
// sweep point. The ratio is mean(variant) / mean(baseline) of the chosen metric, with the 95%
// interval of ratio.ts (paired by replication when both ran the same replication streams, as the
// variants of one scenario do). Counts are mean per-run totals.

import { InputError } from '../sim/tool/inputError.js';
import { didYouMean } from '../sim/notation/didYouMean.js';
import { groupRuns } from './aggregate.js';
import type { ResultDocument, RunRecord, Stats, VariantAggregate } from './result.js';
import { aggregatesInOrder, isTimeMetric, runMetrics } from './runMetrics.js';
import { terminalHistogram } from './terminalChart.js';
import { mdCell } from './gateMarkdown.js';
import { meanRatio } from './ratio.js';
import { csvRecord } from './csv.js';
import { formatMetric, shortMetricName } from './humanUnits.js';
import { joinVariantId, sweepPairs, variantParts, type VariantParts } from './variantId.js';

export type CompareFormat = 'table' | 'md' | 'json' | 'csv';

/** Options of compareResults. */
export interface CompareOptions {
  /** Baseline: a variant name, sweep parameters, or a variant id; default per scenario (see above). */
  baseline?: string;
  /** Metric of the ratio columns and the histograms; default "downtime2". */
  metric?: string;
  format?: CompareFormat;
  /** Columns of the table and Markdown formats (default COMPARE_DEFAULT_COLUMNS, fitted to `width`). */
  columns?: readonly string[];
  /** Terminal width the default table columns are fitted to (default 120). */
  width?: number;
  /** Terminal histograms after the table (default true). */
  histograms?: boolean;
}

/** Ratio of means of the compared metric to the baseline's, with its 95% interval. */
export interface CompareRatio {
  mean: number;
  ci95: [number, number];
  /** Paired by replication (the same replication streams in both). */
  paired: boolean;
}

/** One row of the comparison (times in ns, pin counts in 4 KiB pages). */
export interface CompareRow {
  key: string;
  scenario: string;
  variant: string;
  /** The named variant (null for a sweep point of a scenario without named variants). */
  name: string | null;
  /** The sweep values of the variant. */
  params: Record<string, unknown>;
  runs: number;
  downtime1: DowntimeCells;
  downtime2: DowntimeCells;
  /** Key of the baseline variant the ratios refer to; null when the baseline has no such sweep point. */
  baseline: string | null;
  /** Ratio of means with its interval (NaN without a baseline). */
  ratio: CompareRatio;
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

/** The table's columns when --columns is not given, in display order. */
export const COMPARE_DEFAULT_COLUMNS: readonly string[] = [
  'runs',
  'downtime1.p50',
  'downtime1.p99',
  'downtime2.p50',
  'downtime2.p99',
  'ratio',
  'downtime1.pagesPinned',
  'downtime2.pagesPinned',
  'setMapRebuilds',
  'update',
  'invalidate',
];

/** Default columns added when the runs took page faults (the pageFaults strategy). */
const PAGE_FAULT_COLUMNS: readonly string[] = ['pageFaults', 'pageFaults.postSwitchover', 'faultLatencyP99', 'faultStall'];

/** Which default columns go first when the table is wider than the terminal. */
const DROP_ORDER: readonly string[] = [
  'invalidate',
  'update',
  'faultStall',
  'faultLatencyP99',
  'pageFaults',
  'setMapRebuilds',
  'downtime1.p99',
  'downtime2.p99',
  'runs',
  'downtime1.pagesPinned',
  'downtime2.pagesPinned',
  'downtime1.p50',
];

const STATS = ['p50', 'p90', 'p99', 'p99.9', 'min', 'max', 'mean', 'stdev', 'count'] as const;
type StatName = (typeof STATS)[number];
const SPECIAL_COLUMNS = ['runs', 'ratio', 'ratio.p50', 'ratio.p99', 'baseline'] as const;
const ALIASES: Record<string, string> = { dt1: 'downtime1', dt2: 'downtime2', obs: 'observed', rebuilds: 'setMapRebuilds', pinned: 'pagesPinned' };

/** One variant with what the comparison needs of it. */
interface Entry {
  key: string;
  agg: VariantAggregate;
  parts: VariantParts;
  runs: RunRecord[];
}

/** A parsed --baseline: a named variant (undefined: the row's own), and sweep values to fix. */
interface BaselineSpec {
  name?: string | null;
  pairs: [string, string][];
}

function parseBaseline(text: string, scenario: string): BaselineSpec | null {
  const t = text.startsWith(`${scenario}/`) ? text.slice(scenario.length + 1) : text;
  const slash = t.lastIndexOf('/');
  if (slash >= 0) {
    const pairs = sweepPairs(t.slice(slash + 1));
    return pairs === null ? null : { name: t.slice(0, slash), pairs };
  }
  const pairs = sweepPairs(t);
  if (pairs !== null && pairs.length > 0) return { pairs };
  return { name: t, pairs: [] };
}

/** The baseline's id for a row, or null when the spec fixes a parameter the row does not have. */
function baselineId(spec: BaselineSpec, row: VariantParts): string | null {
  const pairs = row.pairs.map(([k, v]): [string, string] => [k, v]);
  for (const [k, v] of spec.pairs) {
    const i = pairs.findIndex(([pk]) => pk === k);
    if (i < 0) return null;
    pairs[i] = [k, v];
  }
  return joinVariantId(spec.name !== undefined ? spec.name : row.name, pairs);
}

/** How the caption names the baseline of a scenario. */
function describeBaseline(spec: BaselineSpec, entries: readonly Entry[]): string {
  const fixed = new Set(spec.pairs.map(([k]) => k));
  const matched = [...new Set(entries.flatMap((e) => e.parts.pairs.map(([k]) => k)))].filter((k) => !fixed.has(k));
  const point = spec.pairs.map(([k, v]) => `${k}=${v}`).join(',');
  const named = entries.some((e) => e.parts.name !== null);
  let what: string;
  if (spec.name === undefined) what = named ? `the same variant at ${point}` : point;
  else what = [spec.name ?? '', point].filter((s) => s !== '').join('/');
  return matched.length > 0 ? `${what} at the same ${matched.join(', ')}` : what;
}

function statOf(s: Stats, stat: StatName): number {
  switch (stat) {
    case 'p99.9':
      return s.p999;
    default:
      return s[stat];
  }
}

function cells(agg: VariantAggregate, m: string): DowntimeCells {
  const s = agg.metrics[m];
  return s ? { p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, mean: s.mean } : { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
}

/** Values of `metric` of each run (in replication order), with the runs' replications and seeds. */
function values(runs: readonly RunRecord[], metric: string): { v: number[]; reps: string } {
  const v: number[] = [];
  const reps: string[] = [];
  for (const r of runs) {
    const x = runMetrics(r)[metric];
    if (x === undefined) continue;
    v.push(x);
    reps.push(`${r.replication}:${r.seed}`);
  }
  return { v, reps: reps.join(',') };
}

interface Compared {
  row: CompareRow;
  entry: Entry;
  isBaseline: boolean;
}

interface ScenarioGroup {
  scenario: string;
  caption: string;
  rows: Compared[];
}

/** The row of `e` against its baseline `b` (absent: no baseline at this sweep point). */
function compareRow(e: Entry, b: Entry | undefined, metric: string): CompareRow {
  const cur = e.agg.metrics[metric];
  const base = b?.agg.metrics[metric];
  let ratio: CompareRatio = { mean: NaN, ci95: [NaN, NaN], paired: false };
  if (b && cur && base) {
    const x = values(e.runs, metric);
    const y = values(b.runs, metric);
    if (x.v.length > 0 && y.v.length > 0) {
      const r = meanRatio(x.v, y.v, x.reps === y.reps);
      ratio = { mean: r.ratio, ci95: r.ci95, paired: r.paired };
    } else ratio = { mean: cur.mean / base.mean, ci95: [NaN, NaN], paired: false };
  }
  return {
    key: e.key,
    scenario: e.agg.scenario,
    variant: e.agg.variant,
    name: e.parts.name,
    params: e.agg.params,
    runs: e.agg.runs,
    downtime1: cells(e.agg, 'downtime1'),
    downtime2: cells(e.agg, 'downtime2'),
    baseline: b ? b.key : null,
    ratio,
    ratioP50: cur && base ? cur.p50 / base.p50 : NaN,
    ratioP99: cur && base ? cur.p99 / base.p99 : NaN,
    update: e.agg.metrics.update?.mean ?? NaN,
    invalidate: e.agg.metrics.invalidate?.mean ?? NaN,
    setMapRebuilds: e.agg.metrics.setMapRebuilds?.mean ?? NaN,
    pagesPinned: e.agg.metrics.pagesPinned?.mean ?? NaN,
  };
}

/** Rows grouped by scenario, in reading order. */
function compareGroups(docs: readonly ResultDocument[], opts: CompareOptions): ScenarioGroup[] {
  const metric = opts.metric ?? 'downtime2';
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const d of docs) {
    const groups = groupRuns(d.runs);
    for (const [key, agg] of aggregatesInOrder(d)) {
      if (seen.has(key)) throw new InputError(`variant ${key} appears in more than one result (merge shards with svqsim merge first)`);
      seen.add(key);
      entries.push({ key, agg, parts: variantParts(agg.variant), runs: groups.get(key) ?? [] });
    }
  }
  if (entries.length === 0) throw new InputError('no variants to compare');
  if (!entries.some((e) => e.agg.metrics[metric])) {
    const known = [...new Set(entries.flatMap((e) => Object.keys(e.agg.metrics)))];
    const near = didYouMean(metric, known);
    throw new InputError(`--metric ${metric}: no variant has this metric${near !== null ? ` (did you mean "${near}"?)` : ''}`);
  }
  const scenarios: string[] = [];
  for (const e of entries) if (!scenarios.includes(e.agg.scenario)) scenarios.push(e.agg.scenario);

  const out: ScenarioGroup[] = [];
  let specMatched = false;
  for (const scenario of scenarios) {
    const inScenario = entries.filter((e) => e.agg.scenario === scenario);
    const byId = new Map(inScenario.map((e) => [e.agg.variant, e]));
    const first = inScenario[0]!; // the scenario came from an entry
    const fallback: BaselineSpec = first.parts.name !== null ? { name: first.parts.name, pairs: [] } : { pairs: first.parts.pairs };
    let spec = fallback;
    if (opts.baseline !== undefined) {
      const asked = parseBaseline(opts.baseline, scenario);
      if (asked !== null && inScenario.some((e) => byId.has(baselineId(asked, e.parts) ?? '\0'))) {
        spec = asked;
        specMatched = true;
      }
    }
    const rows = inScenario.map((e): Compared => {
      const id = baselineId(spec, e.parts);
      const b = id === null ? undefined : byId.get(id);
      return { row: compareRow(e, b, metric), entry: e, isBaseline: b === e };
    });
    const caption = `${scenario}: ratio = mean ${metric} / that of ${describeBaseline(spec, inScenario)} (95% CI)`;
    out.push({ scenario, caption, rows });
  }
  if (opts.baseline !== undefined && !specMatched) {
    const names = [...new Set(entries.map((e) => e.parts.name).filter((n): n is string => n !== null))];
    const labels = [...new Set(entries.flatMap((e) => e.parts.pairs.map(([k]) => k)))];
    const have = [names.length > 0 ? `variants ${names.join(', ')}` : '', labels.length > 0 ? `sweep parameters ${labels.join(', ')}` : ''].filter((s) => s !== '');
    throw new InputError(`--baseline ${opts.baseline}: no such variant or sweep point (have ${have.join('; ')})`);
  }
  return out;
}

/** The comparison rows, in reading order. */
export function compareRows(docs: readonly ResultDocument[], opts: CompareOptions = {}): CompareRow[] {
  return compareGroups(docs, opts).flatMap((g) => g.rows.map((c) => c.row));
}

/** A table or Markdown column. */
interface Column {
  id: string;
  header: string;
  cell: (c: Compared) => string;
}

function ratioText(v: number): string {
  return Number.isFinite(v) ? `${v.toPrecision(3)}×` : '—';
}

/** The column `id` names, or an InputError that says which ids there are. */
function column(id: string, metric: string, known: readonly string[]): Column {
  const m = shortMetricName(metric);
  switch (id) {
    case 'runs':
      return { id, header: 'runs', cell: (c) => String(c.row.runs) };
    case 'baseline':
      return { id, header: 'baseline', cell: (c) => (c.row.baseline === null ? '—' : c.row.baseline.slice(c.row.scenario.length + 1)) };
    case 'ratio':
      return {
        id,
        header: `${m} ratio (95% CI)`,
        cell: (c) => {
          if (c.isBaseline) return 'baseline';
          const r = c.row.ratio;
          if (!Number.isFinite(r.mean)) return '—';
          const [lo, hi] = r.ci95;
          return Number.isFinite(lo) && Number.isFinite(hi) ? `${ratioText(r.mean)} (${lo.toPrecision(3)}–${hi.toPrecision(3)})` : ratioText(r.mean);
        },
      };
    case 'ratio.p50':
    case 'ratio.p99':
      return { id, header: `${m} ${id.slice(6)} ratio`, cell: (c) => (c.isBaseline ? 'baseline' : ratioText(id === 'ratio.p50' ? c.row.ratioP50 : c.row.ratioP99)) };
    case 'failures.mean':
      // The share of the variant's runs whose migration failed, as a percentage.
      return { id, header: 'failed', cell: (c) => `${+((c.entry.agg.metrics.failures?.mean ?? 0) * 100).toFixed(1)}%` };
  }
  const full = (name: string) => ALIASES[name] ?? name;
  let name: string;
  let stat: StatName;
  const bare = full(id);
  if (known.includes(bare)) {
    name = bare;
    stat = 'mean';
  } else {
    const s = STATS.find((st) => id.endsWith(`.${st}`));
    const base = s === undefined ? id : full(id.slice(0, -s.length - 1));
    if (s === undefined || !known.includes(base)) {
      const names = [...known, ...Object.keys(ALIASES)];
      const candidates = [...SPECIAL_COLUMNS, ...names, ...names.flatMap((k) => STATS.map((st) => `${k}.${st}`))];
      const near = didYouMean(id, candidates);
      const top = known.filter((k) => !/^downtime[12]\./.test(k) || k.endsWith('.observed'));
      throw new InputError(
        `--columns: unknown column ${JSON.stringify(id)}${near !== null ? ` (did you mean "${near}"?)` : ''}: a column is one of ${SPECIAL_COLUMNS.join(', ')}, a metric (its mean) or <metric>.<stat> (${STATS.join(', ')}); metrics: ${top.sort().join(', ')}, and downtime1.<count>, downtime2.<count> for the counts inside each window`,
      );
    }
    name = base;
    stat = s;
  }
  const header = stat === 'mean' && !isTimeMetric(name) ? shortMetricName(name) : `${shortMetricName(name)} ${stat}`;
  return {
    id,
    header,
    cell: (c) => {
      const s = c.entry.agg.metrics[name];
      return s ? formatMetric(name, statOf(s, stat), stat) : '—';
    },
  };
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(' ')) {
    if (cur !== '' && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur === '' ? w : `${cur} ${w}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

/** Lay out a text table (first column left-aligned, others right-aligned). */
function layout(head: readonly string[], body: readonly string[][]): { lines: string[]; width: number } {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cs: readonly string[]) => cs.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return { lines: [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)], width: widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1) };
}

/** The CSV format: every value at full precision. */
function compareCsv(rows: readonly CompareRow[], metric: string): string {
  const head = [
    'scenario',
    'variant',
    'runs',
    ...['downtime1', 'downtime2'].flatMap((d) => ['p50', 'p90', 'p99', 'max', 'mean'].map((s) => `${d}_${s}_ns`)),
    'baseline',
    `${metric}_mean_ratio`,
    `${metric}_mean_ratio_ci95_lo`,
    `${metric}_mean_ratio_ci95_hi`,
    `${metric}_p50_ratio`,
    `${metric}_p99_ratio`,
    ...COUNT_COLUMNS.map((c) => `${c}_mean`),
  ];
  const record = (r: CompareRow) =>
    csvRecord([
      r.scenario,
      r.variant,
      r.runs,
      ...[r.downtime1, r.downtime2].flatMap((d) => [d.p50, d.p90, d.p99, d.max, d.mean]),
      r.baseline === null ? '' : r.baseline.slice(r.scenario.length + 1),
      r.ratio.mean,
      r.ratio.ci95[0],
      r.ratio.ci95[1],
      r.ratioP50,
      r.ratioP99,
      ...COUNT_COLUMNS.map((c) => r[c]),
    ]);
  return csvRecord(head) + rows.map(record).join('');
}

/** The table and Markdown columns: those asked for, else the default set (of the metrics there are). */
function chosenColumns(groups: readonly ScenarioGroup[], opts: CompareOptions, metric: string): Column[] {
  const known = [...new Set(groups.flatMap((g) => g.rows.flatMap((c) => Object.keys(c.entry.agg.metrics))))];
  const defaults = COMPARE_DEFAULT_COLUMNS.filter((id) => SPECIAL_COLUMNS.includes(id as (typeof SPECIAL_COLUMNS)[number]) || known.includes(id.replace(/\.p\d+$/, '')));
  if (known.includes('pageFaults')) defaults.push(...PAGE_FAULT_COLUMNS);
  // Failed migrations are shown by default when some variant had any (their share per variant).
  const failed = groups.some((g) => g.rows.some((c) => (c.entry.agg.metrics.failures?.mean ?? 0) > 0));
  const ids = opts.columns ?? (failed ? [defaults[0]!, 'failures.mean', ...defaults.slice(1)] : defaults);
  return ids.map((id) => column(id, metric, known));
}

function render(g: ScenarioGroup, cs: readonly Column[]): { lines: string[]; width: number } {
  return layout(['variant', ...cs.map((c) => c.header)], g.rows.map((r) => [r.row.variant, ...cs.map((c) => c.cell(r))]));
}

/** The Markdown format: a caption and a table per scenario. */
function compareMarkdown(groups: readonly ScenarioGroup[], cols: readonly Column[]): string {
  const head = ['variant', ...cols.map((c) => c.header)];
  const parts = groups.map((g) =>
    [
      g.caption,
      '',
      `| ${head.map(mdCell).join(' | ')} |`,
      `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
      ...g.rows.map((r) => `| ${[r.row.variant, ...cols.map((c) => c.cell(r))].map(mdCell).join(' | ')} |`),
    ].join('\n'),
  );
  return parts.join('\n\n') + '\n';
}

/** The terminal format: the default column set loses its least important columns until it fits. */
function compareTable(groups: readonly ScenarioGroup[], columns: Column[], opts: CompareOptions, metric: string): string {
  const width = opts.width ?? 120;
  let cols = columns;
  const hidden: string[] = [];
  if (opts.columns === undefined) {
    const fits = () => groups.every((g) => render(g, cols).width <= width);
    for (const id of DROP_ORDER) {
      if (fits()) break;
      const i = cols.findIndex((c) => c.id === id);
      if (i < 0) continue;
      hidden.push(cols[i]!.header);
      cols = cols.filter((_, j) => j !== i);
    }
  }
  let out = groups.map((g) => [...wrap(g.caption, width), ...render(g, cols).lines].join('\n')).join('\n\n') + '\n';
  if (hidden.length > 0) out += wrap(`(not shown to fit ${width} columns: ${hidden.join(', ')}; choose with --columns)`, width).join('\n') + '\n';
  if (opts.histograms !== false) {
    const barWidth = Math.max(10, Math.min(40, width - 40));
    for (const g of groups) {
      for (const { row, entry } of g.rows) {
        out += `\n${metric} — ${row.key} (${row.runs} runs)\n`;
        out += terminalHistogram(values(entry.runs, metric).v, 10, barWidth);
      }
    }
  }
  return out;
}

/** The comparison in the requested format (terminal table with histograms, Markdown, JSON, CSV). */
export function compareResults(docs: readonly ResultDocument[], opts: CompareOptions = {}): string {
  const metric = opts.metric ?? 'downtime2';
  const format = opts.format ?? 'table';
  if (!['table', 'md', 'json', 'csv'].includes(format)) throw new InputError(`--format ${String(format)}: expected table, md, json or csv`);
  const groups = compareGroups(docs, opts);
  const rows = groups.flatMap((g) => g.rows.map((c) => c.row));
  switch (format) {
    case 'json':
      return JSON.stringify({ metric, rows }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
    case 'csv':
      return compareCsv(rows, metric);
    case 'md':
      return compareMarkdown(groups, chosenColumns(groups, opts, metric));
    default:
      return compareTable(groups, chosenColumns(groups, opts, metric), opts, metric);
  }
}
