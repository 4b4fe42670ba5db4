// toolbox.test.ts — compare, diff, export and the strict gate on fresh runs of the shipped
// scenarios (few replications, so the suite stays fast).

import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../cliHarness.js';
import { parseCsv } from '../../csvParse.js';
import type { ResultDocument } from '../../../metrics/result.js';
import type { CompareRow } from '../../../metrics/compare.js';
import type { DiffReport } from '../../../metrics/diff.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'svqsim-toolbox-'));
const run = async (args: string[]) => {
  const r = await cli(['run', ...args, '--quiet', '--jobs', '1'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
};
const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultDocument;

beforeAll(async () => {
  await run([join(ROOT, 'scenarios/memory-sweep.yaml'), '--replications', '2', '--out', 'sweep.json']);
  await run([join(ROOT, 'scenarios/compare-profiles.yaml'), '--replications', '2', '--out', 'profiles.json']);
  await run([join(ROOT, 'scenarios/custom-profile.yaml'), '--replications', '2', '--out', 'custom.json']);
  await run([join(ROOT, 'scenarios/default.yaml'), '--out', 'default.json']);
  // The memory sweep's upstream scenario without its variants and sweep (one mlx5 NIC, 16 GiB),
  // and the same scenario (same name, same variant) with four times the memory.
  const sweep = readFileSync(join(ROOT, 'scenarios/memory-sweep.yaml'), 'utf8');
  const base = sweep.slice(0, sweep.indexOf('\nvariants:')) + '\n';
  writeFileSync(join(dir, 'mlx5-16g.yaml'), base);
  writeFileSync(join(dir, 'mlx5-64g.yaml'), base.replace('memory: 16GiB', 'memory: 64GiB'));
  await run(['mlx5-16g.yaml', '--replications', '4', '--out', 'mlx5-16g.json']);
  await run(['mlx5-64g.yaml', '--replications', '4', '--out', 'mlx5-64g.json']);
}, 120_000);

describe('compare on a sweep', () => {
  it('--baseline names a variant: each row is divided by the baseline at its own sweep point', async () => {
    const r = await cli(['compare', 'sweep.json', '--baseline', 'baseline', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: CompareRow[] }).rows;
    // The scenario file's order: the named variants, each over the sweep.
    expect(rows.map((x) => x.variant)).toEqual(read('sweep.json').scenarios[0]!.variants);
    const doc = read('sweep.json');
    for (const row of rows) {
      const memory = String(row.params['vm.memory']);
      expect(row.baseline).toBe(`memory-sweep/baseline/memory=${memory}`);
      const mean = (k: string) => doc.aggregates[k]!.metrics.downtime2!.mean;
      expect(row.ratio.mean).toBe(mean(row.key) / mean(row.baseline!));
      expect(row.ratio.paired).toBe(true);
      if (row.name === 'all-strategies') {
        expect(row.ratio.ci95[0]).toBeLessThanOrEqual(row.ratio.mean);
        expect(row.ratio.ci95[1]).toBeGreaterThanOrEqual(row.ratio.mean);
        // Two replications give a wide interval where the two downtimes are close; at 1 TiB they are not.
        if (memory === '1TiB') expect(row.ratio.ci95[1]).toBeLessThan(1);
      }
    }
    // The default is the same: the first named variant at the same sweep point.
    const byDefault = JSON.parse((await cli(['compare', 'sweep.json', '--format', 'json'], { cwd: dir })).stdout) as { rows: CompareRow[] };
    expect(byDefault.rows.map((x) => x.baseline)).toEqual(rows.map((x) => x.baseline));
  });

  it('table: fits the terminal, human units, the interval, a caption naming the baseline', async () => {
    const r = await cli(['compare', 'sweep.json', '--no-histograms'], { cwd: dir, env: { COLUMNS: '100' } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(lines[0]).toBe('memory-sweep: ratio = mean downtime2 / that of baseline at the same memory (95% CI)');
    const row = (v: string) => lines.find((l) => l.startsWith(`${v} `))!;
    const bytes = '[\\d.]+ (B|KiB|MiB|GiB|TiB)';
    expect(row('baseline/memory=1TiB')).toMatch(new RegExp(`\\s[\\d.]+ s\\s.*\\sbaseline\\s+${bytes}\\s+${bytes}$`));
    expect(row('all-strategies/memory=1TiB')).toMatch(new RegExp(`\\s[\\d.]+ m?s\\s.*\\s0\\.\\d+× \\(0\\.\\d+–0\\.\\d+\\)\\s+${bytes}\\s+${bytes}$`));
  });

  it('--baseline can fix a sweep value or name one variant; a baseline that matches nothing exits 2', async () => {
    const fixed = JSON.parse((await cli(['compare', 'sweep.json', '--baseline', 'memory=16GiB', '--format', 'json'], { cwd: dir })).stdout) as { rows: CompareRow[] };
    expect(fixed.rows.map((x) => x.baseline!.replace('memory-sweep/', ''))).toEqual([...Array<string>(4).fill('baseline/memory=16GiB'), ...Array<string>(4).fill('all-strategies/memory=16GiB')]);
    const one = JSON.parse((await cli(['compare', 'sweep.json', '--baseline', 'memory-sweep/baseline/memory=64GiB', '--format', 'json'], { cwd: dir })).stdout) as { rows: CompareRow[] };
    expect(new Set(one.rows.map((x) => x.baseline))).toEqual(new Set(['memory-sweep/baseline/memory=64GiB']));
    const bad = await cli(['compare', 'sweep.json', '--baseline', 'early-map'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('svqsim: error: --baseline early-map: no such variant or sweep point (have variants baseline, all-strategies; sweep parameters memory)\n');
  });

  it('a scenario file given in place of a result is run first', async () => {
    const r = await cli(['compare', join(ROOT, 'scenarios/compare-profiles.yaml'), '--replications', '2', '--jobs', '1', '--no-histograms', '--columns', 'ratio,dt2.p50,pinned'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 6)).toEqual([
      'compare-profiles: ratio = mean downtime2 / that of profile=vdpa_sim (95% CI)',
      expect.stringMatching(/^variant\s+dt2 ratio \(95% CI\)\s+dt2 p50\s+pinned$/),
      expect.stringMatching(/^─+/),
      expect.stringMatching(/^profile=vdpa_sim\s+baseline\s+[\d.]+ ms\s+[\d.]+ (B|KiB|MiB|GiB)$/),
      expect.stringMatching(/^profile=mlx5\s+[\d.]+× \([\d.]+–[\d.]+\)\s+[\d.]+ ms\s+[\d.]+ (B|KiB|MiB|GiB)$/),
      expect.stringMatching(/^profile=platform_iommu\s+[\d.]+× \([\d.]+–[\d.]+\)\s+[\d.]+ ms\s+[\d.]+ (B|KiB|MiB|GiB)$/),
    ]);
  });
});

describe('diff', () => {
  it('reports the bigger guest as a regression and back as an improvement (exit 0 either way)', async () => {
    const r = await cli(['diff', 'mlx5-16g.json', 'mlx5-64g.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('\nmemory-sweep/default (4 → 4 runs)\n');
    expect(r.stdout).toMatch(/\n {2}downtime2\s+[\d.]+ m?s\s+[\d.]+ m?s\s+\+[\d.]+% \(\+[\d.]+% … \+[\d.]+%\)\s+0\.\d+\s+regressed\n/);
    expect(r.stdout).toMatch(/\n {2}pagesPinned\s+[\d.]+ GiB\s+[\d.]+ GiB\s+\+[\d.]+% \(\+[\d.]+% … \+[\d.]+%\)\s+0\.\d+\s+regressed\n/);
    expect(r.stdout).toMatch(/\n {2}update\s+(\d+)\s+\1\s+\+0\.0% \(\+0\.0% … \+0\.0%\)\s+1\.000\s+no change\n/);
    const back = JSON.parse((await cli(['diff', 'mlx5-64g.json', 'mlx5-16g.json', '--format', 'json'], { cwd: dir })).stdout) as DiffReport;
    const dt2 = back.variants[0]!.metrics.find((m) => m.metric === 'downtime2')!;
    expect(dt2.verdict).toBe('improved');
    expect(dt2.change).toBeLessThan(-0.2);
    const pinned = back.variants[0]!.metrics.find((m) => m.metric === 'pagesPinned')!;
    expect(pinned.change).toBeLessThan(-0.5);
    const md = await cli(['diff', 'mlx5-16g.json', 'mlx5-64g.json', '--format', 'markdown', '--metric', 'downtime1'], { cwd: dir });
    expect(md.stdout).toMatch(/\n\| memory-sweep\/default \| downtime1 \| [\d.]+ m?s \| [\d.]+ m?s \| \+[\d.]+% \(.*\) \| [\d.<]+ \| \*\*regressed\*\* \|\n/);
  });

  it('the same sweep against itself: no change anywhere; 2 runs a side cannot show one', async () => {
    const same = JSON.parse((await cli(['diff', 'sweep.json', 'sweep.json', '--format', 'json'], { cwd: dir })).stdout) as DiffReport;
    expect(same.variants).toHaveLength(8);
    expect(same.counts).toMatchObject({ regressed: 0, improved: 0, inconclusive: 0 });
    // Another seed: downtimes differ by noise, and 2 + 2 runs are too few to call it.
    await run([join(ROOT, 'scenarios/memory-sweep.yaml'), '--replications', '2', '--seed', '5', '--out', 'sweep-seed5.json']);
    const other = JSON.parse((await cli(['diff', 'sweep.json', 'sweep-seed5.json', '--format', 'json'], { cwd: dir })).stdout) as DiffReport;
    const dt1 = other.variants.flatMap((v) => v.metrics.filter((m) => m.metric === 'downtime1'));
    expect(dt1.every((m) => m.verdict === 'inconclusive')).toBe(true);
  });

  it('two results with no variant in common exit 2 with one line', async () => {
    const r = await cli(['diff', 'sweep.json', 'profiles.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^svqsim: error: sweep\.json and profiles\.json share no variant \(old: memory-sweep\/baseline\/memory=16GiB, .*; new: compare-profiles\/profile=vdpa_sim, .*\): compare results of the same scenario\n$/);
  });
});

describe('export', () => {
  it('one CSV row per run with the sweep parameters as columns', async () => {
    const r = await cli(['export', 'sweep.json', 'profiles.json', '--format', 'csv'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const [head, ...rows] = parseCsv(r.stdout);
    expect(rows).toHaveLength(16 + 6);
    expect(head!.slice(0, 7)).toEqual(['scenario', 'variant', 'variant_name', 'vm.memory', 'devices[0].profile', 'replication', 'seed']);
    const col = (n: string) => head!.indexOf(n);
    expect(rows.slice(0, 3).map((x) => [x[1], x[2], x[3], x[4], x[5]])).toEqual([
      ['baseline/memory=16GiB', 'baseline', '16GiB', '', '0'],
      ['baseline/memory=16GiB', 'baseline', '16GiB', '', '1'],
      ['baseline/memory=64GiB', 'baseline', '64GiB', '', '0'],
    ]);
    expect(rows.at(-1)!.slice(0, 6)).toEqual(['compare-profiles', 'profile=platform_iommu', '', '', 'platform_iommu', '1']);
    const doc = read('sweep.json');
    const last = doc.runs.find((x) => x.variant === 'all-strategies/memory=1TiB' && x.replication === 1)!;
    const csvRow = rows[15]!;
    expect(csvRow[col('downtime2_ns')]).toBe(String(last.downtime2.totalNs));
    expect(csvRow[col('downtime2.pagesPinned')]).toBe(String(last.downtime2.counts.pagesPinned));
    expect(head!.some((h) => /^downtime2\.map\[dst:net0\]_ns$/.test(h))).toBe(true);
    for (const x of rows) expect(x).toHaveLength(head!.length);
    // The same input, the same bytes.
    expect((await cli(['export', 'sweep.json', 'profiles.json'], { cwd: dir })).stdout).toBe(r.stdout);
  });
});

describe('gate refuses ambiguous input (exit 2, one line)', () => {
  const gate = (args: string[]) => cli(['gate', ...args], { cwd: dir });
  const refused = async (args: string[], message: RegExp) => {
    const r = await gate(args);
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  };

  it('unitless times, --max-regression without % or out of range', async () => {
    await refused(['sweep.json', '-t', 'downtime2.p99<2'], /a time limit needs a unit \(ns, us, ms, s\), as in 2ms/);
    await refused(['sweep.json', '--baseline', 'sweep.json', '--max-regression', '5'], /--max-regression: "5" is ambiguous: write 5% for a percentage, or a fraction below 1 such as 0.05/);
    await refused(['sweep.json', '--baseline', 'sweep.json', '--max-regression', '1500%'], /--max-regression: expected at most 1000%/);
    await refused(['sweep.json', '--baseline', 'sweep.json', '--max-regression', '-5%'], /--max-regression: expected a percentage like "5%"/);
    const ok = await gate(['sweep.json', '--baseline', 'sweep.json', '--max-regression', '5%']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').at(-1)).toBe('16 passed, 0 failed');
  });

  it('a baseline with none of the variants, an unknown or stat-suffixed --regression-metric', async () => {
    await refused(['sweep.json', '--baseline', 'profiles.json'], /--baseline: profiles\.json has none of the variants of sweep\.json \(is it a result of another scenario\?\)/);
    await refused(['sweep.json', '--baseline', 'sweep.json', '--regression-metric', 'downtime2.p50'], /expected a metric name such as downtime2, found "downtime2.p50"/);
    await refused(['sweep.json', '--baseline', 'sweep.json', '--regression-metric', 'downtime3'], /"downtime3" is not a metric of these results \(did you mean "downtime1"\?\)/);
    await refused(['custom.json', '--baseline', 'custom.json', '--regression-metric', 'observed'], /"observed" is not a metric of these results \(observed gaps need a probe/);
  });

  it('a gate that checks nothing, or baseline flags without a baseline', async () => {
    await refused(['sweep.json'], /nothing to check: give --threshold, --baseline or --min-replications/);
    await refused(['custom.json', '-t', 'observed.p99 < 1s'], /nothing was checked: 2 checks skipped, none passed or failed/);
    // One threshold that checks and one that checks nothing: still refused.
    await refused(['custom.json', '-t', 'downtime2.p99 < 1m', '-t', 'observed.p99 < 1s'], /--threshold observed.p99 < 1s: checked nothing, skipped for every variant \(no observed values in this variant\)/);
    await refused(['sweep.json', '-t', 'downtime2.p99 < 1m', '--max-regression', '10%'], /--max-regression: only used with --baseline FILE/);
    // The shipped default scenario carries gates: those are checks.
    const own = await gate(['default.json']);
    expect(own.code).toBe(0);
    expect(own.stdout.trim().split('\n').at(-1)).toBe('2 passed, 0 failed');
  });
});
