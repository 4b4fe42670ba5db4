// diff.test.ts — the change report between two results: verdicts (regressed, improved, no change
// within the noise threshold, inconclusive with too few runs), matching, formats, bad input.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { diffResults, formatDiff, type DiffReport } from '../../metrics/diff.js';
import { aggregate } from '../../metrics/aggregate.js';
import type { ResultDocument } from '../../metrics/result.js';
import { registerDiffCommand } from '../../sim/cli/commands/diff.js';
import { makeDocument } from '../fixtures/results/makeFixture.js';
import { runCommand } from './cliHarness.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');
const diff = (args: string[]) => runCommand(registerDiffCommand, ['diff', ...args], fixtures);

/** A copy of `doc` with downtime2 of `variant` scaled by `factor`. */
function scaled(doc: ResultDocument, variant: string, factor: number): ResultDocument {
  const d = structuredClone(doc);
  for (const r of d.runs) if (r.variant === variant) r.downtime2.totalNs = Math.round(r.downtime2.totalNs * factor);
  d.aggregates = aggregate(d.runs);
  return d;
}

const change = (r: DiffReport, variant: string, metric: string) => r.variants.find((v) => v.variant === variant)!.metrics.find((m) => m.metric === metric)!;

describe('diffResults', () => {
  const old = makeDocument({ seed: 7 });

  it('regressed and improved need p < alpha and the interval beyond the noise threshold', () => {
    const slow = scaled(scaled(makeDocument({ seed: 8 }), 'baseline', 1.3), 'desc-persist', 0.6);
    const r = diffResults({ name: 'old.json', doc: old }, { name: 'new.json', doc: slow });
    const up = change(r, 'baseline', 'downtime2');
    expect(up.verdict).toBe('regressed');
    expect(up.p).toBeLessThan(0.05);
    expect(up.ci95[0]).toBeGreaterThan(0.01);
    expect(up.change).toBeCloseTo(up.new.mean / up.old.mean - 1, 12);
    expect(change(r, 'desc-persist', 'downtime2').verdict).toBe('improved');
    // Counts that did not move.
    expect(change(r, 'baseline', 'update')).toMatchObject({ change: 0, ci95: [0, 0], p: 1, verdict: 'no change' });
    expect(r.counts.regressed).toBeGreaterThanOrEqual(1);
    expect(r.onlyOld).toEqual([]);
  });

  it('a significant change inside the noise threshold is "no change"', () => {
    // Quiet samples: 1 s plus a few µs, then the same 0.5% longer: perfectly separated (p tiny), but within ±2%.
    const quiet = (factor: number) => {
      const d = structuredClone(old);
      d.runs.forEach((r, i) => (r.downtime2.totalNs = Math.round((1e9 + 1000 * (i % 20)) * factor)));
      d.aggregates = aggregate(d.runs);
      return d;
    };
    const r = diffResults({ name: 'a', doc: quiet(1) }, { name: 'b', doc: quiet(1.005) }, { noiseThreshold: 0.02 });
    const m = change(r, 'baseline', 'downtime2');
    expect(m.p).toBeLessThan(0.05);
    expect(m.verdict).toBe('no change');
    expect(m.reason).toBe('within the noise threshold (±2%)');
    // With a noise threshold below the change, it is a regression.
    expect(change(diffResults({ name: 'a', doc: quiet(1) }, { name: 'b', doc: quiet(1.005) }, { noiseThreshold: 0.001 }), 'baseline', 'downtime2').verdict).toBe('regressed');
  });

  it('too few runs for the test to reach alpha: "inconclusive", not "no change"', () => {
    const few = makeDocument({ to: 3 });
    const r = diffResults({ name: 'a', doc: few }, { name: 'b', doc: scaled(few, 'baseline', 2) });
    const m = change(r, 'baseline', 'downtime2');
    expect(m.verdict).toBe('inconclusive');
    expect(m.reason).toBe('3 old and 3 new runs cannot reach p < 0.05: run more replications');
    expect(change(r, 'baseline', 'update').verdict).toBe('no change');
  });

  it('matches variants by id when each document holds one scenario under another name', () => {
    const other = structuredClone(old);
    for (const r of other.runs) r.scenario = 'renamed';
    other.scenarios[0]!.name = 'renamed';
    other.aggregates = aggregate(other.runs);
    const r = diffResults({ name: 'a', doc: old }, { name: 'b', doc: other });
    expect(r.variants.map((v) => [v.scenario, v.variant, v.oldScenario])).toEqual([
      ['renamed', 'baseline', 'switch-128g'],
      ['renamed', 'desc-persist', 'switch-128g'],
    ]);
  });

  it('lists variants found in one document only, and refuses documents with none in common', () => {
    const one = makeDocument({ variants: ['baseline'] });
    const r = diffResults({ name: 'a', doc: old }, { name: 'b', doc: one });
    expect(r.variants.map((v) => v.variant)).toEqual(['baseline']);
    expect(r.onlyOld).toEqual(['switch-128g/desc-persist']);
    expect(formatDiff(r)).toMatch(/\(1 variant in both; only in old: switch-128g\/desc-persist\)\n$/);
    const other = makeDocument({ variants: ['desc-persist'] });
    expect(() => diffResults({ name: 'a.json', doc: one }, { name: 'b.json', doc: other })).toThrow(
      'a.json and b.json share no variant (old: switch-128g/baseline; new: switch-128g/desc-persist): compare results of the same scenario',
    );
  });

  it('checks --metric names', () => {
    expect(() => diffResults({ name: 'a', doc: old }, { name: 'b', doc: old }, { metrics: ['downtime3'] })).toThrow(/unknown metric "downtime3" \(did you mean "downtime1"\?\)/);
    const r = diffResults({ name: 'a', doc: old }, { name: 'b', doc: old }, { metrics: ['downtime2', 'downtime1.update'] });
    expect(r.variants[0]!.metrics.map((m) => m.metric)).toEqual(['downtime2', 'downtime1.update']);
  });
});

