// report.ts — one self-contained HTML report. Per scenario, in command-line order (then file
// order): a statistics table; the failed migrations, if any (failureReport.ts); when the
// scenario sweeps parameters, each downtime (median with a p10–p90 band) against each swept
// parameter; per downtime, every run of every variant on one axis
// (box and ticks), histograms on one shared axis and CDFs; and the phase waterfalls of a
// representative run (closest to the median downtime #2) of each variant.
// A variant has one colour in every plot of its section (reportColours.ts). Plots are vega-lite
// rendered to inline SVG in Node and drawn at the page's width (they scale with it); the page
// loads nothing from the network and runs no script.

import { groupRuns } from './aggregate.js';
import { paletteOf, type Palette } from './reportColours.js';
import { HALF_WIDTH, cdfSpec, distributionSpec, histogramSpec, msAxis, renderSvg, sweepSpec, waterfallSpec, type SweepPoint, type WaterfallRow } from './reportPlots.js';
import type { Downtime, ResultDocument, RunRecord, VariantAggregate } from './result.js';
import { representativeRun } from './representative.js';
import { aggregatesInOrder } from './runMetrics.js';
import { formatNs } from './display.js';
import { percentileSorted } from './stats.js';
import { formatBytes } from '../sim/notation/units.js';
import { pageFaultTable } from './pageFaultReport.js';
import { failureTable } from './failureReport.js';

export { representativeRun };

