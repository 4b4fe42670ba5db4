// completion.test.ts — `svqsim completion bash|zsh`: scripts that the shells accept, that name
// every command and option of the program, and whose bash function completes what it should.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli } from '../../cliHarness.js';
import { buildProgram } from '../../../sim/cli/main.js';

const io = { stdout: () => {}, stderr: () => {}, cwd: '.', env: {}, isTTY: false };
const program = await buildProgram(io, []);
const commands = program.commands.map((c) => c.name());
const hasShell = (sh: string) => spawnSync(sh, ['-c', 'exit 0']).status === 0;

async function script(shell: string): Promise<string> {
  const r = await cli(['completion', shell]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
}

/** What the bash function offers for a command line whose last word is being completed. */
function bashComplete(text: string, words: string[], cwd: string): string[] {
  const file = join(cwd, 'completion.bash');
  writeFileSync(file, text);
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const body = `source ${file}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _svqsim; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '-c', body], { cwd, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('svqsim completion', () => {
  it('knows every command of the program', () => {
    expect(commands).toEqual(expect.arrayContaining(['run', 'validate', 'init', 'schema', 'gate', 'completion']));
    expect(commands.length).toBeGreaterThanOrEqual(11);
  });

  for (const shell of ['bash', 'zsh']) {
    it(`${shell}: names every command and every option`, async () => {
      const text = await script(shell);
      for (const c of [...commands, 'help']) expect(text).toMatch(new RegExp(`\\b${c}\\b`));
      for (const c of program.commands) for (const o of c.options) expect(text).toContain(o.long!);
      for (const o of program.options) expect(text).toContain(o.long!);
    });
  }

  it('bash: bash -n accepts the script', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-completion-'));
    writeFileSync(join(dir, 'c.bash'), await script('bash'));
    const r = spawnSync('bash', ['-n', join(dir, 'c.bash')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('bash: completes commands, options, option values, choices and files', async () => {
    const text = await script('bash');
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-completion-'));
    writeFileSync(join(dir, 'my scenario.yaml'), '');
    writeFileSync(join(dir, 'r.json'), '');
    expect(bashComplete(text, ['svqsim', ''], dir)).toEqual([...commands, 'help']);
    expect(bashComplete(text, ['svqsim', 'va'], dir)).toEqual(['validate']);
    expect(bashComplete(text, ['svqsim', '--debug', 'co'], dir)).toEqual(['compare', 'completion']);
    expect(bashComplete(text, ['svqsim', 'gate', 'r.json', '--th'], dir)).toEqual(['--threshold']);
    expect(bashComplete(text, ['svqsim', 'run', '--'], dir)).toContain('--replications');
    expect(bashComplete(text, ['svqsim', 'completion', ''], dir)).toEqual(['bash', 'zsh']);
    expect(bashComplete(text, ['svqsim', 'help', 'tr'], dir)).toEqual(['trace']);
    expect(bashComplete(text, ['svqsim', 'run', 'my'], dir)).toEqual(['my scenario.yaml']);
    expect(bashComplete(text, ['svqsim', 'gate', '--baseline', 'r'], dir)).toEqual(['r.json']);
    // A value that is not a file (a seed) completes to nothing.
    expect(bashComplete(text, ['svqsim', 'run', '--seed', ''], dir)).toEqual([]);
  });

  it.skipIf(!hasShell('zsh'))('zsh: zsh -n accepts the script, and sourced after compinit it completes svqsim', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-completion-'));
    const file = join(dir, '_svqsim');
    writeFileSync(file, await script('zsh'));
    const n = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(n.stderr).toBe('');
    expect(n.status).toBe(0);
    const body = `autoload -U compinit; compinit -u -D; source ${file}; print -- $_comps[svqsim]`;
    const r = spawnSync('zsh', ['-f', '-c', body], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir } });
    expect(r.stdout.trim()).toBe('_svqsim');
  });

  it('refuses another shell (exit 2)', async () => {
    const r = await cli(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.");
  });
});