describe('svqsim diff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'svqsim-diff-'));
  const oldFile = join(dir, 'old.json');
  const newFile = join(dir, 'new.json');
  writeFileSync(oldFile, JSON.stringify(makeDocument({ seed: 7 })));
  writeFileSync(newFile, JSON.stringify(scaled(makeDocument({ seed: 8 }), 'baseline', 1.3)));

  it('table: a block per variant, one line per metric, a summary line', async () => {
    const r = await diff([oldFile, newFile]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`change of the mean, new ${newFile} against old ${oldFile}, 95% CI; Mann–Whitney p (two-sided); alpha 0.05, noise threshold ±1%`);
    expect(lines[2]).toBe('switch-128g/baseline (20 → 20 runs)');
    expect(lines[3]).toMatch(/^ {2}metric\s+old\s+new\s+change \(95% CI\)\s+p\s+verdict$/);
    expect(r.stdout).toMatch(/\n {2}downtime2\s+[\d.]+ s\s+[\d.]+ s\s+\+[\d.]+% \(\+[\d.]+% … \+[\d.]+%\)\s+<?0\.\d+\s+regressed\n/);
    expect(r.stdout).toMatch(/\n {2}pagesPinned\s+256 GiB\s+256 GiB\s/);
    expect(lines.at(-2)).toMatch(/^\d+ regressed, \d+ improved, \d+ no change, 0 inconclusive \(2 variants in both\)$/);
  });

  it('markdown and json', async () => {
    const md = await diff([oldFile, newFile, '--format', 'markdown', '--metric', 'downtime2']);
    expect((await diff([oldFile, newFile, '--format', 'md', '--metric', 'downtime2'])).stdout).toBe(md.stdout);
    const lines = md.stdout.trim().split('\n');
    expect(lines[0]).toBe('## svqsim diff');
    expect(lines[4]).toBe('| variant | metric | old | new | change (95% CI) | p | verdict |');
    expect(lines[6]).toMatch(/^\| switch-128g\/baseline \| downtime2 \| [\d.]+ s \| [\d.]+ s \| \+[\d.]+% \(.*\) \| .* \| \*\*regressed\*\* \|$/);
    const j = JSON.parse((await diff([oldFile, newFile, '--format', 'json'])).stdout) as DiffReport;
    const m = j.variants[0]!.metrics.find((x) => x.metric === 'downtime2')!;
    expect(m.verdict).toBe('regressed');
    const oldDoc = JSON.parse(readFileSync(oldFile, 'utf8')) as ResultDocument;
    expect(m.old.mean).toBe(oldDoc.aggregates['switch-128g/baseline']!.metrics.downtime2!.mean);
    expect(j.noiseThreshold).toBe(0.01);
  });

  it('bad input exits 2 with one line', async () => {
    const one = join(dir, 'one.json');
    const other = join(dir, 'other.json');
    writeFileSync(one, JSON.stringify(makeDocument({ variants: ['baseline'] })));
    writeFileSync(other, JSON.stringify(makeDocument({ variants: ['desc-persist'], scenario: 'elsewhere' })));
    const none = await diff([one, other]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^svqsim: error: .*one\.json and .*other\.json share no variant \(old: switch-128g\/baseline; new: elsewhere\/desc-persist\)/);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect((await diff([oldFile, newFile, '--format', 'xml'])).code).toBe(2);
    const noise = await diff([oldFile, newFile, '--noise-threshold', '2']);
    expect(noise.code).toBe(2);
    expect(noise.stderr).toMatch(/--noise-threshold: "2" is ambiguous: write 2% for a percentage/);
    expect((await diff([oldFile, newFile, '--alpha', '1'])).code).toBe(2);
    expect((await diff([oldFile, 'missing.json'])).code).toBe(2);
    expect((await diff([oldFile])).code).toBe(2);
  });
});
