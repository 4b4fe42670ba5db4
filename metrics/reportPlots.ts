// reportPlots.ts — vega-lite specifications of the report's plots, rendered to standalone SVG in Node.
//
// Every plot of a section colours by variant through the section's one scale (explicit domain and
// range, reportColours.ts), so a variant has the same colour everywhere. Labels and legends are
// never truncated (labelLimit 0), legends wrap into as many columns as fit the plot's width, and
// count axes step by whole runs. The SVGs are drawn for a page WIDTH px wide and scale with it
// (report.ts makes them width 100% of their box).

import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Palette } from './reportColours.js';

/** Width in px of a full-width plot (the report's content width), and of a half-width one. */
export const WIDTH = 1180;
export const HALF_WIDTH = 580;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';
const CONFIG = {
  font: FONT,
  title: { fontSize: 14, anchor: 'start' as const, offset: 8 },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0, titleLimit: 0 },
  legend: { labelFontSize: 12, labelLimit: 0, titleLimit: 0, symbolStrokeWidth: 3 },
  header: { labelFontSize: 12, labelLimit: 0 },
  view: { stroke: '#ddd' },
};

// Advance widths (em) of DejaVu Sans, the widest of the usual sans-serif fonts (and Chromium's on
// Debian): layouts made with them leave room for the text in any of those fonts. Vega's own
// estimate without a canvas (0.8 em a character) overstates ordinary text by about a third, which
// made titles and legends push plots into a fraction of their box.
const EM: Record<string, number> = {};
const setWidths = (chars: string, em: number) => {
  for (const c of chars) EM[c] = em;
};
setWidths('0123456789', 0.636);
setWidths('abdeghnopqu', 0.634);
setWidths('c', 0.55);
setWidths('fj', 0.352);
setWidths('il', 0.278);
setWidths('k', 0.579);
setWidths('m', 0.974);
setWidths('r', 0.411);
setWidths('s', 0.521);
setWidths('t', 0.392);
setWidths('vxy', 0.592);
setWidths('w', 0.818);
setWidths('z', 0.525);
setWidths('ABCKPRSVXYZ', 0.7);
setWidths('DGHNOQU', 0.79);
setWidths('EFLT', 0.632);
setWidths('IJ', 0.295);
setWidths('M', 0.863);
setWidths('W', 0.989);
setWidths(" .,:;'|!", 0.337);
setWidths('-()[]{}/\\', 0.39);
setWidths('_*–"', 0.5);
setWidths('=+<>~#×^', 0.838);
setWidths('%', 0.95);
setWidths('&', 0.78);
setWidths('@—…', 1.0);
setWidths('µ·', 0.636);

/** Width in px of a text in the plots' font (DejaVu Sans widths, bold 12% wider, plus 4%). */
export function textWidth(text: string, fontSize = 11, bold = false): number {
  let em = 0;
  for (const c of text) em += EM[c] ?? ((c.codePointAt(0) ?? 0) >= 0x2e80 ? 1 : 0.7);
  return Math.ceil(em * fontSize * (bold ? 1.12 : 1) * 1.04);
}

type TextMetrics = { width: (item: { fontSize?: number; fontWeight?: string | number }, text?: string | number | null) => number };

/**
 * Vega lays out axes, legends and titles with textMetrics.width; in Node (no canvas) it is a flat
 * estimate. Make it the table above (once, for this process's vega).
 */
function useTextTable(): void {
  const metrics = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;
  const width: TextMetrics['width'] = (item, text) => {
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const weight = item.fontWeight;
    const bold = weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
    return textWidth(text == null ? '' : String(text).trim(), size, bold);
  };
  metrics.width = width;
}

/** Render a vega-lite spec to an SVG string (no browser, no network). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  useTextTable();
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const colourScale = (p: Palette) => ({ domain: p.domain, range: p.range });

/** Log axis when the values span a factor of 10 or more (and are all positive). */
export function wantsLog(values: readonly number[]): boolean {
  const pos = values.filter((v) => v > 0);
  if (pos.length < values.length || pos.length === 0) return false;
  return Math.max(...pos) / Math.min(...pos) >= 10;
}

