// mlx5Generations.test.ts — `svqsim run scenarios/mlx5-generations.yaml` end to end: the mlx5_vdpa
// driver before the 2024 series (mlx5-linux6.10) and after each of them, on upstream QEMU and with
// the descriptor group; each series changes the phase it names, by the amount its mechanism gives.

import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cli } from '../../cliHarness.js';
import type { PhaseSpan, RunRecord } from '../../../metrics/result.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MS = 1e6;

describe('svqsim run scenarios/mlx5-generations.yaml', () => {
  let runs: RunRecord[] = [];
  beforeAll(async () => {
    const r = await cli(['run', 'scenarios/mlx5-generations.yaml', '--json', '--jobs', '1', '--replications', '1'], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    runs = (JSON.parse(r.stdout) as { runs: RunRecord[] }).runs;
  }, 120_000);

  const at = (variant: string, desc: boolean): RunRecord => {
    const r = runs.find((x) => x.variant === `${variant}/descGroup=${desc}`);
    if (r === undefined) throw new Error(`no run ${variant}/descGroup=${desc}`);
    return r;
  };
  /** Total time of the phases named `name` of `device` in one window. */
  const phase = (r: RunRecord, w: 'downtime1' | 'downtime2', device: string, name: string): number =>
    r[w].phases.filter((p: PhaseSpan) => p.device === device && p.name === name).reduce((s, p) => s + p.durNs, 0);

  it('runs the five generations on both QEMU sides, none failed, no invariant violated', () => {
    expect(runs).toHaveLength(10);
    for (const r of runs) {
      expect(r.outcome, r.variant).toBeUndefined();
      expect(r.invariants.violations, r.variant).toEqual([]);
    }
  });

  it('pre-created vqs: DRIVER_OK at the destination only configures them (~370 → ~60 ms), and the source reset re-creates them instead', () => {
    const before = at('linux-6.10', true);
    const after = at('precreated-vqs', true);
    expect(phase(before, 'downtime2', 'dst:net0', 'driverOk') / MS).toBeGreaterThan(300);
    expect(phase(after, 'downtime2', 'dst:net0', 'driverOk') / MS).toBeLessThan(80);
    // mlx5_vdpa_compat_reset: the source's reset at the stop now tears the used vqs down and creates blank ones.
    expect(phase(after, 'downtime2', 'src:net0', 'reset') - phase(before, 'downtime2', 'src:net0', 'reset')).toBeGreaterThan(250 * MS);
  });

  it('parallel suspend: 32 vq suspends go from ~37 ms one at a time to two rounds of 16', () => {
    expect(phase(at('precreated-vqs', true), 'downtime2', 'src:net0', 'suspend') / MS).toBeGreaterThan(30);
    expect(phase(at('parallel-suspend', true), 'downtime2', 'src:net0', 'suspend') / MS).toBeLessThan(5);
  });

  it('parallel MKEYs and then the deferred MR destroy shorten both windows on both QEMU sides', () => {
    for (const desc of [false, true]) {
      for (const w of ['downtime1', 'downtime2'] as const) {
        expect(at('parallel-mkeys', desc)[w].totalNs, `${w} desc=${desc}`).toBeLessThan(at('parallel-suspend', desc)[w].totalNs);
        expect(at('linux-6.12', desc)[w].totalNs, `${w} desc=${desc}`).toBeLessThan(at('parallel-mkeys', desc)[w].totalNs);
      }
    }
  });

  it('deferred destroy: the replaced MRs leave the shadow-vring unmaps, the MKEYs created are the same', () => {
    const sync = at('parallel-mkeys', true);
    const deferred = at('linux-6.12', true);
    expect(deferred.downtime2.counts.mkeysCreated).toBe(sync.downtime2.counts.mkeysCreated);
    // Each shadow-vring INVALIDATE rebuilds its ASID's MR; with mrDestroy sync the old one is destroyed inside it.
    expect(phase(deferred, 'downtime2', 'src:net0', 'svqStop')).toBeLessThan(0.8 * phase(sync, 'downtime2', 'src:net0', 'svqStop'));
  });
});
