// report.test.ts — the HTML report: self-contained, SVG plots with marks, scenarios in command-line
// order, one colour per variant, sweep plots; and, in headless Chromium, the rendered page of
// shipped-scenario runs: legends complete and unclipped, no text cut or outside its plot, one colour
// per variant in every plot, plots as wide as the page, whole-run count axes.

import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { registerReportCommand } from '../../sim/cli/commands/report.js';
import { registerRunCommand } from '../../sim/cli/commands/run.js';
import { representativeRun, seriesOf } from '../../metrics/report.js';
import { paletteOf } from '../../metrics/reportColours.js';
import { intTicks, textWidth } from '../../metrics/reportPlots.js';
import { makeRuns } from '../fixtures/results/makeFixture.js';
import { runCommand } from './cliHarness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');
const CHROMIUM = '/usr/bin/chromium';
const out = mkdtempSync(join(tmpdir(), 'svqsim-report-'));
const reportFile = join(out, 'report.html');

function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), 'svqsim-chromium-'));
  return execFileSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

const svgsOf = (html: string) => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
const sectionNames = (html: string) => [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);

describe('report', () => {
  it('picks the run closest to the median downtime #2', () => {
    const runs = makeRuns('s', 'baseline', 0, 9);
    const sorted = [...runs].sort((a, b) => a.downtime2.totalNs - b.downtime2.totalNs);
    expect(representativeRun(runs)).toBe(sorted[4]);
  });

  it('writes one self-contained HTML file with SVG plots that have marks', async () => {
    const r = await runCommand(registerReportCommand, ['report', 'two-variants.json', '--out', reportFile], fixtures);
    expect(r.code).toBe(0);
    const html = readFileSync(reportFile, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // Nothing fetched from elsewhere: no scripts, no external stylesheets or images.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link[^>]+href/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    const svgs = svgsOf(html);
    // 2 downtimes × (every run + CDF + histogram) + 2 variants × 2 waterfalls; no sweep here.
    expect(svgs).toHaveLength(10);
    for (const svg of svgs) expect(svg).toMatch(/class="mark-(rect|line|symbol|group)/);
    expect(html.match(/class="mark-rect role-mark/g)?.length).toBeGreaterThanOrEqual(6);
    expect(html.match(/class="mark-line role-mark/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).not.toContain('against');
    expect(html).toContain('<table>');
    // The plots take the width of their box.
    for (const svg of svgs) expect(svg).toMatch(/^<svg[^>]* width="100%"[^>]* viewBox="0 0 [\d.]+ [\d.]+"/);
  });

  it('gives a variant the same colour in every plot, its series a hue when a sweep has several', () => {
    const p = paletteOf([
      { variant: 'baseline/m=1', series: 'baseline' },
      { variant: 'baseline/m=2', series: 'baseline' },
      { variant: 'all/m=1', series: 'all' },
      { variant: 'all/m=2', series: 'all' },
    ]);
    expect(p.domain).toEqual(['baseline/m=1', 'baseline/m=2', 'all/m=1', 'all/m=2']);
    expect(new Set(p.range).size).toBe(4);
    expect(p.series.size).toBe(2);
    // One series (no named variants): a categorical palette, a grey line.
    const q = paletteOf(['a', 'b', 'c'].map((v) => ({ variant: `p=${v}`, series: '' })));
    expect(q.range).toEqual(['#4c78a8', '#f58518', '#e45756']);
    expect(q.series.get('')).toBe('#555555');
    expect(seriesOf('all-strategies/memory=16GiB', { 'vm.memory': '16GiB' })).toBe('all-strategies');
    expect(seriesOf('profile=mlx5', { 'devices[0].profile': 'mlx5' })).toBe('');
    expect(seriesOf('baseline', {})).toBe('baseline');
  });

  it('count axes step by whole runs; text widths leave room for DejaVu Sans', () => {
    expect(intTicks(1)).toEqual([0, 1]);
    expect(intTicks(2)).toEqual([0, 1, 2]);
    expect(intTicks(3)).toEqual([0, 1, 2, 3]);
    expect(intTicks(4)).toEqual([0, 2, 4]);
    expect(intTicks(7)).toEqual([0, 5, 7]);
    expect(intTicks(9)).toEqual([0, 5, 9]);
    expect(intTicks(11)).toEqual([0, 5, 10]);
    expect(intTicks(100)).toEqual([0, 50, 100]);
    expect(intTicks(250)).toEqual([0, 100, 200, 250]);
    // DejaVu Sans 11 px: "all-strategies/memory=256GiB" is about 172 px.
    expect(textWidth('all-strategies/memory=256GiB')).toBeGreaterThanOrEqual(172);
    expect(textWidth('all-strategies/memory=256GiB')).toBeLessThan(200);
  });
});

describe('report of shipped scenarios', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svqsim-report-shipped-'));
  const sweep = join(dir, 'memory-sweep.json');
  const profiles = join(dir, 'compare-profiles.json');
  const html = join(dir, 'report.html');

  beforeAll(async () => {
    for (const [file, result] of [
      ['scenarios/memory-sweep.yaml', sweep],
      ['scenarios/compare-profiles.yaml', profiles],
    ] as const) {
      const r = await runCommand(registerRunCommand, ['run', file, '--replications', '3', '--jobs', '1', '-q', '--no-progress', '--out', result], ROOT);
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await runCommand(registerReportCommand, ['report', profiles, sweep, '--out', html], dir);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('lists the scenarios in command-line order', async () => {
    expect(sectionNames(readFileSync(html, 'utf8'))).toEqual(['compare-profiles', 'memory-sweep']);
    const other = join(dir, 'reversed.html');
    await runCommand(registerReportCommand, ['report', sweep, profiles, '--out', other], dir);
    expect(sectionNames(readFileSync(other, 'utf8'))).toEqual(['memory-sweep', 'compare-profiles']);
  });

  it('plots each downtime against each swept parameter (p50 line, p10–p90 band)', () => {
    const text = readFileSync(html, 'utf8');
    for (const t of ['downtime #1 against vm.memory', 'downtime #2 against vm.memory', 'downtime #1 against devices[0].profile', 'downtime #2 against devices[0].profile']) {
      expect(text).toContain(t);
    }
    const sweepSvgs = svgsOf(text).filter((s) => s.includes('against vm.memory'));
    expect(sweepSvgs).toHaveLength(2);
    for (const s of sweepSvgs) {
      expect(s).toMatch(/aria-roledescription="area mark"/);
      expect(s).toMatch(/aria-roledescription="line mark"/);
      // A median per variant: 2 series × 4 memory sizes.
      expect(s.match(/aria-roledescription="point"/g)).toHaveLength(8);
    }
  });

  /** What the page looks like in Chromium, measured by a script run in a copy of the report. */
  interface PagePlot {
    title: string;
    inGrid: boolean;
    width: number;
    boxWidth: number;
    colours: Record<string, string[]>;
    legends: { text: string; colour: string | null; inside: boolean }[][];
    outside: string[];
    cut: string[];
    runLabels: string[];
  }
  interface Page {
    contentWidth: number;
    scrollWidth: number;
    innerWidth: number;
    sections: { name: string; plots: PagePlot[] }[];
  }

  const MEASURE = `<script>
(() => {
  const inside = (b, r) => b.width > 0 && b.left >= r.left - 0.5 && b.right <= r.right + 0.5 && b.top >= r.top - 0.5 && b.bottom <= r.bottom + 0.5;
  const colourOf = (el) => {
    const fill = el.getAttribute('fill');
    return fill && fill !== 'none' && fill !== 'transparent' ? fill : el.getAttribute('stroke');
  };
  const sections = [...document.querySelectorAll('section')].map((sec) => ({
    name: sec.querySelector('h2').textContent,
    plots: [...sec.querySelectorAll('.plot svg')].map((svg) => {
      const r = svg.getBoundingClientRect();
      const box = svg.closest('.plot');
      // Seen: inside the SVG, inside its box, and inside the window (no sideways scrolling to it).
      const br = box.getBoundingClientRect();
      const vw = document.documentElement.clientWidth;
      const seen = (b) => inside(b, r) && inside(b, br) && b.right <= vw + 0.5;
      const cs = getComputedStyle(box);
      const colours = {};
      for (const el of svg.querySelectorAll('[aria-label]')) {
        if (el.closest('.role-legend')) continue;
        const m = /(?:^|; )variant: ([^;]*)/.exec(el.getAttribute('aria-label'));
        if (!m) continue;
        (colours[m[1]] ??= []).includes(colourOf(el)) || colours[m[1]].push(colourOf(el));
      }
      const legends = [...svg.querySelectorAll('.role-legend')].map((lg) => {
        const symbols = [...lg.querySelectorAll('.role-legend-symbol path')];
        return [...lg.querySelectorAll('.role-legend-label text')].map((t, i) => ({
          text: t.textContent,
          colour: symbols[i] ? colourOf(symbols[i]) : null,
          inside: seen(t.getBoundingClientRect()),
        }));
      });
      const texts = [...svg.querySelectorAll('text')];
      const runAxes = [...svg.querySelectorAll('g[aria-roledescription="axis"]')].filter((g) => /^Y-axis titled 'runs'/.test(g.getAttribute('aria-label') || ''));
      return {
        // The plot's own title (14 px; facet headers are titles too, smaller).
        title: ([...svg.querySelectorAll('.role-title-text text')].find((t) => t.getAttribute('font-size') === '14px') || {}).textContent || '',
        inGrid: !!svg.closest('.grid2'),
        width: r.width,
        boxWidth: box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight),
        colours,
        legends,
        outside: texts.filter((t) => t.textContent !== '' && !seen(t.getBoundingClientRect())).map((t) => t.textContent),
        cut: texts.filter((t) => t.textContent.includes('…')).map((t) => t.textContent),
        runLabels: runAxes.flatMap((g) => [...g.querySelectorAll('.role-axis-label text')].map((t) => t.textContent)),
      };
    }),
  }));
  const body = getComputedStyle(document.body);
  const page = {
    contentWidth: document.body.clientWidth - parseFloat(body.paddingLeft) - parseFloat(body.paddingRight),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    sections,
  };
  const pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify(page))));
  document.body.appendChild(pre);
})();
</script></body>`;

  function measure(width: number): Page {
    const copy = join(dir, `measure-${width}.html`);
    writeFileSync(copy, readFileSync(html, 'utf8').replace('</body>', MEASURE));
    const dom = chromium([`--window-size=${width},1000`, '--dump-dom', `file://${copy}`]);
    const b64 = /<pre id="measured">([A-Za-z0-9+/=]+)<\/pre>/.exec(dom)?.[1];
    expect(b64, 'the measuring script ran').toBeDefined();
    return JSON.parse(Buffer.from(b64!, 'base64').toString('utf8')) as Page;
  }

  it.skipIf(!existsSync(CHROMIUM))('renders complete legends, no cut or stray text, and one colour per variant in every plot', () => {
    const page = measure(1300);
    expect(page.sections.map((s) => s.name)).toEqual(['compare-profiles', 'memory-sweep']);
    const expected: Record<string, { variants: string[]; series: string[] }> = {
      'compare-profiles': { variants: ['profile=vdpa_sim', 'profile=mlx5', 'profile=platform_iommu'], series: [] },
      'memory-sweep': {
        variants: ['baseline', 'all-strategies'].flatMap((v) => ['16GiB', '64GiB', '256GiB', '1TiB'].map((m) => `${v}/memory=${m}`)),
        series: ['baseline', 'all-strategies'],
      },
    };
    for (const s of page.sections) {
      const { variants, series } = expected[s.name]!;
      // One colour per variant over every plot of the section, and no two variants alike.
      const colour = new Map<string, Set<string>>();
      const plotsOf = new Map<string, number>();
      for (const p of s.plots) {
        for (const [v, cs] of Object.entries(p.colours)) {
          for (const c of cs) (colour.get(v) ?? colour.set(v, new Set()).get(v)!).add(c);
          plotsOf.set(v, (plotsOf.get(v) ?? 0) + 1);
        }
      }
      expect([...colour.keys()].sort()).toEqual([...variants].sort());
      for (const [v, cs] of colour) expect([...cs], `${s.name}: colours of ${v}`).toHaveLength(1);
      expect(new Set([...colour.values()].map((cs) => [...cs][0])).size).toBe(variants.length);
      // In the box plots, CDFs, histograms, waterfalls and sweep plots of both downtimes.
      for (const v of variants) expect(plotsOf.get(v), v).toBe(10);

      for (const p of s.plots) {
        expect(p.outside, `${s.name} / ${p.title}: text outside the plot`).toEqual([]);
        expect(p.cut, `${s.name} / ${p.title}: truncated text`).toEqual([]);
        for (const lg of p.legends) for (const e of lg) expect(e.inside, `${p.title}: legend entry ${e.text}`).toBe(true);
        // The plot fills its box, and a full-width box the page.
        expect(p.width).toBeGreaterThanOrEqual(p.boxWidth - 1);
        if (!p.inGrid) expect(p.width).toBeGreaterThanOrEqual(page.contentWidth * 0.95);
        for (const l of p.runLabels) expect(l).toMatch(/^\d+$/);
      }
      // Every CDF lists every variant, in the scenario's order, with the variant's colour.
      const cdfs = s.plots.filter((p) => p.title.endsWith('CDF'));
      expect(cdfs).toHaveLength(2);
      for (const p of cdfs) {
        expect(p.legends).toHaveLength(1);
        expect(p.legends[0]!.map((e) => e.text)).toEqual(variants);
        for (const e of p.legends[0]!) expect(e.colour).toBe([...colour.get(e.text)!][0]);
      }
      // The histograms count whole runs.
      const histograms = s.plots.filter((p) => p.title.includes('histogram'));
      expect(histograms).toHaveLength(2);
      for (const p of histograms) expect(p.runLabels.length).toBeGreaterThan(0);
      // The sweep plots name their series in full.
      const sweeps = s.plots.filter((p) => p.title.includes(' against '));
      expect(sweeps).toHaveLength(2);
      for (const p of sweeps) expect(p.legends.flat().map((e) => e.text)).toEqual(series);
    }
    expect(page.scrollWidth).toBeLessThanOrEqual(page.innerWidth);
  });

  it.skipIf(!existsSync(CHROMIUM))('fits a narrow window: no sideways scrolling, nothing outside its plot', () => {
    const page = measure(700);
    expect(page.scrollWidth).toBeLessThanOrEqual(page.innerWidth);
    for (const s of page.sections) for (const p of s.plots) expect(p.outside).toEqual([]);
  });

  it.skipIf(!existsSync(CHROMIUM))('takes a screenshot with plots on it (the CI script installs /usr/bin/chromium)', () => {
    const dom = chromium(['--dump-dom', `file://${html}`]);
    expect(dom).toContain('memory-sweep');
    const png = join(out, 'shot.png');
    chromium(['--hide-scrollbars', '--window-size=1300,2400', `--screenshot=${png}`, `file://${html}`]);
    expect(existsSync(png)).toBe(true);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    // A blank 1300×2400 page compresses to a few kB; plots and tables make it much larger.
    expect(statSync(png).size).toBeGreaterThan(50_000);
  });
});
