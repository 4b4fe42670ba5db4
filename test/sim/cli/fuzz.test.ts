// fuzz.test.ts — fast-check over mutated shipped scenarios and profiles (keys deleted and
// duplicated, wrong types, huge numbers, prototype keys, long and multi-line keys) through
// `validate` and `run`, and over hostile files (devices, FIFOs, sparse giants, binary junk,
// truncated results, YAML given as a result) through validate, gate, report, compare and merge:
// no exit 1, no hang, no unbounded read, every error one short line. Fixed seeds, bounded sizes;
// SVQSIM_FUZZ_SCALE=50 SVQSIM_FUZZ_SEED=7 npx vitest run test/sim/cli/fuzz.test.ts searches longer.

import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { cli, type CliOutcome } from '../../cliHarness.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCENARIOS = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml')).sort();
const PROFILE = 'profiles/example-smartnic.yaml';
const tmp = () => mkdtempSync(join(tmpdir(), 'svqsim-fuzz-'));
/** Longer searches on request; the suite's own are fixed and take a few seconds. */
const SCALE = Math.max(1, Number(process.env.SVQSIM_FUZZ_SCALE ?? 1) || 1);
const SEED = process.env.SVQSIM_FUZZ_SEED === undefined ? undefined : Number(process.env.SVQSIM_FUZZ_SEED);
const budget = (seed: number, numRuns: number) => ({ seed: SEED ?? seed, numRuns: numRuns * SCALE });
const TIMEOUT = { timeout: 60_000 * SCALE };

/** What every outcome must be: a known exit code and, on standard error, only short svqsim lines. */
function wellBehaved(r: CliOutcome, codes: readonly number[], maxErrorLines: number): void {
  expect(codes, `exit ${r.code}: ${r.stderr.slice(0, 500)}`).toContain(r.code);
  const lines = r.stderr.split('\n').slice(0, -1);
  expect(r.stderr === '' || r.stderr.endsWith('\n')).toBe(true);
  expect(lines.length, r.stderr.slice(0, 500)).toBeLessThanOrEqual(maxErrorLines);
  for (const l of lines) {
    expect(l).toMatch(/^svqsim: /);
    expect(l.length).toBeLessThan(1000);
  }
  if (r.code === 2) expect(lines.length).toBeGreaterThan(0);
}

/**
 * Stops the command in progress after `ms` as SIGINT would (the event, not a real signal, and
 * only while a campaign listens for it): a mutated scenario may plan minutes of runs.
 */
function timeBox(ms: number): () => void {
  let timer: NodeJS.Timeout;
  const fire = () => {
    if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT');
    else timer = setTimeout(fire, 50);
  };
  timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
}

// ---- mutations --------------------------------------------------------------------------------

type Path = (string | number)[];
type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'set'; at: number; value: unknown }
  | { op: 'addKey'; at: number; key: string; value: unknown }
  | { op: 'duplicateLine'; at: number };

/** Every node's path in a parsed document (the root included). */
function paths(v: unknown, here: Path = []): Path[] {
  const out: Path[] = [here];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...here, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...here, k]));
  return out;
}

function parentOf(doc: unknown, path: Path): Record<string | number, unknown> | null {
  let v = doc;
  for (const p of path.slice(0, -1)) v = (v as Record<string | number, unknown>)[p];
  return v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>) : null;
}

/** An own member even for "__proto__" (plain assignment would set the prototype). */
function define(o: object, key: string | number, value: unknown): void {
  // A copy: the arbitraries hand out the same objects again, later mutations must not reach them.
  Object.defineProperty(o, key, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
}

function mutate(text: string, ms: Mutation[]): string {
  let doc: unknown = YAML.parse(text);
  let lines: string[] | null = null;
  for (const m of ms) {
    if (m.op === 'duplicateLine') {
      lines ??= YAML.stringify(doc).split('\n');
      const i = m.at % lines.length;
      lines.splice(i, 0, lines[i]!);
      continue;
    }
    const all = paths(doc);
    const path = all[m.at % all.length]!;
    if (m.op === 'addKey') {
      let target: unknown = doc;
      for (const p of path) target = (target as Record<string | number, unknown>)[p];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) define(target, m.key, m.value);
      else if (path.length === 0) define((doc = {}), m.key, m.value);
      continue;
    }
    const parent = parentOf(doc, path);
    const key = path.at(-1);
    if (parent === null || key === undefined) {
      doc = m.op === 'set' ? structuredClone(m.value) : {};
      continue;
    }
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else define(parent, key, m.value);
  }
  return lines !== null ? lines.join('\n') : YAML.stringify(doc, { lineWidth: 0 });
}

const protoNames = fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype');
const odd = fc.constantFrom<unknown>('', 'x', true, false, null, [], {}, -1, 0, 1.5, '1e999', 'NaN', [1, 2], { a: 1 });
const huge = fc.constantFrom<unknown>(1e308, 2 ** 64, 2 ** 53 + 2, -1e9, 1e21, 1e9, 4096, 17179869185, '8191TiB', '64TiB', '1e30Gbit/s', '3ns', '10us', '1000000Mpps', 1000000);
const value = fc.oneof(odd, huge, protoNames);
const key = fc.oneof(protoNames, fc.constantFrom('a\nb', 'x: y', '\u0000', 'k'.repeat(1025), 'k'.repeat(300_000), 'replications', 'warmup', 'sweep'));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value }),
  fc.record({ op: fc.constant('addKey' as const), at: fc.nat(), key, value }),
  fc.record({ op: fc.constant('duplicateLine' as const), at: fc.nat() }),
);
/** A shipped scenario (or the shipped profile, used through custom-profile.yaml) and its mutations. */
const mutated = fc.record({
  target: fc.constantFrom(...SCENARIOS, PROFILE),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  json: fc.boolean(),
});

