// init.test.ts — `svqsim init`: the starter scenario it writes validates, runs and passes its own
// gates; its commented-out fields are real ones; it never overwrites a file without --force.

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cli } from '../../cliHarness.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'svqsim-init-'));

describe('svqsim init', () => {
  it('writes a commented starter scenario that validate accepts, run runs and gate passes', async () => {
    const dir = tmp();
    const w = await cli(['init', 'my-test.yaml'], { cwd: dir });
    expect(w).toMatchObject({ code: 0, stdout: '' });
    expect(w.stderr).toContain('wrote my-test.yaml');
    const text = readFileSync(join(dir, 'my-test.yaml'), 'utf8');
    expect(text.split('\n').filter((l) => /^\s*#/.test(l)).length).toBeGreaterThan(15);
    expect(parse(text)).toMatchObject({ name: 'my-test', devices: [{ name: 'net0' }] });

    const v = await cli(['validate', 'my-test.yaml'], { cwd: dir });
    expect(v).toMatchObject({ code: 0, stdout: 'ok  my-test.yaml: 3 variants × 5 replications = 15 runs\n' });

    const r = await cli(['run', 'my-test.yaml', '--jobs', '1', '--out', 'r.json', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { runs: unknown[]; scenarios: { variants: string[] }[] };
    expect(doc.runs).toHaveLength(15);
    expect(doc.scenarios[0]!.variants).toEqual(['baseline', 'qemu-10.0', 'batch-maps']);

    const g = await cli(['gate', 'r.json'], { cwd: dir });
    expect(g.stdout).toContain('6 passed, 0 failed');
    expect(g.code).toBe(0);
  });

  it('shows only real fields in its comments: uncommented, the scenario still validates', async () => {
    const dir = tmp();
    expect((await cli(['init', 'all.yaml'], { cwd: dir })).code).toBe(0);
    const lines = readFileSync(join(dir, 'all.yaml'), 'utf8').split('\n');
    const body = lines.findIndex((l) => l.startsWith('name:'));
    const uncommented = lines.map((l, i) => (i > body ? l.replace(/^(\s*)# ?(\s*)(?=[A-Za-z.]+:)/, '$1$2') : l));
    expect(uncommented.filter((l, i) => l !== lines[i]).length).toBeGreaterThanOrEqual(9);
    writeFileSync(join(dir, 'all.yaml'), uncommented.join('\n'));
    const v = await cli(['validate', 'all.yaml'], { cwd: dir });
    expect(v.stderr).toBe('');
    // The sweep crosses its three memory sizes with the three variants.
    expect(v).toMatchObject({ code: 0, stdout: 'ok  all.yaml: 9 variants × 5 replications = 45 runs\n' });
  });

  it('refuses to overwrite an existing file (exit 2) unless --force', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'mine.yaml'), 'name: mine\n');
    const r = await cli(['init', 'mine.yaml'], { cwd: dir });
    expect(r).toMatchObject({ code: 2, stderr: 'svqsim: error: mine.yaml already exists (use --force to overwrite it)\n' });
    expect(readFileSync(join(dir, 'mine.yaml'), 'utf8')).toBe('name: mine\n');
    expect((await cli(['init', '--force', 'mine.yaml'], { cwd: dir })).code).toBe(0);
    expect(parse(readFileSync(join(dir, 'mine.yaml'), 'utf8'))).toMatchObject({ name: 'mine' });
  });

  it('writes scenario.yaml by default, standard output for "-", and names the scenario after the file', async () => {
    const dir = tmp();
    expect((await cli(['init'], { cwd: dir })).code).toBe(0);
    expect(parse(readFileSync(join(dir, 'scenario.yaml'), 'utf8'))).toMatchObject({ name: 'scenario' });
    const out = await cli(['init', '-'], { cwd: dir });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(readFileSync(join(dir, 'scenario.yaml'), 'utf8'));
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect((await cli(['init', 'My Test.YML'], { cwd: dir })).code).toBe(0);
    expect(parse(readFileSync(join(dir, 'My Test.YML'), 'utf8'))).toMatchObject({ name: 'my-test' });
    expect((await cli(['init', '#1.yaml'], { cwd: dir })).code).toBe(0);
    expect(parse(readFileSync(join(dir, '#1.yaml'), 'utf8'))).toMatchObject({ name: 'my-scenario' });
  });

  it('says why it cannot write (exit 2)', async () => {
    const dir = tmp();
    expect(await cli(['init', 'no/such/dir.yaml'], { cwd: dir })).toMatchObject({ code: 2, stderr: 'svqsim: error: cannot write no/such/dir.yaml: no such directory\n' });
    expect((await cli(['init', '--force', '.'], { cwd: dir })).stderr).toBe('svqsim: error: cannot write .: it is a directory\n');
  });
});
