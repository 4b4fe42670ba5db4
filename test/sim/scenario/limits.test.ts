// limits.test.ts — hostile and out-of-range input: every case is one bounded, one-line error (exit 2
// from the CLI), and what validate accepts run can run. Each case is a reproducer of a past crash,
// hang or unbounded read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../sim/tool/inputError.js';
import { loadScenarioFile } from '../../../sim/scenario/load.js';
import { expandScenario } from '../../../sim/scenario/index.js';
import { planCampaign } from '../../../sim/campaign/campaign.js';
import { readBounded } from '../../../sim/tool/boundedRead.js';
import { cli } from '../../cliHarness.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEFAULT = readFileSync(join(ROOT, 'scenarios', 'default.yaml'), 'utf8');

/** A scratch directory holding `s.yaml` = the default scenario with `edit` applied. */
function scenario(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'svqsim-limits-'));
  const text = edit(DEFAULT);
  expect(text).not.toBe(DEFAULT);
  writeFileSync(join(dir, 's.yaml'), text);
  return dir;
}

/** The one-line InputError of loading and expanding `s.yaml` in `dir`. */
async function errorOf(dir: string): Promise<string> {
  try {
    expandScenario(await loadScenarioFile('s.yaml', { cwd: dir }));
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    expect(m.length).toBeLessThan(600);
    return m;
  }
  throw new Error('loaded without error');
}

const withCaps = (caps: string) => (t: string) => t.replace('    nic: { vlans: 8, macTableEntries: 4 }', `    nic: { vlans: 8, macTableEntries: 4 }\n    capabilities: { ${caps} }`);

describe('input limits', () => {
  it('looks profile names up without prototype keys', async () => {
    for (const k of ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty']) {
      expect(await errorOf(scenario((t) => t.replace('profile: vdpa_sim', `profile: ${k}`)))).toContain(`unknown profile "${k}"`);
    }
  });

  it('reads only regular files, never more than the limit', () => {
    expect(() => readBounded('/dev/zero', '/dev/zero', 1024)).toThrow(/not a regular file/);
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-fifo-'));
    execFileSync('mkfifo', [join(dir, 'f')]);
    // A FIFO without a writer must not block the open.
    expect(() => readBounded(join(dir, 'f'), 'f', 1024)).toThrow(/not a regular file/);
    writeFileSync(join(dir, 'big'), Buffer.alloc(2048, 0x61));
    expect(() => readBounded(join(dir, 'big'), 'big', 1024)).toThrow(/too large/);
    expect(readBounded(join(dir, 'big'), 'big', 2048).length).toBe(2048);
  });

  it('refuses guest RAM that is not whole pages, or past the address limit', async () => {
    expect(await errorOf(scenario((t) => t.replace('memory: 16GiB', 'memory: 17179869185')))).toContain('vm.memory: expected a multiple of 4 KiB');
    expect(await errorOf(scenario((t) => t.replace('memory: 16GiB', 'memory: 8191TiB')))).toContain('at most 64TiB');
  });

  it('refuses devices whose rings do not fit in low RAM', async () => {
    const many = Array.from({ length: 300 }, (_, i) => `  - { name: n${i}, profile: mlx5, queuePairs: 1, queueSize: 256 }`).join('\n');
    const m = await errorOf(scenario((t) => t.replace(/devices:\n(?: {2}.*\n)+/, `devices:\n${many}\n`)));
    expect(m).toContain('devices: the guest driver places every NIC');
  });

  it('bounds replications, warm-up, the probe interval, sweep points and planned runs', async () => {
    expect(await errorOf(scenario((t) => t.replace('replications: 1', 'replications: 1000000000')))).toContain('replications: expected a number <= 1000000');
    expect(await errorOf(scenario((t) => t.replace('replications: 1', 'replications: 1\nwarmup: 1000000')))).toContain('warmup: expected a number <= 100000');
    expect(await errorOf(scenario((t) => t.replace('interval: 1ms', 'interval: 3ns')))).toContain('at least 10us');
    const values = Array.from({ length: 101 }, (_, i) => i + 1).join(', ');
    const sweep = `sweep:\n  params:\n    devices[0].queueSize: [256]\n    migration.maxIterations: [${values}]\n    workload.dirtyRate: [${values}]\n`;
    expect(await errorOf(scenario((t) => `${t}${sweep}`))).toMatch(/sweep: expands to 10201 variants; the limit is 10000/);
    const dir = scenario((t) => t.replace('replications: 1', 'replications: 600000\nwarmup: 1'));
    await expect(planCampaign(['s.yaml', 's.yaml'], { cwd: dir })).rejects.toThrow(/the limit is 1000000 per invocation/);
  });

  it('refuses capabilities the upstream sequence cannot run with', async () => {
    expect(await errorOf(scenario(withCaps('nas: 1')))).toContain('needs 2 address spaces');
    // Without SUSPEND QEMU stops the device by a reset and recovers the indices from the guest's
    // used ring: modelled for split rings, refused for packed ones.
    expect(expandScenario(await loadScenarioFile('s.yaml', { cwd: scenario(withCaps('suspend: false')) })).length).toBe(1);
    expect(await errorOf(scenario((t) => withCaps("suspend: false, ringLayouts: ['split', 'packed']")(t).replace('    queueSize: 256', '    queueSize: 256\n    ring: packed')))).toContain('packed rings are not modelled for that');
    expect(await errorOf(scenario(withCaps('maxIotlbEntries: 16')))).toContain('expected at least 17, found 16');
  });

  it('echoes keys cut and escaped on one line', async () => {
    const long = 'k'.repeat(300_000);
    // An explicit key: YAML limits implicit keys to 1024 characters.
    const m = await errorOf(scenario((t) => t.replace('seed: 1', `seed: 1\n? ${long}\n: 1`)));
    expect(m).toContain('(300000 characters)');
    const nl = await errorOf(scenario((t) => t.replace('seed: 1', 'seed: 1\n"a\\nb": 1')));
    expect(nl).toContain('unknown key "a\\nb"');
  });
});

describe('input limits from the command line', () => {
  it('validate /dev/zero exits 2 at once with one line', async () => {
    const r = await cli(['validate', '/dev/zero'], { cwd: ROOT });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a regular file');
  });

  it('validate and run agree: an accepted tight entry limit runs', async () => {
    const dir = scenario(withCaps('maxIotlbEntries: 17'));
    const v = await cli(['validate', 's.yaml'], { cwd: dir });
    expect(v.code).toBe(0);
    const r = await cli(['run', 's.yaml', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
  });

  it('validate counts the warm-up runs', async () => {
    const dir = scenario((t) => t.replace('replications: 1', 'replications: 2\nwarmup: 3'));
    const v = await cli(['validate', 's.yaml'], { cwd: dir });
    expect(v.stdout).toContain('1 variant × (2 replications + 3 warm-up) = 5 runs');
  });
});
