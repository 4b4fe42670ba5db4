// reproducers.test.ts — the inputs that once crashed (exit 1), hung or read without end, each
// through the command line in-process: now one bounded error line and exit 2, and what `validate`
// accepts `run` runs. (Signals and resuming: resume.test.ts; result checks: resultCheck.test.ts.)

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, type CliOutcome } from '../../cliHarness.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEFAULT = readFileSync(join(ROOT, 'scenarios', 'default.yaml'), 'utf8');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'results', 'two-variants.json');

/** A scratch directory with `s.yaml`: the default scenario edited. */
function scenario(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'svqsim-repro-'));
  const text = edit(DEFAULT);
  expect(text).not.toBe(DEFAULT);
  writeFileSync(join(dir, 's.yaml'), text);
  return dir;
}

/** Exit 2 with exactly `lines` short lines on standard error, each from svqsim. */
function refused(r: CliOutcome, lines = 1): string {
  expect(r.code, r.stderr).toBe(2);
  const got = r.stderr.split('\n').slice(0, -1);
  expect(got).toHaveLength(lines);
  for (const l of got) {
    expect(l).toMatch(/^svqsim: /);
    expect(l.length).toBeLessThan(600);
  }
  return got[0]!;
}

/** Both `validate` (error line, then the count of bad files) and `run` refuse `s.yaml` in `dir`. */
async function bothRefuse(dir: string): Promise<string> {
  const v = refused(await cli(['validate', 's.yaml'], { cwd: dir }), 2);
  const r = refused(await cli(['run', 's.yaml', '--quiet'], { cwd: dir }));
  expect(r).toBe(v);
  return v;
}

const withCaps = (caps: string) => (t: string) => t.replace('    nic: { vlans: 8, macTableEntries: 4 }', `    nic: { vlans: 8, macTableEntries: 4 }\n    capabilities: { ${caps} }`);

describe('reproducers of crashes, hangs and unbounded reads', () => {
  it('profile: constructor, toString, __proto__ or valueOf is an unknown profile in validate and run', async () => {
    for (const k of ['constructor', 'toString', '__proto__', 'valueOf']) {
      expect(await bothRefuse(scenario((t) => t.replace('profile: vdpa_sim', `profile: ${k}`)))).toContain(`unknown profile "${k}"`);
    }
  });

  it('/dev/zero and /dev/urandom as a scenario, a profile or a result file are refused without reading', async () => {
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      expect(refused(await cli(['validate', dev], { cwd: ROOT }), 2)).toContain('not a regular file');
      expect(await bothRefuse(scenario((t) => t.replace('profile: vdpa_sim', `profile: ${dev}`)))).toContain('not a regular file');
      for (const args of [['gate', dev, '-t', 'downtime2.p99<1s'], ['gate', FIXTURE, '--baseline', dev], ['compare', dev], ['report', dev, '--out', 'x.html'], ['merge', dev]]) {
        expect(refused(await cli(args, { cwd: ROOT }))).toMatch(new RegExp(`${dev}: not a regular file`));
      }
    }
  });

  it('memory not in whole pages, 8191 TiB, and 1000 devices in 32 GiB: validate refuses what run could not run', async () => {
    expect(await bothRefuse(scenario((t) => t.replace('memory: 16GiB', 'memory: 17179869185')))).toContain('multiple of 4 KiB');
    expect(await bothRefuse(scenario((t) => t.replace('memory: 16GiB', 'memory: 8191TiB')))).toContain('at most 64TiB');
    const many = Array.from({ length: 1000 }, (_, i) => `  - { name: n${i}, profile: mlx5, queuePairs: 1, queueSize: 256 }`).join('\n');
    expect(await bothRefuse(scenario((t) => t.replace('memory: 16GiB', 'memory: 32GiB').replace(/devices:\n(?: {2}.*\n)+/, `devices:\n${many}\n`)))).toContain('devices: the guest driver places every NIC');
  });

  it('replications or warm-up of 1e9, a 3 ns probe and a million-point sweep are refused, naming the cap', async () => {
    expect(await bothRefuse(scenario((t) => t.replace('replications: 1', 'replications: 1000000000')))).toContain('<= 1000000');
    expect(await bothRefuse(scenario((t) => t.replace('replications: 1', 'replications: 1\nwarmup: 1000000000')))).toContain('warmup: expected a number <= 100000');
    expect(await bothRefuse(scenario((t) => t.replace('interval: 1ms', 'interval: 3ns')))).toContain('at least 10us');
    const values = Array.from({ length: 1000 }, (_, i) => i + 1).join(', ');
    const sweep = `sweep:\n  params:\n    migration.maxIterations: [${values}]\n    workload.dirtyRate: [${values}]\n`;
    expect(await bothRefuse(scenario((t) => `${t}${sweep}`))).toMatch(/expands to 1000000 variants; the limit is 10000/);
    refused(await cli(['run', 's.yaml', '--replications', '1000000000'], { cwd: scenario((t) => t.replace('seed: 1', 'seed: 2')) }));
  });

  it('capability overrides that hung or crashed are refused by validate and run', async () => {
    // (suspend: false runs now: QEMU's reset-and-recover path, test/sim/testbed/faults.test.ts.)
    for (const caps of ['ngroups: 1', 'maxIotlbEntries: 1', 'maxIotlbEntries: 4', 'maxIotlbEntries: 8', 'maxIotlbEntries: 12', 'nas: 1']) {
      await bothRefuse(scenario(withCaps(caps)));
    }
  });

  it('a 300,000-character key and a key with a newline are echoed cut and escaped, on one line', async () => {
    const long = await bothRefuse(scenario((t) => t.replace('seed: 1', `seed: 1\n? ${'k'.repeat(300_000)}\n: 1`)));
    expect(long).toContain('(300000 characters)');
    expect(await bothRefuse(scenario((t) => t.replace('seed: 1', 'seed: 1\n"a\\nb": 1')))).toContain('unknown key "a\\nb"');
  });

  it('long values are echoed cut too: a whole-file string, a gate, a set path, a name, a sweep value', async () => {
    const long = 'x'.repeat(300_000);
    const cut = '(300000 characters)';
    expect(await bothRefuse(scenario(() => `"${long}"\n`))).toContain(cut);
    expect(await bothRefuse(scenario((t) => t.replace('  - "downtime2.p99 < 1s"', `  - "${long}"`)))).toContain(cut);
    expect(await bothRefuse(scenario((t) => `${t}variants:\n  - name: a\n    set: { ? "${long}" : 1 }\n`))).toContain(cut);
    expect(await bothRefuse(scenario((t) => `${t}variants:\n  - name: ${'a'.repeat(300_000)}\n    set: {}\n  - name: ${'a'.repeat(300_000)}\n    set: {}\n`))).toContain(cut);
    expect(await bothRefuse(scenario((t) => `${t}sweep:\n  params:\n    devices[0].profile: [vdpa_sim, "${long}"]\n`))).toContain(cut);
    // A long key that reads like a plain name is cut in a field path too.
    expect(await bothRefuse(scenario((t) => `${t}sweep:\n  params:\n    ? ${'k'.repeat(2000)}\n    : toString\n`))).toMatch(/sweep\.params\["k+"\.\.\.\]: /);
  });
});
