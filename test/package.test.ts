// package.test.ts — the package as others get it: `npm pack` ships the built code, its types, the
// README and the shipped scenarios and nothing else (no sources, tests, CI files or source maps);
// `import { run } from 'svqsim'` resolves through `exports` to the build and runs a scenario; a
// TypeScript program type-checks against the shipped declarations.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  types: string;
  exports: Record<string, { types: string; default: string } | string>;
};
const strip = (p: string) => p.replace(/^\.\//, '');

function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status).toBe(0);
  const [report] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
  return report.files.map((f) => f.path).sort();
}

/** A package of its own with this one installed as node_modules/svqsim. */
function consumerDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'svqsim-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'svqsim'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
  return dir;
}

describe('the npm package', () => {
  const files = packedFiles();

  it('holds the build, its declarations, README and the shipped scenarios', () => {
    const entry = pkg.exports['.'] as { types: string; default: string };
    for (const f of [entry.types, entry.default, pkg.types, ...Object.values(pkg.bin), 'dist/sim/campaign/worker.js', 'dist/sim/campaign/worker.bundle.js', 'README.md', 'package.json']) {
      expect(files).toContain(strip(f));
    }
    const scenarios = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => `scenarios/${f}`);
    expect(files).toEqual(expect.arrayContaining([...scenarios, 'scenarios/profiles/example-smartnic.yaml']));
    // Every compiled module comes with its declarations (the worker's bundle is not a module anyone imports).
    const js = files.filter((f) => f.endsWith('.js') && !f.endsWith('.bundle.js') && !f.startsWith('dist/sim/cli/bundle/'));
    expect(js.length).toBeGreaterThan(50);
    for (const f of js) expect(files).toContain(f.replace(/\.js$/, '.d.ts'));
  });

  it("has a worker bundle with no schema library and rxjs's ES module build (tree-shaken)", () => {
    // esbuild marks each bundled file with its path; the worker's run path never needs zod, and
    // rxjs's CommonJS build (what the node condition picks) would bring all of rxjs along.
    const bundle = readFileSync(join(ROOT, 'dist', 'sim', 'campaign', 'worker.bundle.js'), 'utf8');
    expect(bundle).not.toMatch(/\/\/ node_modules\/zod\//);
    expect(bundle).not.toMatch(/\/\/ node_modules\/rxjs\/dist\/cjs\//);
    expect(bundle).toMatch(/\/\/ node_modules\/rxjs\/dist\/esm\//);
  });

  it("`svqsim run` loads no HDR log writer and no schema-library locale but zod's English one", () => {
    // The chunks of the executable and its run command, and what they import statically,
    // transitively (dynamic imports load on demand: --hdr-log loads the log writer).
    const dir = join(ROOT, 'dist', 'sim', 'cli', 'bundle');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"\.\/([^"]+)";/gms)) visit(m[1]!);
      for (const m of text.matchAll(/^import\s*"\.\/([^"]+)";/gm)) visit(m[1]!);
    };
    visit('bin.js');
    const run = /\["run", async \(\) => \(await import\("\.\/([^"]+)"\)\)/.exec(readFileSync(join(dir, 'bin.js'), 'utf8'));
    expect(run).not.toBeNull();
    visit(run![1]!);
    const startup = [...seen].map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(seen.size).toBeGreaterThan(3);
    expect(startup).toMatch(/\/\/ node_modules\/hdr-histogram-js\/dist\/encoding\.js/);
    expect(startup).not.toMatch(/\/\/ node_modules\/hdr-histogram-js\/dist\/HistogramLogWriter\.js/);
    expect([...startup.matchAll(/\/\/ node_modules\/zod\/v4\/locales\/([^\s]+)/g)].map((m) => m[1])).toEqual(['en.js']);
  });

  it('holds nothing else: no sources, tests, CI files, source maps or the bench', () => {
    const stray = files.filter((f) => !(f.startsWith('dist/') || f.startsWith('scenarios/') || f === 'README.md' || f === 'LICENSE' || f === 'package.json'));
    expect(stray).toEqual([]);
    const unwanted = files.filter((f) => /\.map$/.test(f) || /^dist\/(test|sim\/bench)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    expect(unwanted).toEqual([]);
  });

  it('`import ... from "svqsim"` loads the built entry and runs a tiny scenario', () => {
    const program = `
      import { run, compare, gate, scenarioJsonSchema } from 'svqsim';
      const doc = await run({
        name: 'tiny', replications: 2, vm: { memory: '1GiB' },
        devices: [{ name: 'net0', profile: 'vdpa_sim' }],
        migration: { bandwidth: '10Gbit/s' },
        gates: ['downtime2.p99 < 10s'],
      }, { jobs: 1 });
      const g = gate(doc);
      console.log(JSON.stringify({
        entry: import.meta.resolve('svqsim'),
        runs: doc.runs.length,
        tool: doc.tool.name,
        rows: compare(doc).map((r) => r.key),
        gate: g.closingLine,
        schema: scenarioJsonSchema().title,
      }));`;
    // A program of another package that has svqsim installed (node_modules/svqsim).
    const dir = consumerDir();
    writeFileSync(join(dir, 'consumer.mjs'), program);
    const r = spawnSync(process.execPath, ['consumer.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      entry: `file://${join(ROOT, 'dist', 'sim', 'api', 'index.js')}`,
      runs: 2,
      tool: 'svqsim',
      rows: ['tiny/default'],
      gate: '1 passed, 0 failed',
      schema: 'svqsim scenario',
    });
  });

  it('type-checks a TypeScript program, and the README example, against the shipped declarations', () => {
    const dir = consumerDir();
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.ts', 'readme-example.ts'] }),
    );
    writeFileSync(
      join(dir, 'consumer.ts'),
      `import { run, compare, gate, InputError, type ResultDocument, type GateResult, type CompareRow, type ScenarioDocument } from 'svqsim';
const scenario: ScenarioDocument = { name: 'x', vm: { memory: '1GiB' }, devices: [{ name: 'net0', profile: 'mlx5' }], migration: { bandwidth: '10Gbit/s' } };
export async function check(): Promise<number> {
  const doc: ResultDocument = await run(scenario, { replications: 2, jobs: 1 });
  const rows: CompareRow[] = compare(doc, { baseline: 'baseline' });
  const g: GateResult = gate([doc], { thresholds: ['downtime2.p99 < 2s'], maxRegression: '5%' });
  const total: number = doc.runs[0]!.downtime2.totalNs + rows[0]!.ratioP99 + g.exitCode;
  // @ts-expect-error -- a result document has no such field (the types are not any)
  void doc.nope;
  // @ts-expect-error -- a scenario needs its vm
  void run({ name: 'x', devices: [], migration: { bandwidth: 1 } });
  // @ts-expect-error -- gate options are typed
  void gate(doc, { treshold: [] });
  return total + (new InputError('x') instanceof Error ? 0 : 1);
}
`,
    );
    // The README's example, as written there.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').split('## Programmatic use')[1]!;
    const example = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    writeFileSync(join(dir, 'readme-example.ts'), `${example}\nexport {};\n`);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
