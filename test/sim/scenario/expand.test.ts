// expand.test.ts — variants × sweep expansion, re-validation errors, and the run plan.
import { describe, expect, it } from 'vitest';
import { expandScenario, runPlan, runRng } from '../../../sim/scenario/expand.js';
import { loadScenarioFile } from '../../../sim/scenario/load.js';

const cwd = 'test/fixtures/scenarios';
const GiB = 2 ** 30;

describe('expandScenario', () => {
  it('takes variants × cartesian sweep, first parameter outermost', async () => {
    const v = expandScenario(await loadScenarioFile('sweep.yaml', { cwd }));
    expect(v).toHaveLength(2 * 3 * 2);
    expect(v.slice(0, 4).map((x) => x.id)).toEqual([
      'baseline/memory=16GiB,queuePairs=1',
      'baseline/memory=16GiB,queuePairs=8',
      'baseline/memory=64GiB,queuePairs=1',
      'baseline/memory=64GiB,queuePairs=8',
    ]);
    expect(v[6]!.id).toBe('desc-group/memory=16GiB,queuePairs=1');
    expect(v[5]!.scenario.vm.memory).toBe(256 * GiB);
    expect(v[5]!.scenario.devices[0]!.queuePairs).toBe(8);
    expect(v[5]!.scenario.migration.strategies.descGroup).toBe(false);
    expect(v[11]!.scenario.migration.strategies.descGroup).toBe(true);
    expect(v[11]!.params).toEqual({ 'vm.memory': '256GiB', 'devices[0].queuePairs': 8 });
    expect(v[11]!.set).toEqual({ 'migration.strategies.descGroup': true, 'vm.memory': '256GiB', 'devices[0].queuePairs': 8 });
    // Defaults that depend on an overridden field follow it.
    expect(v[5]!.scenario.workload.hotSet).toBe(Math.floor((256 * GiB) / 10 / 4096) * 4096);
    expect(new Set(v.map((x) => x.id)).size).toBe(v.length);
    for (const x of v) expect(x.id).toMatch(/^[A-Za-z0-9._=+,/-]+$/);
  });

  it('zips parameters by position', async () => {
    const v = expandScenario(await loadScenarioFile('zip.yaml', { cwd }));
    expect(v.map((x) => x.id)).toEqual(['memory=16GiB,bandwidth=10Gbit_s', 'memory=64GiB,bandwidth=25Gbit_s']);
    expect(v[1]!.scenario.migration.bandwidth).toBe(25e9 / 8);
    expect(v[1]!.scenario.vm.memory).toBe(64 * GiB);
  });

  it('gives a single default variant without variants or sweep', async () => {
    const l = await loadScenarioFile('good.yaml', { cwd });
    const v = expandScenario(l);
    expect(v).toEqual([{ id: 'default', name: null, params: {}, set: {}, scenario: l.scenario }]);
  });

  it('rejects zip parameters of different lengths', async () => {
    await expect(loadScenarioFile('zip-lengths.yaml', { cwd })).rejects.toThrow(
      'zip-lengths.yaml:13:26: sweep.params["migration.bandwidth"]: zip needs equal lengths: "vm.memory" has 3 value(s), "migration.bandwidth" has 2',
    );
  });

  it('names the sweep entry holding a bad value', async () => {
    const l = await loadScenarioFile('sweep-bad-value.yaml', { cwd });
    expect(() => expandScenario(l)).toThrow(
      'sweep-bad-value.yaml:11:24: sweep.params["vm.memory"][1]: expected a size like 16GiB, found "16 gigs"',
    );
  });

  it('names the variant when a swept value breaks a capability rule elsewhere', async () => {
    const l = await loadScenarioFile('sweep-profile.yaml', { cwd });
    expect(() => expandScenario(l)).toThrow(
      'sweep-profile.yaml:10:16: migration.strategies.descGroup: device net0 (profile vdpa_sim) has no descriptor group (capabilities.dataDescGroup is null) (in variant "profile=vdpa_sim")',
    );
  });

  it('checks set paths with did-you-mean', async () => {
    await expect(loadScenarioFile('set-typo.yaml', { cwd })).rejects.toThrow(
      'set-typo.yaml:12:7: variants[0].set: "migration.strategies.earlyMapp": unknown key "earlyMapp" in migration.strategies (did you mean "earlyMap"?)',
    );
  });
});

describe('runPlan', () => {
  const variants = [{ id: 'a' }, { id: 'b' }];

  it('lists every variant × replication, warm-ups first on the earliest streams', () => {
    const plan = runPlan(variants, { replications: 2, warmup: 1, seed: 9 });
    expect(plan.map((r) => [r.index, r.variantId, r.warmup, r.replication, r.stream])).toEqual([
      [0, 'a', true, 0, 0],
      [1, 'a', false, 0, 1],
      [2, 'a', false, 1, 2],
      [3, 'b', true, 0, 0],
      [4, 'b', false, 0, 1],
      [5, 'b', false, 1, 2],
    ]);
    expect(plan.every((r) => r.seed === 9)).toBe(true);
  });

  it('is deterministic, and streams differ between replications but not between variants', () => {
    const a = runPlan(variants, { replications: 3, warmup: 0, seed: 42 });
    const b = runPlan(variants, { replications: 3, warmup: 0, seed: 42 });
    expect(a).toEqual(b);
    const draw = (i: number) => runRng(a[i]!).int(0, 2 ** 30);
    expect(draw(0)).toBe(draw(3));
    expect(draw(0)).not.toBe(draw(1));
    expect(runRng(a[1]!).int(0, 2 ** 30)).toBe(runRng(b[1]!).int(0, 2 ** 30));
  });

  it('rejects impossible counts', () => {
    expect(() => runPlan(variants, { replications: 0, warmup: 0, seed: 1 })).toThrow(RangeError);
    expect(() => runPlan(variants, { replications: 1, warmup: -1, seed: 1 })).toThrow(RangeError);
  });
});
