// resume.test.ts — signals stop `svqsim run` at once, even inside a run with --jobs 1; the run
// journal (OUT.runs.jsonl) carries each run's index; `run --resume` finishes an interrupted
// campaign to the bytes of an uninterrupted one, and refuses a journal of another campaign.

import { beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cli } from '../../cliHarness.js';
import { planCampaign } from '../../../sim/campaign/campaign.js';
import { executeCampaign } from '../../../sim/campaign/executor.js';
import { journalHeaderLine, journalRunLine } from '../../../sim/campaign/journal.js';
import { toolVersion } from '../../../sim/tool/version.js';
import { slowScenario } from '../campaign/slowScenario.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'dist', 'sim', 'cli', 'bin.js');
const SCENARIO = join(ROOT, 'scenarios', 'compare-profiles.yaml');
const REPS = '8';
const tmp = () => mkdtempSync(join(tmpdir(), 'svqsim-resume-'));
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const lines = (text: string) => text.split('\n').filter(Boolean);

/** Runs lines of the journal so far (after its header). */
function journaled(path: string): number {
  return existsSync(path) ? Math.max(0, lines(readFileSync(path, 'utf8')).length - 1) : 0;
}

/** Starts `svqsim run` in a child, waits until `until(journal)` holds, sends `signal`; its exit code and stderr. */
async function interruptChild(dir: string, args: string[], until: (journal: string) => boolean, signal: NodeJS.Signals, settleMs = 0): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd: dir });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c, s) => r(c ?? (s === null ? null : -1))));
  try {
    const journal = join(dir, 'r.json.runs.jsonl');
    for (let i = 0; i < 600 && !until(journal); i++) await new Promise((r) => setTimeout(r, 50));
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
    child.kill(signal);
    const code = await exited;
    expect(code, `killed by the signal itself? ${stderr}`).not.toBe(-1);
    return { code, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}


/** A journal interrupted through the executor's API after `after` records (as `run --out r.json` writes it). */
async function apiInterrupted(dir: string, after: number, jobs: number): Promise<string> {
  const c = await planCampaign([SCENARIO], { cwd: dir, replications: Number(REPS) });
  const path = join(dir, 'r.json.runs.jsonl');
  writeFileSync(path, journalHeaderLine(c, toolVersion()));
  const stop = new AbortController();
  let n = 0;
  const out = await executeCampaign(c, {
    jobs,
    progress: false,
    stop: stop.signal,
    onRecord: (r, i) => {
      appendFileSync(path, journalRunLine(i, r));
      if (++n === after) stop.abort();
    },
  });
  expect(out.interrupted).toBe(true);
  return path;
}

describe('signals', () => {
  it('stop the run in progress with --jobs 1: exit 130 before the run could end, journal kept', async () => {
    const dir = tmp();
    const slow = slowScenario(dir);
    // Once the journal's header is there, the campaign is planned and its one run starts.
    const r = await interruptChild(dir, [slow, '--jobs', '1', '--out', 'r.json', '--quiet'], (j) => existsSync(j), 'SIGINT', 500);
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('svqsim: interrupted: 0 of 1 runs finished; partial results written to r.json; finish with: svqsim run --resume r.json.runs.jsonl\n');
    const doc = JSON.parse(read(dir, 'r.json')) as { partial: boolean; runs: unknown[] };
    expect(doc.partial).toBe(true);
    expect(doc.runs).toHaveLength(0);
    expect(lines(read(dir, 'r.json.runs.jsonl'))).toHaveLength(1);
  });
});

describe('svqsim run --resume', () => {
  /** The uninterrupted campaign's document (one worker). */
  let full = '';
  beforeAll(async () => {
    const dir = tmp();
    const r = await cli(['run', SCENARIO, '--replications', REPS, '--out', 'full.json', '--quiet', '--jobs', '1'], { cwd: dir });
    expect(r.code).toBe(0);
    full = read(dir, 'full.json');
  });

  it('finishes a campaign interrupted by SIGINT (--jobs 1) on two workers to the uninterrupted bytes', async () => {
    const dir = tmp();
    const r = await interruptChild(dir, [SCENARIO, '--replications', REPS, '--jobs', '1', '--out', 'r.json', '--quiet'], (j) => journaled(j) >= 2, 'SIGINT');
    expect(r.code).toBe(130);
    const partial = JSON.parse(read(dir, 'r.json')) as { partial: boolean; runs: unknown[] };
    expect(partial.partial).toBe(true);
    expect(partial.runs.length).toBeLessThan(24);
    // The partial document is not the journal, but names it.
    const wrong = await cli(['run', '--resume', 'r.json'], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('svqsim: error: r.json: a result document, not a run journal (resume from r.json.runs.jsonl, its journal)\n');
    const resumed = await cli(['run', '--resume', 'r.json.runs.jsonl', '--jobs', '2', '--quiet'], { cwd: dir });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(read(dir, 'r.json')).toBe(full);
    // Complete: the journal is gone.
    expect(existsSync(join(dir, 'r.json.runs.jsonl'))).toBe(false);
  });

  it('finishes a campaign stopped on two workers, in one, from the journal alone (as after SIGKILL)', async () => {
    const dir = tmp();
    const journal = await apiInterrupted(dir, 5, 2);
    // Completion order does not matter: each line carries its run's index.
    const [header, ...runs] = lines(readFileSync(journal, 'utf8'));
    writeFileSync(journal, [header, ...runs.reverse()].join('\n') + '\n');
    // A process killed while writing leaves a line cut short: it is run again.
    appendFileSync(journal, '{"run":23,"record":{"scenario":"compa');
    const resumed = await cli(['run', '--resume', 'r.json.runs.jsonl', '--jobs', '1', '--json'], { cwd: dir });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe(full);
    expect(read(dir, 'r.json')).toBe(full);
  });

  it('accepts the first command line again, and --out elsewhere', async () => {
    const dir = tmp();
    await apiInterrupted(dir, 3, 2);
    const r = await cli(['run', SCENARIO, '--replications', REPS, '--resume', 'r.json.runs.jsonl', '--out', 'other.json', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(read(dir, 'other.json')).toBe(full);
  });

  it('a resumed campaign interrupted again is resumed again', async () => {
    const dir = tmp();
    const journal = await apiInterrupted(dir, 2, 1);
    const r = await interruptChild(dir, ['--resume', 'r.json.runs.jsonl', '--jobs', '1', '--quiet'], (j) => journaled(j) >= 4, 'SIGTERM');
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/^svqsim: interrupted: \d+ of 24 runs finished; partial results written to r\.json; finish with: svqsim run --resume r\.json\.runs\.jsonl\n$/);
    expect(journaled(journal)).toBeGreaterThanOrEqual(4);
    expect((await cli(['run', '--resume', 'r.json.runs.jsonl', '--quiet'], { cwd: dir })).code).toBe(0);
    expect(read(dir, 'r.json')).toBe(full);
  });

  it('refuses, in one line with exit 2, a journal of another scenario, seed or version, and what is not a journal', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 's.yaml'), readFileSync(SCENARIO, 'utf8'));
    const c = await planCampaign(['s.yaml'], { cwd: dir, replications: 2 });
    const header = journalHeaderLine(c, toolVersion());
    const resume = async (journal: string, extra: string[] = []) => {
      writeFileSync(join(dir, 'j.runs.jsonl'), journal);
      const r = await cli(['run', '--resume', 'j.runs.jsonl', '--quiet', ...extra], { cwd: dir });
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      return r.stderr;
    };
    const record = (await executeCampaign(c, { inThread: true, progress: false, skip: new Set([1, 2, 3, 4, 5]) })).records[0]!;
    const line0 = journalRunLine(0, record);
    expect(await resume(header.replace('"tool":"', '"tool":"9.'))).toMatch(/written by svqsim "9\.[^"]*"; this is svqsim .* \(a campaign is resumed by the version that started it\)/);
    expect(await resume(header, ['--seed', '99'])).toMatch(/--seed differs from the campaign's \(none\)/);
    expect(await resume(header, ['--replications', '3'])).toMatch(/--replications differs from the campaign's \(2\)/);
    expect(await resume(header, ['--shard', '1/2'])).toMatch(/--shard differs from the campaign's \(none\)/);
    expect(await resume(header, [join(ROOT, 'scenarios', 'default.yaml')])).toMatch(/the scenario files differ from the campaign's/);
    expect(await resume(header + line0 + line0)).toMatch(/j\.runs\.jsonl:3: run 0 appears twice \(also line 2\)/);
    expect(await resume(header + journalRunLine(1, record))).toMatch(/the record of run 1 is "compare-profiles\/profile=vdpa_sim" replication 0, but run 1 of the plan is .* replication 1/);
    expect(await resume(header + journalRunLine(99, record))).toMatch(/:2: run 99 is outside the plan/);
    expect(await resume(header + '{"run":0,"record":{"scenario":"x"}}\n')).toMatch(/:2: not a svqsim result: member record\.variant is missing/);
    expect(await resume(header + 'garbage\n')).toMatch(/:2: not valid JSON/);
    expect(await resume('{\n  "resultVersion": 1\n}\n')).toMatch(/a result document, not a run journal/);
    expect(await resume('\u0000\u0001binary')).toMatch(/not a svqsim run journal/);
    // The scenario file changed since the campaign started.
    writeFileSync(join(dir, 's.yaml'), readFileSync(SCENARIO, 'utf8') + '\n# edited\n');
    expect(await resume(header + line0)).toMatch(/s\.yaml changed since the campaign started .*: it cannot be resumed/);
    expect((await cli(['run', '--quiet'], { cwd: dir })).stderr).toBe('svqsim: error: run: give scenario files, or --resume OUT.runs.jsonl to finish an interrupted campaign\n');
  });
});
