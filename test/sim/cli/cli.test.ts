// cli.test.ts — the svqsim CLI end to end on the shipped scenarios: exit codes, outputs,
// bad input, determinism, shards and merge, worker threads, the installed bin.

import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli } from '../../cliHarness.js';
import { buildProgram } from '../../../sim/cli/main.js';
import { defined } from '../../defined.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'svqsim-cli-'));
/** Run lines of a run journal so far (its first line is the header). */
function journaledRuns(path: string): number {
  try {
    return Math.max(0, readFileSync(path, 'utf8').split('\n').filter(Boolean).length - 1);
  } catch {
    return 0;
  }
}

describe('svqsim basics', () => {
  it('--help shows the commands, examples and exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'validate', 'init', 'schema', 'list', 'trace', 'compare', 'diff', 'gate', 'report', 'merge', 'export', 'completion']) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain('Exit codes: 0 success, 1 internal error, 2 bad input');
  });

  it('registers only the command a command line names (help and unknown commands get all)', async () => {
    const io = { stdout: () => {}, stderr: () => {}, cwd: ROOT, env: {}, isTTY: false };
    const names = async (argv: string[]) => (await buildProgram(io, argv)).commands.map((c) => c.name());
    expect(await names(['gate', 'r.json', '--threshold', 'downtime2.p99<1s'])).toEqual(['gate']);
    expect(await names(['--debug', 'merge', 'a.json'])).toEqual(['merge']);
    expect(await names(['--version'])).toEqual([]);
    const all = ['run', 'validate', 'init', 'schema', 'list', 'trace', 'compare', 'diff', 'gate', 'report', 'merge', 'export', 'completion'];
    expect(await names([])).toEqual(all);
    expect(await names(['--help'])).toEqual(all);
    expect(await names(['help', 'gate'])).toEqual(all);
    // A completion script covers every command.
    expect(await names(['completion', 'bash'])).toEqual(all);
    expect(await names(['rn'])).toEqual(all);
    // An unknown command still gets the suggestion that needs every name.
    expect((await cli(['rn'])).stderr).toContain('(Did you mean run?)');
  });

  it('--version prints the package version', async () => {
    const r = await cli(['--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['run', '--bogus', 'x.yaml'])).code).toBe(2);
    expect((await cli(['run'])).code).toBe(2);
  });

  it('list shows shipped scenarios and profiles with descriptions', async () => {
    const r = await cli(['list'], { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/scenarios\/default\.yaml\s+16 GiB q35 guest/);
    expect(r.stdout).toMatch(/mlx5\s+mlx5_vdpa \(Linux 6.12\+\)/);
    const profiles = r.stdout.split('Device profiles')[1];
    expect(profiles).toContain('platform_iommu');
    // Profile files under scenarios/profiles/ are not listed as scenarios or as shipped profiles.
    expect(profiles).not.toContain('example-smartnic');
    expect(r.stdout).not.toContain('scenarios/profiles');
    // Every strategy is labelled with where it comes from; none is presented as upstream QEMU.
    const strategies = r.stdout.split('Strategies')[1] ?? '';
    expect(strategies).toContain('the default scenario is upstream QEMU 10.1+');
    for (const s of ['descGroup', 'iotlbPersist', 'earlyMap', 'batchMaps']) expect(strategies).toMatch(new RegExp(`${s}\\s+\\S`));
    expect(strategies.match(/proposal/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('result documents name the strategies a scenario uses and the proposal each comes from', async () => {
    const dir = tmp();
    const text = readFileSync(join(ROOT, 'scenarios', 'default.yaml'), 'utf8').replace(/\ngates:[\s\S]*$/, '\n');
    writeFileSync(join(dir, 'up.yaml'), text);
    writeFileSync(join(dir, 'early.yaml'), `${text}variants:\n  - { name: upstream, set: {} }\n  - { name: persist, set: { migration.strategies.iotlbPersist: true } }\n`);
    const up = JSON.parse((await cli(['run', 'up.yaml', '--json', '--jobs', '1'], { cwd: dir })).stdout) as { scenarios: { strategies?: unknown }[] };
    expect(up.scenarios[0]!.strategies).toBeUndefined();
    const early = JSON.parse((await cli(['run', 'early.yaml', '--json', '--jobs', '1'], { cwd: dir })).stdout) as { scenarios: { strategies?: { name: string; source: string }[] }[] };
    const st = early.scenarios[0]!.strategies ?? [];
    expect(st.map((x) => x.name)).toEqual(['iotlbPersist']);
    expect(st[0]!.source).toMatch(/proposal/);
  });

  it('list gives scenario paths that work from the directory it runs in', async () => {
    const inside = await cli(['list'], { cwd: ROOT });
    expect(inside.stdout).toMatch(/^ {2}scenarios\/default\.yaml /m);
    const outside = await cli(['list'], { cwd: tmp() });
    const path = /^ {2}(\S+default\.yaml) /m.exec(outside.stdout)?.[1] ?? '';
    expect(path.startsWith('/')).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it('schema prints JSON Schemas for scenarios and profiles', async () => {
    const s = JSON.parse((await cli(['schema'])).stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['vm', 'devices', 'migration', 'sweep', 'gates']));
    const p = JSON.parse((await cli(['schema', '--profile'])).stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(p.properties)).toEqual(expect.arrayContaining(['capabilities', 'costs', 'extends']));
  });
});

describe('svqsim validate', () => {
  it('accepts every shipped scenario', async () => {
    const files = ['default', 'compare-profiles', 'reference-128g', 'memory-sweep', 'custom-profile'].map((f) => `scenarios/${f}.yaml`);
    const r = await cli(['validate', ...files], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok  scenarios/reference-128g.yaml: 5 variants × 5 replications = 25 runs');
  });

  it('reports each bad file on one line and exits 2', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'typo.yaml'), 'name: t\nreplicatons: 3\nvm: { memory: 1GiB }\ndevices: [{ name: n, profile: vdpa_sim }]\nmigration: { bandwidth: 1Gbit/s }\n');
    writeFileSync(join(dir, 'empty.yaml'), '');
    mkdirSync(join(dir, 'adir'));
    const r = await cli(['validate', 'typo.yaml', 'empty.yaml', 'adir', 'missing.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('svqsim: error: typo.yaml:2:1: unknown key "replicatons" (did you mean "replications"?)');
    expect(lines[1]).toMatch(/^svqsim: error: empty\.yaml: /);
    expect(lines[2]).toMatch(/^svqsim: error: adir: /);
    expect(lines[3]).toMatch(/^svqsim: error: missing\.yaml: /);
    expect(lines[4]).toBe('svqsim: 4 of 4 files invalid');
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('svqsim run', () => {
  let first = '';
  beforeAll(async () => {
    const r = await cli(['run', 'scenarios/default.yaml', '--json', '--jobs', '1'], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    first = r.stdout;
  });

  it('prints a result document with both downtimes, phases and counts', () => {
    type Window = { totalNs: number; phases: unknown[]; counts: { update: number; invalidate: number; pagesPinned: number } };
    const doc = JSON.parse(first) as {
      resultVersion: number;
      tool: { name: string };
      scenarios: { hash: string }[];
      runs: { downtime1: Window; downtime2: Window; migration: { iterations: number } }[];
      aggregates: Record<string, { histograms: { downtime2: string } }>;
    };
    expect(doc.resultVersion).toBe(1);
    expect(doc.tool.name).toBe('svqsim');
    expect(doc.scenarios[0]).toMatchObject({ file: 'scenarios/default.yaml', name: 'default', seed: 1 });
    expect(doc.scenarios[0]!.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const run = defined(doc.runs[0], 'runs[0]');
    for (const w of ['downtime1', 'downtime2'] as const) {
      expect(run[w].totalNs).toBeGreaterThan(0);
      expect(run[w].phases.length).toBeGreaterThan(3);
      expect(run[w].counts.update).toBeGreaterThan(0);
      expect(run[w].counts.invalidate).toBeGreaterThan(0);
    }
    // vdpa_sim maps user virtual addresses (use_va): nothing is pinned.
    expect(run.downtime1.counts.pagesPinned).toBe(0);
    expect(run.migration.iterations).toBeGreaterThan(0);
    expect(Object.keys(doc.aggregates)).toEqual(['default/default']);
    expect(doc.aggregates['default/default']!.histograms.downtime2).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('is deterministic: the same scenario and seed give byte-identical JSON', async () => {
    const again = await cli(['run', 'scenarios/default.yaml', '--json', '--jobs', '1'], { cwd: ROOT });
    expect(again.stdout).toBe(first);
    const other = await cli(['run', 'scenarios/default.yaml', '--json', '--jobs', '1', '--seed', '2'], { cwd: ROOT });
    expect(other.stdout).not.toBe(first);
  });

  it('prints a readable summary without --json', async () => {
    const r = await cli(['run', 'scenarios/default.yaml', '--jobs', '1'], { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/downtime #1/i);
    expect(r.stdout).toMatch(/downtime #2/i);
    expect(r.stdout).toMatch(/UPDATE/);
  });

  it('bad input exits 2 with one line and no stack trace', async () => {
    const r = await cli(['run', 'nope.yaml'], { cwd: ROOT });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await cli(['run', 'scenarios/default.yaml', '--replications', '0'], { cwd: ROOT })).code).toBe(2);
    expect((await cli(['run', 'scenarios/default.yaml', '--shard', '3/2'], { cwd: ROOT })).code).toBe(2);
  });

  it('--out writes the document; shards merge into the unsharded aggregates byte for byte', async () => {
    const dir = tmp();
    const base = ['run', join(ROOT, 'scenarios/compare-profiles.yaml'), '--replications', '2', '--quiet'];
    expect((await cli([...base, '--out', 'all.json', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    expect((await cli([...base, '--shard', '1/2', '--out', 's1.json', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    expect((await cli([...base, '--shard', '2/2', '--out', 's2.json', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    const s1 = JSON.parse(readFileSync(join(dir, 's1.json'), 'utf8')) as { shard: unknown; runs: unknown[] };
    expect(s1.shard).toEqual({ index: 1, count: 2 });
    expect(s1.runs).toHaveLength(3);
    expect((await cli(['merge', 's2.json', 's1.json', '--out', 'merged.json'], { cwd: dir })).code).toBe(0);
    const all = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')) as { aggregates: unknown; runs: unknown };
    const merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as { aggregates: unknown; runs: unknown };
    expect(JSON.stringify(merged.aggregates)).toBe(JSON.stringify(all.aggregates));
    expect(JSON.stringify(merged.runs)).toBe(JSON.stringify(all.runs));
    // Documents are written run by run, in exactly the indented JSON layout; stdout gets the same bytes.
    const allText = readFileSync(join(dir, 'all.json'), 'utf8');
    expect(allText).toBe(JSON.stringify(all, null, 2) + '\n');
    expect((await cli([...base, '--json', '--jobs', '1'], { cwd: dir })).stdout).toBe(allText);
    const printed = await cli(['merge', 's2.json', 's1.json'], { cwd: dir });
    expect(printed.stdout).toBe(readFileSync(join(dir, 'merged.json'), 'utf8'));
    for (const args of [
      [...base, '--out', 'no/such/dir/r.json'],
      ['merge', 's1.json', 's2.json', '--out', 'no/such/dir/m.json'],
    ]) {
      const bad = await cli(args, { cwd: dir });
      expect(bad.code).toBe(2);
      // run checks its FILE.runs.jsonl stream first, before any run starts.
      expect(bad.stderr).toMatch(/^svqsim: error: cannot write no\/such\/dir\/[rm]\.json(\.runs\.jsonl)?: ENOENT\n$/);
    }
  });

  it('worker threads give the same document as one thread', async () => {
    const args = ['run', 'scenarios/compare-profiles.yaml', '--replications', '2', '--json'];
    const one = await cli([...args, '--jobs', '1'], { cwd: ROOT });
    const two = await cli([...args, '--jobs', '2'], { cwd: ROOT });
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
  });
});

describe('svqsim trace', () => {
  it('writes Chrome trace JSON with a track per device', async () => {
    const dir = tmp();
    const r = await cli(['trace', join(ROOT, 'scenarios/default.yaml'), '--out', 't.json'], { cwd: dir });
    expect(r.code).toBe(0);
    const t = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')) as { traceEvents: { ph: string; name: string; args?: Record<string, unknown> }[] };
    const threads = t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.name);
    expect(threads).toEqual(expect.arrayContaining(['src:net0', 'dst:net0']));
    expect(t.traceEvents.some((e) => e.ph === 'X' && e.name === 'IOTLB_UPDATE')).toBe(true);
    expect(t.traceEvents.some((e) => e.ph === 'X' && e.name === 'downtime2')).toBe(true);
  });

  it('rejects an unknown variant with the list of variants', async () => {
    const r = await cli(['trace', 'scenarios/reference-128g.yaml', '--variant', 'nope'], { cwd: ROOT });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('qemu-10.0, baseline, desc-group, persistent-iotlb, batching');
  });
});

describe('the installed bin', () => {
  it('runs from dist/ and exits with the CLI\'s codes', () => {
    const bin = join(ROOT, 'dist', 'sim', 'cli', 'bin.js');
    const ok = spawnSync(process.execPath, [bin, 'validate', 'scenarios/default.yaml'], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    const bad = spawnSync(process.execPath, [bin, 'run', 'missing.yaml'], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('svqsim: error: missing.yaml: no such file\n');
  });

  it('runs under node with a V8 option (the workers inherit it)', () => {
    const bin = join(ROOT, 'dist', 'sim', 'cli', 'bin.js');
    const r = spawnSync(process.execPath, ['--max-semi-space-size=16', bin, 'run', 'scenarios/default.yaml', '--replications', '1', '--jobs', '1', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('interrupting a long run', () => {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal} writes the finished runs as a partial result and exits ${status}`, async () => {
      const dir = tmp();
      const bin = join(ROOT, 'dist', 'sim', 'cli', 'bin.js');
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [bin, 'run', join(ROOT, 'scenarios/compare-profiles.yaml'), '--replications', '50', '--jobs', '1', '--out', 'r.json', '--quiet'], { cwd: dir });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // Wait until at least two runs are in the journal (after its header line), then interrupt.
      const jsonl = join(dir, 'r.json.runs.jsonl');
      for (let i = 0; i < 600; i++) {
        await new Promise((r) => setTimeout(r, 100));
        if (journaledRuns(jsonl) >= 2) break;
      }
      child.kill(signal);
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      expect(code).toBe(status);
      expect(stderr).toMatch(/interrupted: \d+ of 150 runs finished; partial results written to r\.json/);
      const doc = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { partial: boolean; runs: unknown[]; aggregates: Record<string, unknown> };
      expect(doc.partial).toBe(true);
      expect(doc.runs.length).toBeGreaterThanOrEqual(2);
      expect(doc.runs.length).toBeLessThan(150);
      expect(Object.keys(doc.aggregates).length).toBeGreaterThan(0);
    });
  }
});

describe('svqsim gate on a fresh run', () => {
  it('checks the scenario\'s own gates and command-line thresholds (exit 0, then 3)', async () => {
    const dir = tmp();
    expect((await cli(['run', join(ROOT, 'scenarios/default.yaml'), '--out', 'd.json', '--quiet', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    const ok = await cli(['gate', 'd.json'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/downtime1\.p99 < 1s/);
    expect(ok.stdout.trim().split('\n').at(-1)).toBe('2 passed, 0 failed');
    const bad = await cli(['gate', 'd.json', '--threshold', 'downtime2.p99<1ms'], { cwd: dir });
    expect(bad.code).toBe(3);
    expect(bad.stdout.trim().split('\n').at(-1)).toBe('2 passed, 1 failed');
  });
});

describe('compare and report on shipped scenarios', () => {
  it('compare runs a scenario given in place of a result and prints every variant', async () => {
    const r = await cli(['compare', 'scenarios/compare-profiles.yaml', '--replications', '2', '--jobs', '1', '--format', 'csv', '--baseline', 'profile=vdpa_sim'], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    // Variants in the scenario's own order (not alphabetical).
    expect(lines[0]!.split(',').slice(0, 2)).toEqual(['scenario', 'variant']);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['profile=vdpa_sim', 'profile=mlx5', 'profile=platform_iommu']);
  });

  it('report writes one self-contained HTML file with plots of a fresh run', async () => {
    const dir = tmp();
    expect((await cli(['run', join(ROOT, 'scenarios/compare-profiles.yaml'), '--replications', '3', '--out', 'r.json', '--quiet', '--jobs', '1'], { cwd: dir })).code).toBe(0);
    const r = await cli(['report', 'r.json', '--out', 'r.html'], { cwd: dir });
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(5);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
    expect(html).toContain('profile=mlx5');
  });
});

describe('interrupting a campaign on workers', () => {
  it('SIGTERM stops the workers at once: no queued run starts, the finished ones are kept', async () => {
    const dir = tmp();
    const bin = join(ROOT, 'dist', 'sim', 'cli', 'bin.js');
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [bin, 'run', join(ROOT, 'scenarios/compare-profiles.yaml'), '--replications', '200', '--jobs', '2', '--out', 'r.json', '--quiet'], { cwd: dir });
    const jsonl = join(dir, 'r.json.runs.jsonl');
    let before = 0;
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 100));
      before = journaledRuns(jsonl);
      if (before >= 2) break;
    }
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(143);
    const doc = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { partial: boolean; runs: unknown[] };
    expect(doc.partial).toBe(true);
    // Far from the 600 planned: the workers' queued runs did not run after the signal.
    expect(doc.runs.length).toBeLessThan(600);
  });
});
