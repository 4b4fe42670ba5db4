// plots.ts — vega-lite specifications of the report's plots, rendered to standalone SVG in Node.

import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { PhaseSpan } from './result.js';

/** Render a vega-lite spec to an SVG string (no browser, no network). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT = { font: 'sans-serif', labelFont: 'sans-serif', titleFont: 'sans-serif' };

/** Histogram of each variant's values (ms), one panel per variant with its own x range. */
export function histogramSpec(title: string, samples: { variant: string; ms: number }[]): TopLevelSpec {
  const variants = [...new Set(samples.map((s) => s.variant))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, ...FONT },
    vconcat: variants.map((v, i) => ({
      width: 420,
      height: 80,
      title: { text: v, fontSize: 11, anchor: 'start', ...FONT },
      data: { values: samples.filter((s) => s.variant === v) },
      mark: { type: 'bar', tooltip: true, color: PALETTE[i % PALETTE.length] },
      encoding: {
        x: { field: 'ms', bin: { maxbins: 30 }, type: 'quantitative', title: 'ms' },
        y: { aggregate: 'count', type: 'quantitative', title: 'runs' },
      },
    })),
    config: { axis: { labelFont: 'sans-serif', titleFont: 'sans-serif' } },
  };
}

/** Variant colours (vega's category10, so CDF lines and histogram panels match). */
const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** Empirical CDF of each variant (ms, log x). */
export function cdfSpec(title: string, points: { variant: string; ms: number; fraction: number }[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, ...FONT },
    width: 420,
    height: 220,
    data: { values: points },
    mark: { type: 'line', interpolate: 'step-after', point: false },
    encoding: {
      x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms (log)' },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of runs', scale: { domain: [0, 1] } },
      color: { field: 'variant', type: 'nominal', legend: { orient: 'bottom', labelFont: 'sans-serif', titleFont: 'sans-serif' } },
    },
    config: { axis: { labelFont: 'sans-serif', titleFont: 'sans-serif' } },
  };
}

/** Gantt chart of a downtime window's phases (start offset and duration, ms). */
export function waterfallSpec(title: string, phases: readonly PhaseSpan[]): TopLevelSpec {
  const rows = phases.map((p, i) => ({
    phase: `${String(i + 1).padStart(2, '0')} ${p.name}${p.device ? ` (${p.device})` : ''}`,
    startMs: p.startNs / 1e6,
    endMs: (p.startNs + p.durNs) / 1e6,
    durMs: p.durNs / 1e6,
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, ...FONT },
    width: 420,
    height: { step: 16 },
    data: { values: rows },
    mark: { type: 'bar', tooltip: true, minBandSize: 1 } as never,
    encoding: {
      y: { field: 'phase', type: 'ordinal', sort: null, title: null },
      x: { field: 'startMs', type: 'quantitative', title: 'ms from window start' },
      x2: { field: 'endMs' },
      color: { field: 'phase', type: 'nominal', legend: null },
    },
    config: { axis: { labelFont: 'sans-serif', titleFont: 'sans-serif' } },
  };
}