/** Escape text for HTML. */
function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CSS = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1240px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}h3{margin-top:1.8rem}
.meta{color:#555;font-size:.9rem}
.plot{border:1px solid #eee;border-radius:4px;padding:.4rem;background:#fff;margin:.6rem 0;min-width:0}
.plot svg{display:block;width:100%;height:auto}
.grid2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:0 1rem;align-items:start}
@media (max-width:900px){.grid2{grid-template-columns:minmax(0,1fr)}}
.table{overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right;white-space:nowrap}th:first-child,td:first-child{text-align:left}
th{background:#f5f5f5}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;vertical-align:-.05em}
ul.strategies{font-size:.9rem;color:#444}
`;

const DOWNTIMES = [
  ['downtime1', 'downtime #1', 'the SVQ switch'],
  ['downtime2', 'downtime #2', 'the switchover'],
] as const;
type DowntimeKey = (typeof DOWNTIMES)[number][0];

const STAT_ROWS: [string, string][] = [
  ['downtime1', 'downtime #1'],
  ['downtime2', 'downtime #2'],
  ['observed', 'observed gap'],
];

/** One variant of a section. */
interface Entry {
  /** The label shown (the variant id, with "[result N]" when two results hold the same variant). */
  label: string;
  /** The named variant it belongs to ("" for a scenario without named variants). */
  series: string;
  agg: VariantAggregate;
  runs: RunRecord[];
}

interface Section {
  name: string;
  files: string[];
  strategies: { name: string; source: string }[];
  entries: Entry[];
}

/**
 * The named variant of a variant id: what comes before the sweep point ("baseline/memory=16GiB" →
 * "baseline"; "memory=16GiB", a sweep without named variants → ""; "baseline" → "baseline").
 */
export function seriesOf(variant: string, params: Record<string, unknown>): string {
  if (Object.keys(params).length === 0) return variant;
  const slash = variant.lastIndexOf('/');
  if (slash >= 0) return variant.slice(0, slash);
  return variant.includes('=') ? '' : variant;
}

const paramText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));

/** The sections in command-line order (a scenario in several results is one section). */
function sectionsOf(docs: readonly ResultDocument[]): Section[] {
  const sections = new Map<string, Section>();
  const section = (name: string) => {
    let s = sections.get(name);
    if (!s) sections.set(name, (s = { name, files: [], strategies: [], entries: [] }));
    return s;
  };
  const seen = new Set<string>();
  docs.forEach((d, di) => {
    for (const sc of d.scenarios) {
      const s = section(sc.name);
      const file = `${sc.file} (${sc.hash.slice(0, 19)}…, seed ${sc.seed})`;
      if (!s.files.includes(file)) s.files.push(file);
      for (const st of sc.strategies ?? []) if (!s.strategies.some((x) => x.name === st.name)) s.strategies.push(st);
    }
    const groups = groupRuns(d.runs);
    for (const [key, agg] of aggregatesInOrder(d)) {
      const dup = seen.has(key);
      seen.add(key);
      const suffix = dup ? ` [result ${di + 1}]` : '';
      section(agg.scenario).entries.push({ label: agg.variant + suffix, series: seriesOf(agg.variant, agg.params) + suffix, agg, runs: groups.get(key) ?? [] });
    }
  });
  return [...sections.values()].filter((s) => s.entries.length > 0);
}

function statsTable(entries: readonly Entry[], palette: Palette): string {
  const head =
    '<tr><th>variant</th><th>metric</th><th>runs</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th><th>95% CI of mean</th><th>UPDATE</th><th>INVALIDATE</th><th>rebuilds</th><th>pinned</th></tr>';
  const note =
    '<p class="meta">UPDATE, INVALIDATE (IOTLB messages) and rebuilds (whole-map rebuilds): mean count per run over the whole migration, both hosts; pinned: mean memory pinned per run, adding up every pin.</p>';
  const rows: string[] = [];
  for (const e of entries) {
    const a = e.agg;
    const colour = palette.range[palette.domain.indexOf(e.label)];
    for (const [m, label] of STAT_ROWS) {
      const s = a.metrics[m];
      if (!s) continue;
      const c = (k: string) => (a.metrics[k] ? String(Math.round(a.metrics[k].mean * 10) / 10) : '—');
      const pinned = a.metrics.pagesPinned ? formatBytes(a.metrics.pagesPinned.mean * 4096, { approx: true }) : '—';
      rows.push(
        `<tr><td><span class="sw" style="background:${colour}"></span>${htmlEscape(e.label)}</td><td>${label}</td><td>${s.count}</td><td>${formatNs(s.p50)}</td><td>${formatNs(s.p90)}</td><td>${formatNs(s.p99)}</td><td>${formatNs(s.max)}</td><td>${formatNs(s.mean)}</td><td>${formatNs(s.ci95[0])} – ${formatNs(s.ci95[1])}</td><td>${c('update')}</td><td>${c('invalidate')}</td><td>${c('setMapRebuilds')}</td><td>${pinned}</td></tr>`,
      );
    }
  }
  return `<div class="table"><table>${head}${rows.join('')}</table></div>${note}`;
}

/** An SVG that takes the width of its box (its viewBox keeps the proportions). */
function responsive(svg: string): string {
  return svg.replace(/^<svg([^>]*?) width="([\d.]+)" height="([\d.]+)"/, '<svg$1 width="100%" data-width="$2" data-height="$3"');
}

const plot = async (spec: Parameters<typeof renderSvg>[0]) => `<div class="plot">${responsive(await renderSvg(spec))}</div>`;

const downtimeOf = (r: RunRecord, k: DowntimeKey): Downtime => (k === 'downtime1' ? r.downtime1 : r.downtime2);

/** The parameters that take two values or more within one series (a swept parameter), in first-seen order. */
function sweptParams(entries: readonly Entry[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const e of entries) {
    for (const [k, v] of Object.entries(e.agg.params)) {
      const key = `${k}\u0000${e.series}`;
      (values.get(key) ?? values.set(key, new Set()).get(key)!).add(paramText(v));
    }
  }
  return [...new Set([...values].filter(([, s]) => s.size > 1).map(([k]) => k.slice(0, k.indexOf('\u0000'))))];
}

async function sweepPlots(entries: readonly Entry[], palette: Palette): Promise<string[]> {
  const params = sweptParams(entries);
  const parts: string[] = [];
  for (const param of params) {
    const others = params.filter((p) => p !== param);
    const xOrder = [...new Set(entries.filter((e) => param in e.agg.params).map((e) => paramText(e.agg.params[param])))];
    const cells: string[] = [];
    for (const [key, label] of DOWNTIMES) {
      const points: SweepPoint[] = [];
      for (const e of entries) {
        if (!(param in e.agg.params) || e.runs.length === 0) continue;
        const ms = e.runs.map((r) => Math.max(downtimeOf(r, key).totalNs / 1e6, 1e-6)).sort((a, b) => a - b);
        const rest = others.map((p) => `${p}=${paramText(e.agg.params[p])}`).join(', ');
        points.push({
          variant: e.label,
          series: `${e.series}\u0000${rest}`,
          base: e.series,
          rest,
          x: paramText(e.agg.params[param]),
          p10: percentileSorted(ms, 10),
          p50: percentileSorted(ms, 50),
          p90: percentileSorted(ms, 90),
        });
      }
      if (points.length === 0) continue;
      const title = { text: `${label} against ${param}`, subtitle: 'median of the runs (dots), p10–p90 (bars and band)' };
      cells.push(await plot(sweepSpec(title, points, xOrder, palette, { param, what: label, width: HALF_WIDTH })));
    }
    parts.push(`<div class="grid2">${cells.join('\n')}</div>`);
  }
  return parts;
}

/** Waterfall rows of a downtime window: "NN phase · device — duration". */
function waterfallRows(variant: string, dt: Downtime): WaterfallRow[] {
  return dt.phases.map((p, i) => ({
    variant,
    label: `${String(i + 1).padStart(2, '0')} ${p.name}${p.device ? ` · ${p.device}` : ''} — ${formatNs(p.durNs)}`,
    startMs: p.startNs / 1e6,
    endMs: (p.startNs + p.durNs) / 1e6,
  }));
}

async function sectionHtml(s: Section): Promise<string> {
  const entries = s.entries;
  const palette = paletteOf(entries.map((e) => ({ variant: e.label, series: e.series })));
  const parts: string[] = [`<section id="${htmlEscape(s.name)}"><h2>${htmlEscape(s.name)}</h2>`];
  const runs = entries.reduce((n, e) => n + e.runs.length, 0);
  parts.push(`<p class="meta">${s.files.map(htmlEscape).join('; ')} — ${entries.length} variant${entries.length === 1 ? '' : 's'}, ${runs} run${runs === 1 ? '' : 's'}</p>`);
  if (s.strategies.length > 0) {
    parts.push(`<ul class="strategies">${s.strategies.map((st) => `<li><b>${htmlEscape(st.name)}</b>: ${htmlEscape(st.source)}</li>`).join('')}</ul>`);
  }
  parts.push('<h3>Statistics</h3>', statsTable(entries, palette));
  parts.push(failureTable(entries.map((e) => ({ label: e.label, colour: palette.range[palette.domain.indexOf(e.label)], runs: e.runs }))));
  parts.push(pageFaultTable(entries.map((e) => ({ label: e.label, colour: palette.range[palette.domain.indexOf(e.label)], agg: e.agg }))));

  const sweeps = await sweepPlots(entries, palette);
  if (sweeps.length > 0) parts.push('<h3>Downtime against the swept parameters</h3>', ...sweeps);

  for (const [key, label, what] of DOWNTIMES) {
    const samples = entries.flatMap((e) => e.runs.map((r) => ({ variant: e.label, ms: downtimeOf(r, key).totalNs / 1e6 })));
    if (samples.length === 0) continue;
    const positive = samples.map((x) => ({ ...x, ms: Math.max(x.ms, 1e-6) }));
    const cdf = entries.flatMap((e) => {
      const values = e.runs.map((r) => Math.max(downtimeOf(r, key).totalNs / 1e6, 1e-6)).sort((a, b) => a - b);
      if (values.length === 0) return [];
      return [{ variant: e.label, ms: values[0]!, fraction: 0 }, ...values.map((ms, i) => ({ variant: e.label, ms, fraction: (i + 1) / values.length }))];
    });
    const axis = msAxis(label, positive.map((x) => x.ms), entries.map((e) => e.label));
    parts.push(`<h3>${label} (${what})</h3>`);
    parts.push(await plot(distributionSpec(`${label}: every run (box: min, quartiles, median, max; a tick per run)`, positive, palette, axis)));
    parts.push(await plot(cdfSpec(`${label}: CDF`, cdf, palette, axis)));
    parts.push(await plot(histogramSpec(`${label}: histogram (one axis for every variant)`, positive, palette, axis)));
  }

  parts.push('<h3>Phase waterfall of a representative run</h3>');
  for (const e of entries) {
    if (e.runs.length === 0) continue;
    const rep = representativeRun(e.runs);
    parts.push(
      `<p class="meta"><span class="sw" style="background:${palette.range[palette.domain.indexOf(e.label)]}"></span><b>${htmlEscape(e.label)}</b>: replication ${rep.replication} (seed ${rep.seed}), downtime #1 ${formatNs(rep.downtime1.totalNs)}, downtime #2 ${formatNs(rep.downtime2.totalNs)} — closest to the median downtime #2</p>`,
    );
    const cells: string[] = [];
    for (const [key, label] of DOWNTIMES) {
      const dt = downtimeOf(rep, key);
      if (dt.phases.length > 0) cells.push(await plot(waterfallSpec(`${e.label} — ${label} phases`, waterfallRows(e.label, dt), palette, HALF_WIDTH)));
    }
    parts.push(`<div class="grid2">${cells.join('\n')}</div>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** Render the report of the given documents (one section per scenario, in the order given). */
export async function renderReport(docs: readonly ResultDocument[], title = 'svqsim report'): Promise<string> {
  const all = sectionsOf(docs);
  const sections: string[] = [];
  for (const s of all) sections.push(await sectionHtml(s));
  const tools = [...new Set(docs.map((d) => `${d.tool.name} ${d.tool.version}`))].join(', ');
  const names = all.map((s) => `<a href="#${htmlEscape(s.name)}">${htmlEscape(s.name)}</a>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${htmlEscape(title)}</h1>
<p class="meta">${htmlEscape(tools)} — scenarios: ${names.join(', ')}</p>
${sections.join('\n')}
</body>
</html>
`;
}
