// gate.test.ts — gate checks, exit codes, closing line, --warn-only and every writer.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { registerGateCommand } from '../../sim/cli/commands/gate.js';
import { evaluateGate } from '../../metrics/gate.js';
import { aggregate } from '../../metrics/aggregate.js';
import { makeDocument } from '../fixtures/results/makeFixture.js';
import { runCommand } from './cliHarness.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');
const gate = (args: string[], env: Record<string, string> = {}) => runCommand(registerGateCommand, ['gate', ...args], fixtures, env);
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);

describe('evaluateGate', () => {
  const doc = makeDocument({});
  it('passes and fails thresholds per variant', () => {
    const r = evaluateGate([{ name: 'r.json', doc }], { thresholds: ['downtime2.p99 < 300ms'] });
    expect(r.checks.map((c) => [c.variant, c.status])).toEqual([
      ['switch-128g/baseline', 'fail'],
      ['switch-128g/desc-persist', 'fail'],
    ]);
    const r2 = evaluateGate([{ name: 'r.json', doc }], { thresholds: ['downtime2.p50 < 300ms', 'update.mean <= 30'] });
    expect(r2.checks.filter((c) => c.variant.endsWith('desc-persist')).map((c) => c.status)).toEqual(['pass', 'pass']);
    expect(r2.closingLine).toBe('3 passed, 1 failed');
  });

  it('fails every check of a variant with too few replications', () => {
    const small = makeDocument({ to: 3 });
    const r = evaluateGate([{ name: 's', doc: small }], { thresholds: ['downtime2.p50 < 1h'], minReplications: 5 });
    expect(r.failed).toBe(4);
    expect(r.checks[1]!.message).toMatch(/inconclusive: only 3 replications/);
  });

  it('flags a significant regression against the baseline but not noise', () => {
    const base = makeDocument({ seed: 7 });
    const same = evaluateGate([{ name: 'cur', doc: makeDocument({ seed: 8 }) }], { baseline: { name: 'base', doc: base } });
    expect(same.failed).toBe(0);
    // Slow every downtime2 of the current result by 20%.
    const slow = makeDocument({ seed: 8 });
    for (const run of slow.runs) run.downtime2.totalNs = Math.round(run.downtime2.totalNs * 1.2);
    slow.aggregates = aggregate(slow.runs);
    const r = evaluateGate([{ name: 'cur', doc: slow }], { baseline: { name: 'base', doc: base }, maxRegression: 0.05 });
    const dt2 = r.checks.filter((c) => c.check.startsWith('downtime2'));
    expect(dt2.map((c) => c.status)).toEqual(['fail', 'fail']);
    expect(dt2[0]!.message).toMatch(/Mann–Whitney p = /);
    // A large allowed regression lets it pass.
    expect(evaluateGate([{ name: 'cur', doc: slow }], { baseline: { name: 'base', doc: base }, maxRegression: 0.5 }).failed).toBe(0);
  });

  it('skips metrics the variant lacks', () => {
    const d = makeDocument({ to: 4 });
    for (const run of d.runs) delete run.observedNs;
    d.aggregates = aggregate(d.runs);
    const r = evaluateGate([{ name: 'x', doc: d }], { thresholds: ['observed.p99 < 1s'] });
    expect(r.closingLine).toBe('0 passed, 0 failed, 2 skipped');
  });
});

