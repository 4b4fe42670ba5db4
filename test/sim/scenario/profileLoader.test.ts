// profileLoader.test.ts — profile files: extends chains, cycles, errors in the file, device overrides.
import { describe, expect, it } from 'vitest';
import { vdpaSimProfile } from '../../../device/profiles/vdpaSim.js';
import { loadScenarioFile } from '../../../sim/scenario/load.js';
import { ProfileLoader } from '../../../sim/scenario/profileLoader.js';
import { defined } from '../../defined.js';

const cwd = 'test/fixtures/scenarios';

function loadError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('profile files', () => {
  it('merges a file over its extends chain', () => {
    const p = new ProfileLoader(cwd).loadFile('profiles/derived.yaml');
    expect(p.name).toBe('sim-desc-slow');
    expect(p.description).toBe('vdpa_sim with a descriptor group');
    expect(p.capabilities.dataDescGroup).toBe(2);
    expect(p.capabilities.ngroups).toBe(3);
    expect(p.capabilities.nas).toBe(vdpaSimProfile.capabilities.nas);
    expect(p.costs.configureNs).toBe(200_000_000);
    expect(p.costs.resetNs).toBe(20_000);
    expect(p.costs.ioctlNs).toBe(vdpaSimProfile.costs.ioctlNs);
  });

  it('rejects extends cycles at the extends line', () => {
    expect(loadError(() => new ProfileLoader(cwd).loadFile('profiles/cycle-a.yaml'))).toBe(
      'profiles/cycle-b.yaml:2:10: extends: cycle: profiles/cycle-a.yaml -> profiles/cycle-b.yaml -> profiles/cycle-a.yaml',
    );
  });

  it('reports problems inside the profile file with its own position', () => {
    expect(loadError(() => new ProfileLoader(cwd).loadFile('profiles/bad-field.yaml'))).toBe(
      'profiles/bad-field.yaml:4:3: unknown key "nass" in capabilities (did you mean "nas"?)',
    );
    expect(loadError(() => new ProfileLoader(cwd).loadFile('profiles/bad-group.yaml'))).toBe(
      'profiles/bad-group.yaml:4:18: capabilities.dataDescGroup: expected a group below capabilities.ngroups (2), found 5',
    );
  });

  it('resolves a scenario device from a file and applies overrides', async () => {
    const l = await loadScenarioFile('profile-file.yaml', { cwd });
    const d = defined(l.scenario.devices[0], 'devices[0]');
    expect(d.profileRef).toBe('profiles/derived.yaml');
    expect(d.profile.name).toBe('sim-desc-slow');
    expect(d.profile.costs.ioctlNs).toBe(1000);
    expect(d.profile.costs.configureNs).toBe(200_000_000);
    expect(d.overrides).toEqual({ costs: { ioctlNs: 1000 } });
    expect(d.queuePairs).toBe(4);
    expect(l.scenario.migration.strategies.descGroup).toBe(true);
  });

  it('reports a cycle reached from a scenario', async () => {
    await expect(loadScenarioFile('profile-cycle.yaml', { cwd })).rejects.toThrow(
      'profiles/cycle-b.yaml:2:10: extends: cycle: profiles/cycle-a.yaml -> profiles/cycle-b.yaml -> profiles/cycle-a.yaml',
    );
  });

  it('re-validates the profile after device overrides', async () => {
    await expect(loadScenarioFile('override-bad.yaml', { cwd })).rejects.toThrow(
      'override-bad.yaml:8:17: devices[0].capabilities.cvqGroup: expected a group below capabilities.ngroups (2), found 7',
    );
  });

  it('reports a missing profile file at the reference', () => {
    const r = new ProfileLoader(cwd).resolve('profiles/none.yaml', cwd);
    expect(r).toEqual({
      ok: false,
      message: 'profile file "profiles/none.yaml" not found (looked for profiles/none.yaml)',
    });
  });
});