/** Writes the mutated input into a copy of scenarios/; the scenario file to give the CLI. */
function materialise(dir: string, m: { target: string; mutations: Mutation[]; json: boolean }): string {
  const text = mutate(readFileSync(join(ROOT, 'scenarios', m.target), 'utf8'), m.mutations);
  // JSON is YAML too; written as JSON, the same data goes through the JSON reader.
  let out = text;
  if (m.json && !m.mutations.some((x) => x.op === 'duplicateLine')) {
    try {
      out = JSON.stringify(YAML.parse(text));
    } catch {
      out = text;
    }
  }
  if (m.target === PROFILE) {
    writeFileSync(join(dir, PROFILE), out);
    return 'custom-profile.yaml';
  }
  const name = m.json ? 'fuzzed.json' : 'fuzzed.yaml';
  writeFileSync(join(dir, name), out);
  return name;
}

describe('fuzzed scenarios and profiles', () => {
  const dir = tmp();
  beforeAll(() => cpSync(join(ROOT, 'scenarios'), dir, { recursive: true }));

  it('validate never exits 1 and reports each bad file on one short line', TIMEOUT, async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async (m) => {
        cpSync(join(ROOT, 'scenarios', PROFILE), join(dir, PROFILE));
        const file = materialise(dir, m);
        const r = await cli(['validate', file], { cwd: dir });
        // A bad file: its error line, then the count of bad files.
        wellBehaved(r, [0, 2], 2);
        if (r.code === 0) expect(r.stdout).toMatch(/^ok {2}/);
      }),
      budget(1202, 120),
    );
  });

  it('run runs what validate accepts (one replication), else refuses it as validate does', TIMEOUT, async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(mutated, async (m) => {
        cpSync(join(ROOT, 'scenarios', PROFILE), join(dir, PROFILE));
        const file = materialise(dir, m);
        const v = await cli(['validate', file], { cwd: dir });
        if (v.code !== 0 || ran >= 5 * SCALE) return;
        ran++;
        const stop = timeBox(600);
        try {
          wellBehaved(await cli(['run', file, '--replications', '1', '--jobs', '1', '--quiet'], { cwd: dir }), [0, 130], 1);
        } finally {
          stop();
        }
      }),
      budget(4711, 40),
    );
    expect(ran).toBeGreaterThan(0);
  });
});

// ---- hostile files ----------------------------------------------------------------------------

/** Every command that reads user files, with `f` in each place a file is read. */
const READERS: [string, (f: string) => string[], number][] = [
  ['validate', (f) => ['validate', f], 2],
  ['gate', (f) => ['gate', f, '-t', 'downtime2.p99<1s'], 1],
  ['gate --baseline', (f) => ['gate', 'good.json', '--baseline', f], 1],
  ['report', (f) => ['report', f, '--out', 'r.html'], 1],
  ['compare', (f) => ['compare', f], 1],
  ['merge', (f) => ['merge', f, 'good.json'], 1],
];

describe('hostile files', () => {
  const dir = tmp();
  let good = '';
  beforeAll(async () => {
    const r = await cli(['run', join(ROOT, 'scenarios', 'default.yaml'), '--out', 'good.json', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    good = readFileSync(join(dir, 'good.json'), 'utf8');
    mkdirSync(join(dir, 'a-directory'));
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);
    // Sparse: larger than any limit without taking the disk space.
    writeFileSync(join(dir, 'giant.json'), '');
    truncateSync(join(dir, 'giant.json'), 3 * 1024 ** 3);
    writeFileSync(join(dir, 'empty.json'), '');
    writeFileSync(join(dir, 'scenario-as-result.json'), readFileSync(join(ROOT, 'scenarios', 'default.yaml')));
    writeFileSync(join(dir, 'deep.json'), '['.repeat(20_000));
    writeFileSync(join(dir, 'deep-closed.json'), '['.repeat(20_000) + ']'.repeat(20_000));
    writeFileSync(join(dir, 'infinite.json'), good.replace(/"totalNs": \d+/, '"totalNs": 1e400'));
    for (const [name, text] of [['array.json', '[]'], ['null.json', 'null'], ['number.json', '1'], ['object.json', '{}'], ['nul.json', '{"a":\u0000}']]) writeFileSync(join(dir, name!), text!);
  });

  const FILES = ['/dev/zero', '/dev/urandom', '/dev/null', 'a-directory', 'fifo.json', 'giant.json', 'missing.json', 'empty.json', 'scenario-as-result.json', 'deep.json', 'deep-closed.json', 'infinite.json', 'array.json', 'null.json', 'number.json', 'object.json', 'nul.json'];
  it('are refused by every reader with exit 2 and one short line, without reading them whole', async () => {
    for (const f of FILES) {
      for (const [name, args, lines] of READERS) {
        // A scenario is what validate reads.
        if (f === 'scenario-as-result.json' && name === 'validate') continue;
        const r = await cli(args(f), { cwd: dir });
        expect(r.code, `${name} ${f}: ${r.stderr}`).toBe(2);
        wellBehaved(r, [2], lines);
      }
    }
  });

  it('binary junk and truncated results are refused the same way', TIMEOUT, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)), fc.nat().map((n) => Buffer.from(good.slice(0, n % (good.length - 2))))), fc.constantFrom(...READERS), async (bytes, [name, args, lines]) => {
        writeFileSync(join(dir, 'junk.json'), bytes);
        const r = await cli(args('junk.json'), { cwd: dir });
        expect(r.code, `${name}: ${r.stderr}`).toBe(2);
        wellBehaved(r, [2], lines);
      }),
      budget(99, 60),
    );
  });
});
