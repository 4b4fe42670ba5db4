// compare.test.ts — compare in every format, ratios against the chosen baseline, bad options.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compareResults, compareRows } from '../../metrics/compare.js';
import { readResultFile } from '../../metrics/resultFile.js';
import { registerCompareCommand } from '../../sim/cli/commands/compare.js';
import { runCommand } from './cliHarness.js';
import { defined } from '../defined.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');
const doc = readResultFile('two-variants.json', fixtures);
const compare = (args: string[]) => runCommand(registerCompareCommand, ['compare', ...args], fixtures);

describe('compareRows', () => {
  it('ratios refer to the first variant unless told otherwise', () => {
    const rows = compareRows([doc]);
    expect(rows.map((r) => r.variant)).toEqual(['baseline', 'desc-persist']);
    expect(rows[0]!.ratioP50).toBe(1);
    const dp = defined(doc.aggregates['switch-128g/desc-persist']?.metrics.downtime2, 'desc-persist downtime2');
    const bl = defined(doc.aggregates['switch-128g/baseline']?.metrics.downtime2, 'baseline downtime2');
    expect(rows[1]!.ratioP99).toBeCloseTo(dp.p99 / bl.p99, 12);
    const swapped = compareRows([doc], { baseline: 'desc-persist', metric: 'downtime1' });
    expect(swapped[1]!.ratioP50).toBe(1);
    expect(swapped[0]!.ratioP50).toBeGreaterThan(50);
    expect(rows[0]!.update).toBe(28);
  });
});

describe('svqsim compare', () => {
  it('table: aligned columns and a histogram per variant', async () => {
    const r = await compare(['two-variants.json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^variant\s+runs\s+dt1 p50 ms/);
    expect(lines[2]).toMatch(/^switch-128g\/baseline\s+20\s/);
    expect(lines[2]).toContain('1.000×');
    expect(r.stdout).toContain('downtime2 — switch-128g/desc-persist (20 runs)');
    expect(r.stdout).toMatch(/│█+/);
    const bars = lines.filter((l) => l.includes('│'));
    // Each histogram's counts add up to the runs.
    const counts = bars.map((l) => Number(l.trim().split(/\s+/).at(-1)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
  });

  it('md: a Markdown table with a separator row', async () => {
    const r = await compare(['two-variants.json', '--format', 'md']);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\| --- \| ---: \|/);
    expect(lines[3]).toMatch(/^\| switch-128g\/desc-persist \| 20 \|/);
  });

  it('json: rows with ns values', async () => {
    const r = await compare(['two-variants.json', '--format', 'json', '--metric', 'downtime1']);
    const j = JSON.parse(r.stdout) as { metric: string; rows: { downtime2: { p99: number } }[] };
    expect(j.metric).toBe('downtime1');
    expect(j.rows[1]!.downtime2.p99).toBe(doc.aggregates['switch-128g/desc-persist']!.metrics.downtime2!.p99);
  });

  it('csv: header and one line per variant', async () => {
    const r = await compare(['two-variants.json', '--format', 'csv']);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]!.split(',')).toContain('downtime2_p99_ns');
    expect(lines[1]!.split(',')[0]).toBe('switch-128g');
    expect(lines[1]!.split(',').length).toBe(lines[0]!.split(',').length);
  });

  it('bad options exit 2', async () => {
    expect((await compare(['two-variants.json', '--format', 'xml'])).code).toBe(2);
    expect((await compare(['two-variants.json', '--baseline', 'nope'])).code).toBe(2);
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