/** The x axis (ms) the plots of one downtime share: scale, domain, and the width left of the plot. */
export interface MsAxis {
  /** "downtime #1". */
  what: string;
  log: boolean;
  domain: [number, number];
  /** Width in px of the y axis labels of every plot of the downtime, so their x axes line up. */
  gutter: number;
}

/** The shared axis of a downtime's plots: its values (ms) and the variant labels (the widest y labels). */
export function msAxis(what: string, values: readonly number[], labels: readonly string[]): MsAxis {
  const log = wantsLog(values);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (log) {
    lo /= 1.08;
    hi *= 1.08;
  } else {
    const pad = hi > lo ? (hi - lo) * 0.04 : Math.max(Math.abs(lo) * 0.01, 1e-3);
    lo = Math.max(0, lo - pad);
    hi += pad;
  }
  return { what, log, domain: [lo, hi], gutter: Math.max(40, ...labels.map((l) => textWidth(l))) + 8 };
}

const msScale = (log: boolean) => (log ? { type: 'log' as const } : { zero: false });
const msTitle = (what: string, log: boolean) => `${what} (ms${log ? ', log scale' : ''})`;
const sharedX = (a: MsAxis) => ({ type: 'quantitative' as const, scale: { ...msScale(a.log), domain: a.domain, nice: false }, title: msTitle(a.what, a.log) });
/** A y axis exactly `gutter` px wide (labels and ticks), so the plots of a downtime line up. */
const fixedY = (a: MsAxis) => ({ minExtent: a.gutter, maxExtent: a.gutter });
/** The plot width of a full-width plot with the given gutter (title, axis, padding beside it). */
const plotWidth = (a: MsAxis) => WIDTH - a.gutter - 40;

/** A bottom legend wrapped into the columns that fit `width`. */
function legendFor(labels: readonly string[], width: number) {
  const colWidth = Math.max(...labels.map((l) => textWidth(l, 12)), 20) + 44;
  const columns = Math.max(1, Math.min(labels.length, Math.floor(width / colWidth)));
  return { orient: 'bottom' as const, direction: 'horizontal' as const, columns, title: null, symbolType: 'stroke', columnPadding: 16, rowPadding: 6 };
}

/** Every run of every variant on one axis: a box (min, quartiles, median, max) and a tick per run. */
export function distributionSpec(title: string, samples: { variant: string; ms: number }[], palette: Palette, axis: MsAxis): TopLevelSpec {
  const variants = palette.domain.filter((v) => samples.some((s) => s.variant === v));
  return {
    $schema: SCHEMA,
    title,
    width: plotWidth(axis),
    height: { step: 24 },
    data: { values: samples },
    encoding: {
      y: { field: 'variant', type: 'nominal', sort: variants, title: 'variant', axis: fixedY(axis) },
      x: { field: 'ms', ...sharedX(axis) },
      color: { field: 'variant', type: 'nominal', scale: colourScale(palette), legend: null },
    },
    layer: [
      { mark: { type: 'boxplot', extent: 'min-max', size: 14, opacity: 0.45, median: { color: '#222' }, ticks: true } },
      { mark: { type: 'tick', thickness: 2, size: 18 } },
    ],
    config: CONFIG,
  };
}

/** One bin of a histogram. */
export interface Bin {
  variant: string;
  x0: number;
  x1: number;
  count: number;
}

