// api.test.ts — the programmatic API: run on files and on objects gives the CLI's documents,
// compare and gate work on them as the CLI's commands do, and bad input is an InputError that
// names the field.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compare, gate, InputError, run, type ResultDocument, type ScenarioDocument } from '../../../sim/api/index.js';
import { cli } from '../../cliHarness.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const scenarioObject = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8')) as ScenarioDocument;

/** A small, fast scenario as data: 1 GiB, one vdpa_sim NIC, two variants. */
function tiny(): ScenarioDocument {
  return {
    name: 'tiny',
    replications: 2,
    vm: { memory: '1GiB' },
    devices: [{ name: 'net0', profile: 'vdpa_sim' }],
    migration: { bandwidth: '10Gbit/s' },
    variants: [{ name: 'baseline' }, { name: 'batch-maps', set: { 'migration.strategies.batchMaps': true } }],
    gates: ['downtime2.p99 < 10s'],
  };
}

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('run', () => {
  it('runs a scenario file into the document `svqsim run --json` prints', async () => {
    const doc = await run('scenarios/default.yaml', { cwd: ROOT, jobs: 1 });
    const printed = await cli(['run', 'scenarios/default.yaml', '--json', '--jobs', '1'], { cwd: ROOT });
    expect(printed.code).toBe(0);
    expect(doc).toEqual(JSON.parse(printed.stdout));
    expect(doc.scenarios[0]!.file).toBe('scenarios/default.yaml');
  });

  it('runs a scenario object as its file runs (same runs, same aggregates), labelled as an object', async () => {
    const fromFile = await run(join(ROOT, 'scenarios', 'default.yaml'), { jobs: 1 });
    const fromObject = await run(scenarioObject('scenarios/default.yaml'), { jobs: 1 });
    expect(fromObject.runs).toEqual(fromFile.runs);
    expect(fromObject.aggregates).toEqual(fromFile.aggregates);
    expect(fromObject.scenarios[0]).toMatchObject({ file: '(scenario object)', name: 'default', seed: 1 });
    expect(fromObject.scenarios[0]!.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Deterministic: the same object gives the same document.
    expect(await run(scenarioObject('scenarios/default.yaml'), { jobs: 1 })).toEqual(fromObject);
  });

  it('takes several scenarios, the CLI overrides, and reports each recorded run', async () => {
    const seen: string[] = [];
    const doc = await run([tiny(), { ...tiny(), name: 'tiny2' }], { seed: 7, replications: 1, jobs: 1, onRecord: (r) => seen.push(`${r.scenario}/${r.variant}`) });
    expect(doc.scenarios.map((s) => [s.file, s.name, s.seed])).toEqual([
      ['(scenario object 1)', 'tiny', 7],
      ['(scenario object 2)', 'tiny2', 7],
    ]);
    expect(doc.runs).toHaveLength(4);
    expect(seen.sort()).toEqual(['tiny/baseline', 'tiny/batch-maps', 'tiny2/baseline', 'tiny2/batch-maps']);
  });

  it('stops when its AbortSignal is aborted, with the finished runs marked partial', async () => {
    const before = new AbortController();
    before.abort();
    expect(await run(tiny(), { signal: before.signal })).toMatchObject({ partial: true, runs: [] });
    const during = new AbortController();
    const doc = await run(tiny(), { jobs: 1, signal: during.signal, onRecord: () => during.abort() });
    expect(doc.partial).toBe(true);
    expect(doc.runs.length).toBeGreaterThanOrEqual(1);
    expect(doc.runs.length).toBeLessThan(4);
  });

  it('resolves profile paths in an object against cwd', async () => {
    const doc = await run(scenarioObject('scenarios/custom-profile.yaml'), { cwd: join(ROOT, 'scenarios'), replications: 1, jobs: 1 });
    expect(doc.runs.length).toBeGreaterThan(0);
    const missing = await rejection(run(scenarioObject('scenarios/custom-profile.yaml'), { cwd: ROOT, replications: 1 }));
    expect(missing).toBeInstanceOf(InputError);
    expect(missing.message).toMatch(/^\(scenario object\): sweep\.params\["devices\[0\]\.profile"\]\[1\]: profile file "profiles\/example-smartnic\.yaml" not found/);
  });

  it('rejects bad input with an InputError naming the field (no line of the object)', async () => {
    const bad = { ...tiny(), vm: { memory: '16 gigs' } };
    const e = await rejection(run(bad));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe('(scenario object): vm.memory: expected a size like 16GiB, found "16 gigs"');
    const typo = await rejection(run({ ...tiny(), migraton: {} } as unknown as ScenarioDocument));
    expect(typo.message).toMatch(/^\(scenario object\): unknown key "migraton" \(did you mean "migration"\?\)/);
    const sweep = await rejection(run({ ...tiny(), sweep: { params: { 'vm.memry': ['1GiB'] } } }));
    expect(sweep.message).toBe('(scenario object): sweep.params: "vm.memry": unknown key "memry" in vm (did you mean "memory"?)');
    expect((await rejection(run('no-such.yaml', { cwd: ROOT }))).message).toBe('no-such.yaml: no such file');
    expect((await rejection(run(42 as unknown as ScenarioDocument))).message).toBe('(scenario object): expected a scenario (an object), found 42');
    expect((await rejection(run([]))).message).toBe('run: no scenarios given');
  });

  it('rejects bad options', async () => {
    expect((await rejection(run(tiny(), { seed: -1 }))).message).toBe('seed: expected an integer in 0..4294967295, found -1');
    expect((await rejection(run(tiny(), { replications: 0 }))).message).toMatch(/^replications: expected an integer in 1\.\./);
    expect((await rejection(run(tiny(), { jobs: 1.5 }))).message).toMatch(/^jobs: /);
    expect((await rejection(run(tiny(), { shard: { index: 3, count: 2 } }))).message).toBe('shard.index: expected an integer in 1..2, found 3');
  });
});

describe('compare and gate', () => {
  const result: Promise<ResultDocument> = run(tiny(), { jobs: 1 });

  it('compare gives one row per variant with the ratios to the baseline', async () => {
    const doc = await result;
    const rows = compare(doc);
    expect(rows.map((r) => [r.key, r.runs, r.baseline])).toEqual([
      ['tiny/baseline', 2, 'tiny/baseline'],
      ['tiny/batch-maps', 2, 'tiny/baseline'],
    ]);
    expect(rows[0]!.ratioP50).toBe(1);
    expect(compare([doc], { baseline: 'batch-maps' })[1]!.ratioP50).toBe(1);
    expect(() => compare(doc, { baseline: 'nope' })).toThrow(InputError);
  });

  it('gate checks the scenario gates and thresholds, and fails with exitCode 3', async () => {
    const doc = await result;
    const ok = gate(doc);
    expect(ok).toMatchObject({ passed: 2, failed: 0, exitCode: 0, closingLine: '2 passed, 0 failed' });
    const bad = gate(doc, { thresholds: ['downtime2.p99 < 1us'] });
    expect(bad).toMatchObject({ failed: 2, exitCode: 3 });
    expect(bad.checks.find((c) => c.status === 'fail')).toMatchObject({ suite: 'result: tiny', variant: 'tiny/baseline', origin: 'cli' });
    expect(gate(doc, { thresholds: ['downtime2.p99 < 1us'], warnOnly: true })).toMatchObject({ warned: 2, exitCode: 0 });
    // Against itself as the baseline nothing regressed.
    expect(gate(doc, { baseline: doc, maxRegression: '5%' }).failed).toBe(0);
  });

  it('gate refuses what the CLI refuses', async () => {
    const doc = await result;
    const noGates = { ...doc, scenarios: doc.scenarios.map((s) => ({ ...s, gates: [] })) };
    expect(() => gate(noGates)).toThrow('nothing to check');
    expect(() => gate(doc, { thresholds: ['downtime2.p99 < 2'] })).toThrow(/^thresholds: bad threshold: /);
    expect(() => gate(doc, { baseline: doc, maxRegression: '5' })).toThrow('is ambiguous');
    expect(() => gate(doc, { baseline: doc, maxRegression: 5 })).not.toThrow();
    expect(() => gate(doc, { baseline: doc, maxRegression: -1 })).toThrow(/^maxRegression: /);
    expect(() => gate(doc, { baseline: doc, regressionMetrics: ['downtime2.p50'] })).toThrow(/^regressionMetrics: expected a metric name such as downtime2, found "downtime2.p50"/);
    expect(() => gate(doc, { baseline: doc, regressionMetrics: ['downtime3'] })).toThrow(/^regressionMetrics: "downtime3" is not a metric of these results \(did you mean "downtime1"\?\)/);
    expect(() => gate(doc, { maxRegression: '5%', alpha: 0.1 })).toThrow('maxRegression, alpha: only used with a baseline, which is not given');
    expect(() => gate(doc, { thresholds: ['observed.p99 < 1s'] })).toThrow(/^thresholds: observed\.p99 < 1s checked nothing, skipped for every variant/);
    const other = { ...doc, aggregates: Object.fromEntries(Object.entries(doc.aggregates).map(([k, v]) => [`other/${k}`, v])) };
    expect(() => gate(doc, { baseline: other })).toThrow('none of the variants');
    expect(() => gate(noGates, { thresholds: ['observed.p99 < 1s'] })).toThrow('nothing was checked: 2 checks skipped');
    expect(() => gate(doc, { baseline: doc, alpha: 1 })).toThrow(/^alpha: expected a number between 0 and 1/);
  });
});
