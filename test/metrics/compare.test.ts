// compare.test.ts — compare in every format, ratios (with intervals) against the chosen baseline,
// column choice and width fitting, bad options; the ratio interval and the variant id split.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compareResults, compareRows } from '../../metrics/compare.js';
import { meanRatio } from '../../metrics/ratio.js';
import { variantParts, joinVariantId } from '../../metrics/variantId.js';
import { csvField, csvRecord } from '../../metrics/csv.js';
import { formatBytes, formatMetric } from '../../metrics/humanUnits.js';
import { readResultFile } from '../../metrics/resultFile.js';
import { registerCompareCommand } from '../../sim/cli/commands/compare.js';
import { runCommand } from './cliHarness.js';
import { defined } from '../defined.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');
const doc = readResultFile('two-variants.json', fixtures);
const compare = (args: string[], env: Record<string, string> = {}) => runCommand(registerCompareCommand, ['compare', ...args], fixtures, env);

describe('meanRatio', () => {
  it('is the ratio of means with a t interval on the log scale, deterministic', () => {
    const x = [110, 121, 99, 130, 105];
    const y = [100, 110, 90, 118, 95];
    const r = meanRatio(x, y, true);
    expect(r.ratio).toBeCloseTo(565 / 513, 12);
    expect(r.paired).toBe(true);
    expect(r.df).toBe(4);
    expect(r.ci95[0]).toBeLessThan(r.ratio);
    expect(r.ci95[1]).toBeGreaterThan(r.ratio);
    // Symmetric in log space.
    expect(Math.log(r.ratio / r.ci95[0])).toBeCloseTo(Math.log(r.ci95[1] / r.ratio), 12);
    expect(meanRatio(x, y, true)).toEqual(r);
    // Pairing removes the shared replication noise: the paired interval is much narrower.
    const u = meanRatio(x, y, false);
    expect(u.ratio).toBe(r.ratio);
    expect(u.ci95[1] - u.ci95[0]).toBeGreaterThan(5 * (r.ci95[1] - r.ci95[0]));
  });

  it('handles constant samples, zeros and single values', () => {
    expect(meanRatio([20, 20], [10, 10])).toMatchObject({ ratio: 2, ci95: [2, 2], paired: false });
    expect(meanRatio([0, 0], [5, 7]).ci95).toEqual([0, 0]);
    expect(meanRatio([1, 2], [0, 0]).ratio).toBe(Infinity);
    expect(meanRatio([3], [2]).ci95).toEqual([NaN, NaN]);
  });
});

describe('variant ids', () => {
  it('split into named variant and sweep point, and join back', () => {
    expect(variantParts('baseline')).toEqual({ name: 'baseline', point: '', pairs: [] });
    expect(variantParts('baseline/memory=16GiB')).toEqual({ name: 'baseline', point: 'memory=16GiB', pairs: [['memory', '16GiB']] });
    expect(variantParts('memory=16GiB,profile=mlx5')).toEqual({ name: null, point: 'memory=16GiB,profile=mlx5', pairs: [['memory', '16GiB'], ['profile', 'mlx5']] });
    for (const id of ['baseline', 'early-map/memory=16GiB', 'memory=1TiB,profile=vdpa_sim']) {
      const p = variantParts(id);
      expect(joinVariantId(p.name, p.pairs)).toBe(id);
    }
  });
});

describe('csv and units', () => {
  it('quotes as RFC 4180 says and ends records with CRLF', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(NaN)).toBe('');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvRecord(['a', 1, true, undefined])).toBe('a,1,true,\r\n');
  });

  it('prints pages as bytes and times with a unit', () => {
    expect(formatBytes(16 * 2 ** 30)).toBe('16.0 GiB');
    expect(formatBytes(2 ** 40)).toBe('1.00 TiB');
    expect(formatMetric('pagesPinned', 4 * 2 ** 20)).toBe('16.0 GiB');
    expect(formatMetric('downtime2.pagesUnpinned', 17)).toBe('68.0 KiB');
    expect(formatMetric('downtime1', 574_209_279)).toBe('574 ms');
    expect(formatMetric('update', 47)).toBe('47');
    expect(formatMetric('update', 12.25)).toBe('12.3');
  });
});

