// report.ts — one self-contained HTML report: per scenario, downtime histograms and CDFs per variant,
// a stats table, and the phase waterfall of a representative run (closest to the median downtime #2).
// Plots are vega-lite rendered to inline SVG in Node; the page loads nothing from the network.

import { groupRuns } from './aggregate.js';
import { cdfSpec, histogramSpec, renderSvg, waterfallSpec } from './plots.js';
import type { ResultDocument, RunRecord, VariantAggregate } from './result.js';
import { representativeRun } from './representative.js';

export { representativeRun };
import { aggregatesInOrder, cmpStr } from './runMetrics.js';
import { formatNs } from './display.js';

/** Escape text for HTML. */
function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CSS = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}h3{margin-top:1.5rem}
.meta{color:#666;font-size:.9rem}
.plots{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
.plot{border:1px solid #eee;border-radius:4px;padding:.4rem;background:#fff}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f5f5f5}
`;

const STAT_ROWS: [string, string][] = [
  ['downtime1', 'downtime #1'],
  ['downtime2', 'downtime #2'],
  ['observed', 'observed gap'],
];

function statsTable(aggs: VariantAggregate[]): string {
  const head = '<tr><th>variant</th><th>metric</th><th>runs</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th><th>95% CI of mean</th><th>UPDATE</th><th>INVALIDATE</th><th>rebuilds</th><th>pages pinned</th></tr>';
  const rows: string[] = [];
  for (const a of aggs) {
    for (const [m, label] of STAT_ROWS) {
      const s = a.metrics[m];
      if (!s) continue;
      const c = (k: string) => (a.metrics[k] ? String(Math.round(a.metrics[k].mean * 10) / 10) : '—');
      rows.push(
        `<tr><td>${htmlEscape(a.variant)}</td><td>${label}</td><td>${s.count}</td><td>${formatNs(s.p50)}</td><td>${formatNs(s.p90)}</td><td>${formatNs(s.p99)}</td><td>${formatNs(s.max)}</td><td>${formatNs(s.mean)}</td><td>${formatNs(s.ci95[0])} – ${formatNs(s.ci95[1])}</td><td>${c('update')}</td><td>${c('invalidate')}</td><td>${c('setMapRebuilds')}</td><td>${c('pagesPinned')}</td></tr>`,
      );
    }
  }
  return `<table>${head}${rows.join('')}</table>`;
}

const plot = (svg: string) => `<div class="plot">${svg}</div>`;

/** Render the report of the given documents (one section per scenario). */
export async function renderReport(docs: readonly ResultDocument[], title = 'svqsim report'): Promise<string> {
  const byScenario = new Map<string, { agg: VariantAggregate; runs: RunRecord[] }[]>();
  for (const d of docs) {
    const groups = groupRuns(d.runs);
    for (const [key, agg] of aggregatesInOrder(d)) {
      let list = byScenario.get(agg.scenario);
      if (!list) byScenario.set(agg.scenario, (list = []));
      list.push({ agg, runs: groups.get(key) ?? [] });
    }
  }
  const sections: string[] = [];
  for (const scenario of [...byScenario.keys()].sort(cmpStr)) {
    const variants = byScenario.get(scenario)!;
    const parts: string[] = [`<section><h2>${htmlEscape(scenario)}</h2>`];
    parts.push('<h3>Statistics</h3>', statsTable(variants.map((v) => v.agg)));
    for (const [metric, label] of STAT_ROWS.slice(0, 2)) {
      const samples = variants.flatMap((v) => v.runs.map((r) => ({ variant: v.agg.variant, ms: (metric === 'downtime1' ? r.downtime1 : r.downtime2).totalNs / 1e6 })));
      if (samples.length === 0) continue;
      const cdf = variants.flatMap((v) => {
        const values = v.runs.map((r) => (metric === 'downtime1' ? r.downtime1 : r.downtime2).totalNs / 1e6).sort((a, b) => a - b);
        return values.map((ms, i) => ({ variant: v.agg.variant, ms: Math.max(ms, 1e-6), fraction: (i + 1) / values.length }));
      });
      parts.push(`<h3>${label}</h3><div class="plots">`);
      parts.push(plot(await renderSvg(histogramSpec(`${label}: histogram`, samples))));
      parts.push(plot(await renderSvg(cdfSpec(`${label}: CDF`, cdf))));
      parts.push('</div>');
    }
    parts.push('<h3>Phase waterfall of a representative run</h3>');
    for (const v of variants) {
      if (v.runs.length === 0) continue;
      const rep = representativeRun(v.runs);
      parts.push(
        `<p class="meta">${htmlEscape(v.agg.variant)}: replication ${rep.replication} (seed ${rep.seed}), downtime #1 ${formatNs(rep.downtime1.totalNs)}, downtime #2 ${formatNs(rep.downtime2.totalNs)} — closest to the median downtime #2</p><div class="plots">`,
      );
      for (const [dt, label] of [
        [rep.downtime1, 'downtime #1'],
        [rep.downtime2, 'downtime #2'],
      ] as const) {
        if (dt.phases.length > 0) parts.push(plot(await renderSvg(waterfallSpec(`${v.agg.variant} — ${label} phases`, dt.phases))));
      }
      parts.push('</div>');
    }
    parts.push('</section>');
    sections.push(parts.join('\n'));
  }
  const tools = [...new Set(docs.map((d) => `${d.tool.name} ${d.tool.version}`))].join(', ');
  const files = docs.flatMap((d) => d.scenarios.map((s) => `${s.file} (${s.hash})`));
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
<p class="meta">${htmlEscape(tools)} — scenarios: ${files.map(htmlEscape).join(', ')}</p>
${sections.join('\n')}
</body>
</html>
`;
}