/** Bins shared by every variant over the axis' domain (logarithmic on a log axis). */
export function binSamples(samples: readonly { variant: string; ms: number }[], axis: Pick<MsAxis, 'log' | 'domain'>, bins = 48): Bin[] {
  const f = axis.log ? Math.log10 : (x: number) => x;
  const g = axis.log ? (x: number) => 10 ** x : (x: number) => x;
  const a = f(axis.domain[0]);
  const step = (f(axis.domain[1]) - a) / bins;
  const counts = new Map<string, number>();
  for (const s of samples) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor((f(s.ms) - a) / step)));
    const key = `${s.variant}\u0000${i}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out: Bin[] = [];
  for (const [key, count] of counts) {
    const [variant, i] = key.split('\u0000') as [string, string];
    out.push({ variant, x0: g(a + Number(i) * step), x1: g(a + (Number(i) + 1) * step), count });
  }
  return out;
}

/** Histograms of the variants, one row each, on one shared x axis; the y axis counts whole runs. */
export function histogramSpec(title: string, samples: { variant: string; ms: number }[], palette: Palette, axis: MsAxis): TopLevelSpec {
  const bins = binSamples(samples, axis);
  const variants = palette.domain.filter((v) => samples.some((s) => s.variant === v));
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  return {
    $schema: SCHEMA,
    title,
    data: { values: bins },
    facet: { field: 'variant', type: 'nominal', sort: variants, header: { title: null, labelAnchor: 'start', labelPadding: 2 } },
    columns: 1,
    spacing: 10,
    spec: {
      width: plotWidth(axis),
      height: 46,
      mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
      encoding: {
        x: { field: 'x0', ...sharedX(axis) },
        x2: { field: 'x1' },
        y: {
          field: 'count',
          type: 'quantitative',
          title: 'runs',
          scale: { domain: [0, maxCount], nice: false },
          axis: { values: intTicks(maxCount), format: 'd', ...fixedY(axis) },
        },
        y2: { datum: 0 },
        color: { field: 'variant', type: 'nominal', scale: colourScale(palette), legend: null },
      },
    },
    config: CONFIG,
  };
}

/**
 * Whole-number ticks from 0 to max, a step of 1, 2 or 5 × 10^k so that three steps or fewer reach
 * max (a 46 px axis has room for no more), and max itself unless it would crowd the last step.
 */
export function intTicks(max: number): number[] {
  let step = 1;
  for (let k = 1; max / step > 3; k *= 10) step = [1, 2, 5, 10].map((m) => m * k).find((s) => max / s <= 3) ?? 10 * k;
  const ticks: number[] = [];
  for (let v = 0; v <= max; v += step) ticks.push(v);
  if (ticks[ticks.length - 1] !== max && max - ticks[ticks.length - 1]! >= 0.4 * step) ticks.push(max);
  return ticks;
}

/** Empirical CDF of each variant, every legend entry shown in full. */
export function cdfSpec(title: string, points: { variant: string; ms: number; fraction: number }[], palette: Palette, axis: MsAxis): TopLevelSpec {
  const variants = palette.domain.filter((v) => points.some((p) => p.variant === v));
  return {
    $schema: SCHEMA,
    title,
    width: plotWidth(axis),
    height: 260,
    data: { values: points },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
    encoding: {
      x: { field: 'ms', ...sharedX(axis) },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of runs', scale: { domain: [0, 1] }, axis: fixedY(axis) },
      color: { field: 'variant', type: 'nominal', scale: colourScale(palette), sort: variants, legend: legendFor(variants, WIDTH - 40) },
    },
    config: CONFIG,
  };
}

/** One point of a sweep plot: a variant's quantiles at one value of the swept parameter. */
export interface SweepPoint {
  variant: string;
  /** The series the line joins (the named variant, and any other swept parameters). */
  series: string;
  /** The named variant (the colour of the line). */
  base: string;
  /** The other swept parameters ("" when only one is swept; the dash of the line). */
  rest: string;
  x: string;
  p10: number;
  p50: number;
  p90: number;
}

/** A downtime against one swept parameter: the median per series joined by a line, a p10–p90 band. */
export function sweepSpec(title: { text: string; subtitle: string }, points: SweepPoint[], xOrder: string[], palette: Palette, opts: { param: string; what: string; width: number }): TopLevelSpec {
  const log = wantsLog(points.flatMap((p) => [p.p10, p.p90]));
  // Labels that would run into their neighbours' are slanted (never cut).
  const slot = (opts.width - 80) / Math.max(1, xOrder.length);
  const angle = Math.max(...xOrder.map((x) => textWidth(x)), 0) > slot - 6 ? -35 : 0;
  const bases = [...new Set(points.map((p) => p.base))];
  const rests = [...new Set(points.map((p) => p.rest))];
  const seriesScale = { domain: bases, range: bases.map((b) => palette.series.get(b) ?? '#555555') };
  const yAxis = msAxis(opts.what, points.flatMap((p) => [p.p10, p.p90]), []);
  const y = { type: 'quantitative' as const, scale: { ...msScale(log), domain: yAxis.domain, nice: false }, title: msTitle(opts.what, log) };
  const legend = bases.length > 1 ? { ...legendFor(bases, opts.width - 70) } : null;
  const dash = rests.length > 1 ? { strokeDash: { field: 'rest', type: 'nominal' as const, sort: rests, legend: { ...legendFor(rests, opts.width - 70), symbolType: 'stroke' } } } : {};
  return {
    $schema: SCHEMA,
    title,
    width: opts.width - 80,
    height: 240,
    data: { values: points },
    encoding: {
      x: { field: 'x', type: 'ordinal', sort: xOrder, title: opts.param, axis: { labelAngle: angle, labelAlign: angle === 0 ? 'center' : 'right' }, scale: { padding: 0.4 } },
    },
    layer: [
      {
        mark: { type: 'area', opacity: 0.18 },
        encoding: { y: { field: 'p10', ...y }, y2: { field: 'p90' }, color: { field: 'base', type: 'nominal', scale: seriesScale, legend: null }, detail: { field: 'series' } },
      },
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { y: { field: 'p50', ...y }, color: { field: 'base', type: 'nominal', scale: seriesScale, legend }, detail: { field: 'series' }, ...dash },
      },
      {
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { y: { field: 'p10', ...y }, y2: { field: 'p90' }, color: { field: 'variant', type: 'nominal', scale: colourScale(palette), legend: null } },
      },
      {
        mark: { type: 'point', filled: true, size: 70, opacity: 1 },
        encoding: { y: { field: 'p50', ...y }, color: { field: 'variant', type: 'nominal', scale: colourScale(palette), legend: null } },
      },
    ],
    resolve: { scale: { color: 'independent' } },
    config: CONFIG,
  };
}

/** One row of a waterfall. */
export interface WaterfallRow {
  variant: string;
  label: string;
  startMs: number;
  endMs: number;
}

/** Gantt chart of a downtime window's phases, in the variant's colour; each label gives the duration. */
export function waterfallSpec(title: string, rows: WaterfallRow[], palette: Palette, width: number): TopLevelSpec {
  const labelW = Math.max(...rows.map((r) => textWidth(r.label)), 40);
  const span = Math.max(1e-9, ...rows.map((r) => r.endMs));
  // A zero-length phase still shows as a sliver (its label gives the duration).
  const values = rows.map((r) => ({ ...r, endMs: Math.max(r.endMs, r.startMs + span / 400) }));
  return {
    $schema: SCHEMA,
    title,
    width: Math.max(160, width - labelW - 40),
    height: { step: 18 },
    data: { values },
    mark: { type: 'bar', height: { band: 0.7 } },
    encoding: {
      y: { field: 'label', type: 'ordinal', sort: null, title: null },
      x: { field: 'startMs', type: 'quantitative', title: 'ms from the window start', axis: { tickCount: 5, labelOverlap: 'greedy', labelFlush: true } },
      x2: { field: 'endMs' },
      color: { field: 'variant', type: 'nominal', scale: colourScale(palette), legend: null },
    },
    config: CONFIG,
  };
}