describe('svqsim gate', () => {
  const out = mkdtempSync(join(tmpdir(), 'svqsim-gate-'));

  it('exits 0 when every check holds, with the closing line last', async () => {
    const r = await gate(['two-variants.json', '--threshold', 'downtime2.p99<40s', '--threshold', 'downtime1.max < 1m']);
    expect(r.code).toBe(0);
    // 2 command-line thresholds and the scenario's 2 gates, for 2 variants.
    expect(lastLine(r.stdout)).toBe('8 passed, 0 failed');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('PASS'))).toHaveLength(8);
  });

  it('exits 3 when a check fails, and 0 with --warn-only', async () => {
    const r = await gate(['two-variants.json', '-t', 'downtime2.p99 < 300ms']);
    expect(r.code).toBe(3);
    expect(lastLine(r.stdout)).toBe('4 passed, 2 failed');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toHaveLength(2);
    const w = await gate(['two-variants.json', '-t', 'downtime2.p99 < 300ms', '--warn-only']);
    expect(w.code).toBe(0);
    expect(lastLine(w.stdout)).toBe('4 passed, 0 failed, 2 warned');
  });

  it('exits 2 on bad input', async () => {
    expect((await gate(['two-variants.json', '-t', 'downtime2.p99 <'])).code).toBe(2);
    const typo = await gate(['two-variants.json', '-t', 'downtim2.p99 < 3s']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean "downtime2"/);
    expect((await gate(['missing.json', '-t', 'downtime2.p99 < 3s'])).code).toBe(2);
    const alpha = await gate(['two-variants.json', '--baseline', 'previous.json', '--alpha', '2']);
    expect(alpha.code).toBe(2);
    expect(alpha.stderr).toMatch(/--alpha: expected a number between 0 and 1/);
    expect((await gate(['previous.json'])).stderr).toMatch(/nothing to check/);
  });

  it('refuses ambiguous input: unitless times, a bare --max-regression, stat-suffixed or unknown regression metrics', async () => {
    const unitless = await gate(['two-variants.json', '-t', 'downtime2.p99<2']);
    expect(unitless.code).toBe(2);
    expect(unitless.stderr).toMatch(/a time limit needs a unit/);
    const bare = await gate(['two-variants.json', '--baseline', 'previous.json', '--max-regression', '5']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/"5" is ambiguous: write 5% for a percentage/);
    expect((await gate(['two-variants.json', '--baseline', 'previous.json', '--max-regression', '0.05'])).code).not.toBe(2);
    expect((await gate(['two-variants.json', '--baseline', 'previous.json', '--max-regression', '5000%'])).code).toBe(2);
    const suffixed = await gate(['two-variants.json', '--baseline', 'previous.json', '--regression-metric', 'downtime2.p50']);
    expect(suffixed.code).toBe(2);
    expect(suffixed.stderr).toMatch(/expected a metric name such as downtime2/);
    const unknown = await gate(['two-variants.json', '--baseline', 'previous.json', '--regression-metric', 'downtime3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/"downtime3" is not a metric of these results \(did you mean "downtime1"\?\)/);
  });

  it('refuses the baseline flags without --baseline (they would do nothing)', async () => {
    for (const flags of [['--max-regression', '10%'], ['--regression-metric', 'downtime2'], ['--alpha', '0.01']]) {
      const r = await gate(['two-variants.json', '-t', 'downtime2.p99 < 40s', ...flags]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`svqsim: error: ${flags[0]}: only used with --baseline FILE (compare with a saved result), which is not given\n`);
      expect(r.stdout).toBe('');
    }
    expect((await gate(['two-variants.json', '--baseline', 'previous.json', '--max-regression', '10%', '--alpha', '0.01'])).code).not.toBe(2);
  });

  it('refuses a command-line threshold or regression metric that no variant could check', async () => {
    const doc = JSON.parse(readFileSync(join(fixtures, 'two-variants.json'), 'utf8')) as { runs: { observedNs?: number; downtime1: { observedNs?: number }; downtime2: { observedNs?: number } }[]; aggregates: unknown };
    for (const r of doc.runs) {
      delete r.observedNs;
      delete r.downtime1.observedNs;
      delete r.downtime2.observedNs;
    }
    doc.aggregates = aggregate(doc.runs as never);
    const file = join(out, 'no-probe.json');
    writeFileSync(file, JSON.stringify(doc));
    // The scenario's own gates pass, but the asked-for threshold checked nothing.
    const r = await runCommand(registerGateCommand, ['gate', file, '-t', 'observed.p99 < 1s'], fixtures, {});
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('svqsim: error: --threshold observed.p99 < 1s: checked nothing, skipped for every variant (no observed values in this variant)\n');
    // Without a probe, "observed" is not a metric of the result at all.
    const m = await runCommand(registerGateCommand, ['gate', file, '--baseline', file, '--regression-metric', 'observed'], fixtures, {});
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/"observed" is not a metric of these results \(observed gaps need a probe: workload\.probe\)/);
    // --min-replications 0 checks nothing either.
    const zero = await runCommand(registerGateCommand, ['gate', join(fixtures, 'previous.json'), '--min-replications', '0'], fixtures, {});
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/nothing to check/);
  });

  it('refuses a baseline that matches no variant, and a gate that checks nothing', async () => {
    // A result of another scenario: the same document with its variants renamed, in a scratch directory.
    const doc = makeDocument({ scenario: 'other', gates: ['downtime1.p99 < 15s'] });
    writeFileSync(join(out, 'other.json'), JSON.stringify(doc));
    const other = await runCommand(registerGateCommand, ['gate', join(fixtures, 'two-variants.json'), '--baseline', join(out, 'other.json')], fixtures, {});
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/has none of the variants/);
    // Without gates, a threshold on a metric no run measured (no probe flow): every check skipped.
    for (const sc of doc.scenarios) delete sc.gates;
    for (const r of doc.runs) delete r.observedNs;
    doc.aggregates = aggregate(doc.runs);
    writeFileSync(join(out, 'empty.json'), JSON.stringify(doc));
    const nothing = await runCommand(registerGateCommand, ['gate', join(out, 'empty.json'), '-t', 'observed.p99 < 1s'], fixtures, {});
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing was checked: 2 checks skipped/);
  });

  it('fails a partial result (unless --allow-partial) and a variant whose runs broke an invariant', async () => {
    const doc = JSON.parse(readFileSync(join(fixtures, 'two-variants.json'), 'utf8')) as { partial?: boolean; runs: { variant: string; invariants: { violations: string[] } }[] };
    doc.partial = true;
    writeFileSync(join(out, 'partial.json'), JSON.stringify(doc));
    const p = await runCommand(registerGateCommand, ['gate', join(out, 'partial.json')], fixtures, {});
    expect(p.code).toBe(3);
    expect(p.stdout).toMatch(/FAIL {2}\(all\) {2}complete result/);
    const ok = await runCommand(registerGateCommand, ['gate', join(out, 'partial.json'), '--allow-partial'], fixtures, {});
    expect(ok.code).toBe(0);
    delete doc.partial;
    doc.runs[0]!.invariants.violations = ['t=1 ns guest:net0: 1 made available, 0 used, 0 outstanding'];
    writeFileSync(join(out, 'broken.json'), JSON.stringify(doc));
    const b = await runCommand(registerGateCommand, ['gate', join(out, 'broken.json')], fixtures, {});
    expect(b.code).toBe(3);
    expect(b.stdout).toContain('invariants hold  — 1 run with invariant violations');
  });

  it('uses the scenario gates carried by the result', async () => {
    const r = await gate(['two-variants.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('downtime1.p99 < 15s');
    expect(lastLine(r.stdout)).toBe('4 passed, 0 failed');
  });

  it('compares with a baseline file', async () => {
    const r = await gate(['two-variants.json', '--baseline', 'previous.json', '--max-regression', '5%', '--min-replications', '10']);
    expect(r.stdout).toContain('downtime2.p99 vs baseline (<= +5.0%)');
    expect(r.stdout).toMatch(/replications >= 10/);
    expect([0, 3]).toContain(r.code);
    expect(lastLine(r.stdout)).toMatch(/^\d+ passed, \d+ failed$/);
  });

  it('writes JUnit XML that a standard parser reads', async () => {
    const file = join(out, 'gate.xml');
    const r = await gate(['two-variants.json', 'shard-1of2.json', '-t', 'downtime2.p99 < 300ms', '--junit', file]);
    expect(r.code).toBe(3);
    const xml = readFileSync(file, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    type TestCase = { failure?: { '@_message': string } };
    const parsed = new XMLParser({ ignoreAttributes: false, isArray: (n) => ['testsuite', 'testcase'].includes(n) }).parse(xml) as {
      testsuites: { '@_failures': string; testsuite: { '@_name': string; testcase: TestCase[] }[] };
    };
    const suites = parsed.testsuites.testsuite;
    expect(suites.map((s) => s['@_name'])).toEqual(['two-variants.json: switch-128g', 'shard-1of2.json: switch-128g']);
    const cases = suites[0]!.testcase;
    expect(cases).toHaveLength(6);
    const allFailures = suites.flatMap((s) => s.testcase).filter((c) => c.failure);
    const failed = cases.filter((c) => c.failure);
    expect(failed).toHaveLength(2);
    expect(failed[0]!.failure!['@_message']).toMatch(/downtime2\.p99 = .* limit < 300 ms/);
    expect(parsed.testsuites['@_failures']).toBe(String(allFailures.length));
    expect(lastLine(r.stdout)).toBe(`${12 - allFailures.length} passed, ${allFailures.length} failed`);
  });

  it('writes Markdown, annotations and benchmark JSON', async () => {
    const md = join(out, 'summary.md');
    writeFileSync(md, '# earlier step\n');
    const bench = join(out, 'bench.json');
    const r = await gate(['two-variants.json', '-t', 'downtime2.p99 < 300ms', '--markdown', md, '--github-annotations', '--benchmark-json', bench], {
      GITHUB_STEP_SUMMARY: md,
    });
    const mdText = readFileSync(md, 'utf8');
    expect(mdText.startsWith('# earlier step\n## svqsim gate')).toBe(true);
    expect(mdText).toMatch(/\| ❌ fail \| switch-128g\/baseline \| `downtime2.p99 < 300ms` \|/);
    const ann = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(ann).toHaveLength(2);
    expect(ann[0]).toMatch(/^::error title=svqsim gate switch-128g\/baseline downtime2\.p99 < 300ms::downtime2\.p99 = /);
    const entries = JSON.parse(readFileSync(bench, 'utf8')) as { name: unknown; unit: unknown; value: unknown }[];
    expect(Array.isArray(entries)).toBe(true);
    for (const e of entries) {
      expect(typeof e.name).toBe('string');
      expect(typeof e.unit).toBe('string');
      expect(typeof e.value).toBe('number');
    }
    expect(entries.find((e) => e.name === 'switch-128g/desc-persist downtime2 p99')).toMatchObject({ unit: 'ms' });
  });
});