describe('compareRows', () => {
  it('ratios refer to the first variant unless told otherwise', () => {
    const rows = compareRows([doc]);
    expect(rows.map((r) => r.variant)).toEqual(['baseline', 'desc-persist']);
    expect(rows[0]!.ratioP50).toBe(1);
    expect(rows[0]!.baseline).toBe('switch-128g/baseline');
    const dp = defined(doc.aggregates['switch-128g/desc-persist']?.metrics.downtime2, 'desc-persist downtime2');
    const bl = defined(doc.aggregates['switch-128g/baseline']?.metrics.downtime2, 'baseline downtime2');
    expect(rows[1]!.ratioP99).toBeCloseTo(dp.p99 / bl.p99, 12);
    expect(rows[1]!.ratio.mean).toBeCloseTo(dp.mean / bl.mean, 12);
    // Same replication streams: paired, and the interval holds the ratio.
    expect(rows[1]!.ratio.paired).toBe(true);
    expect(rows[1]!.ratio.ci95[0]).toBeLessThan(rows[1]!.ratio.mean);
    expect(rows[1]!.ratio.ci95[1]).toBeGreaterThan(rows[1]!.ratio.mean);
    const swapped = compareRows([doc], { baseline: 'desc-persist', metric: 'downtime1' });
    expect(swapped[1]!.ratioP50).toBe(1);
    expect(swapped[0]!.ratioP50).toBeGreaterThan(50);
    expect(rows[0]!.update).toBe(28);
  });
});

describe('svqsim compare', () => {
  it('table: a caption naming the baseline, human units, the ratio with its interval, a histogram per variant', async () => {
    const r = await compare(['two-variants.json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('switch-128g: ratio = mean downtime2 / that of baseline (95% CI)');
    expect(lines[1]).toMatch(/^variant\s+runs\s+dt1 p50\s+dt1 p99\s+dt2 p50\s+dt2 p99\s+dt2 ratio \(95% CI\)\s+dt1 pinned\s+dt2 pinned/);
    expect(lines[3]).toMatch(/^baseline\s+20\s+[\d.]+ s\s.*\sbaseline\s+128 GiB\s+128 GiB/);
    expect(lines[4]).toMatch(/^desc-persist\s+20\s+[\d.]+ ms\s.*\s0\.00\d+× \(0\.00\d+–0\.00\d+\)\s+0 B\s+0 B/);
    for (const l of lines.slice(0, 5)) expect(l.length).toBeLessThanOrEqual(120);
    expect(r.stdout).toContain('downtime2 — switch-128g/desc-persist (20 runs)');
    expect(r.stdout).toMatch(/│█+/);
    const bars = lines.filter((l) => l.includes('│'));
    // Each histogram's counts add up to the runs.
    const counts = bars.map((l) => Number(l.trim().split(/\s+/).at(-1)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
  });

  it('fits the terminal width by dropping the least important default columns, and says so', async () => {
    const wide = await compare(['two-variants.json', '--no-histograms'], { COLUMNS: '200' });
    expect(wide.stdout).not.toContain('not shown');
    expect(wide.stdout).toMatch(/rebuilds\s+UPDATE\s+INVALIDATE/);
    for (const width of [60, 80, 100]) {
      const r = await compare(['two-variants.json', '--no-histograms'], { COLUMNS: String(width) });
      const lines = r.stdout.trimEnd().split('\n');
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(width);
      expect(r.stdout.replace(/\n(?!\n)/g, ' ')).toMatch(new RegExp(`\\(not shown to fit ${width} columns: INVALIDATE, UPDATE.*; choose with --columns\\)`));
      expect(r.stdout).toContain('dt2 ratio (95% CI)');
    }
  });

  it('--columns chooses the columns (with aliases and any metric statistic)', async () => {
    const r = await compare(['two-variants.json', '--no-histograms', '--columns', 'ratio,dt2.p90,pinned,downtime1.update,baseline,ratio.p99'], { COLUMNS: '40' });
    const lines = r.stdout.trimEnd().split('\n');
    // The caption is wrapped to the 40 columns; the chosen columns are all shown, wider or not.
    const at = lines.findIndex((l) => l.startsWith('variant '));
    expect(lines.slice(0, at).every((l) => l.length <= 40)).toBe(true);
    expect(lines[at]!.split(/\s{2,}/)).toEqual(['variant', 'dt2 ratio (95% CI)', 'dt2 p90', 'pinned', 'dt1 UPDATE', 'baseline', 'dt2 p99 ratio']);
    expect(lines[at + 2]).toMatch(/^baseline\s+baseline\s+[\d.]+ s\s+[\d.]+ GiB\s+\d+\s+baseline\s+baseline$/);
    expect(r.stdout).not.toContain('not shown');
    const bad = await compare(['two-variants.json', '--columns', 'ratio,dt2.p95']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^svqsim: error: --columns: unknown column "dt2.p95" \(did you mean "dt2.p90"\?\)/);
    expect((await compare(['two-variants.json', '--columns', 'ratio,,runs'])).code).toBe(2);
  });

  it('md: a caption and a Markdown table per scenario', async () => {
    const r = await compare(['two-variants.json', '--format', 'md']);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toContain('switch-128g: ratio = mean downtime2');
    expect(lines[3]).toMatch(/^\| --- \| ---: \|/);
    expect(lines[5]).toMatch(/^\| desc-persist \| 20 \| [\d.]+ ms \|/);
    expect((await compare(['two-variants.json', '--format', 'markdown'])).stdout).toBe(r.stdout);
  });

  it('json: rows with ns values and the ratio interval at full precision', async () => {
    const r = await compare(['two-variants.json', '--format', 'json', '--metric', 'downtime1']);
    const j = JSON.parse(r.stdout) as { metric: string; rows: { downtime2: { p99: number }; baseline: string; ratio: { mean: number; ci95: number[]; paired: boolean } }[] };
    expect(j.metric).toBe('downtime1');
    expect(j.rows[1]!.downtime2.p99).toBe(doc.aggregates['switch-128g/desc-persist']!.metrics.downtime2!.p99);
    const m = (k: string) => doc.aggregates[k]!.metrics.downtime1!.mean;
    expect(j.rows[1]!.ratio.mean).toBe(m('switch-128g/desc-persist') / m('switch-128g/baseline'));
    expect(j.rows[1]!.ratio.ci95).toHaveLength(2);
    expect(j.rows[1]!.baseline).toBe('switch-128g/baseline');
  });

  it('csv: header and one RFC 4180 record per variant', async () => {
    const r = await compare(['two-variants.json', '--format', 'csv']);
    expect(r.stdout.endsWith('\r\n')).toBe(true);
    const lines = r.stdout.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    const head = lines[0]!.split(',');
    expect(head).toContain('downtime2_p99_ns');
    expect(head).toContain('downtime2_mean_ratio_ci95_lo');
    expect(lines[1]!.split(',')[0]).toBe('switch-128g');
    expect(lines[1]!.split(',').length).toBe(head.length);
  });

  it('bad options exit 2', async () => {
    expect((await compare(['two-variants.json', '--format', 'xml'])).code).toBe(2);
    const nope = await compare(['two-variants.json', '--baseline', 'nope']);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toBe('svqsim: error: --baseline nope: no such variant or sweep point (have variants baseline, desc-persist)\n');
    expect((await compare(['two-variants.json', '--metric', 'downtim2'])).stderr).toMatch(/did you mean "downtime2"/);
    expect((await compare(['two-variants.json', 'previous.json'])).stderr).toMatch(/more than one result/);
  });

  it('--hdr-log writes a tagged HdrHistogram log', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'svqsim-hdr-')), 'h.hlog');
    expect((await compare(['two-variants.json', '--format', 'csv', '--hdr-log', file])).code).toBe(0);
    const tags = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('Tag=')).map((l) => l.split(',')[0]);
    expect(tags).toContain('Tag=switch-128g/desc-persist/downtime2');
    expect(tags.length).toBe(Object.values(doc.aggregates).reduce((n, a) => n + Object.keys(a.histograms).length, 0));
  });

  it('compareResults is a library call too', () => {
    expect(compareResults([doc], { format: 'csv' })).toContain('desc-persist');
  });
});
