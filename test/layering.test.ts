// layering.test.ts — the dependency rules of .dependency-cruiser.cjs catch what they guard: a tree
// with one planted violation per rule fails with that rule's name, a clean tree passes, and the
// project itself passes (the same check `npm run layers` runs in CI).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const BIN = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const dirs: string[] = [];

/** A throw-away tree: path → source. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'svqsim-layers-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [p, src] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), src);
  }
  return dir;
}

function cruise(cwd: string, roots: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...roots, '--config', CONFIG], { cwd, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Each planted import and the rule that must catch it. */
const PLANTED: [rule: string, from: string, to: string][] = [
  ['kernel-imports-nothing', 'sim/kernel/k.ts', 'vmm/target.ts'],
  ['device-never-imports-vmm', 'device/core/d.ts', 'vmm/target.ts'],
  ['vmm-reaches-devices-only-through-the-uapi-and-shared-memory', 'vmm/v.ts', 'device/core/target.ts'],
  ['guest-reaches-devices-only-through-shared-memory', 'sim/guest/g.ts', 'device/vhost/target.ts'],
  ['models-never-import-metrics', 'device/vhost/m.ts', 'metrics/target.ts'],
  ['models-never-import-the-run-engine', 'vmm/r.ts', 'sim/testbed/target.ts'],
  ['device-and-vmm-never-import-the-guest', 'vmm/w.ts', 'sim/guest/target.ts'],
  ['metrics-never-import-models', 'metrics/x.ts', 'device/shared/target.ts'],
  ['nothing-imports-the-cli', 'sim/campaign/c.ts', 'sim/cli/target.ts'],
  ['nothing-imports-the-api', 'sim/campaign/a.ts', 'sim/api/target.ts'],
  ['events-see-only-the-message-interface', 'sim/events/e.ts', 'device/core/target2.ts'],
  ['leaf-helpers-stay-leaves', 'sim/tool/t.ts', 'sim/scenario/target.ts'],
];

/** The relative import specifier from one project file to another. */
function spec(from: string, to: string): string {
  const up = from.split('/').length - 1;
  return `${'../'.repeat(up)}${to.replace(/\.ts$/, '.js')}`;
}

describe('layering rules', () => {
  it('catch one planted violation per rule, each by name', () => {
    const files: Record<string, string> = {};
    PLANTED.forEach(([, from, to], i) => {
      files[to] = 'export const target = 1;\n';
      files[from] = `import { target } from '${spec(from, to)}';\nexport const v${i} = target;\n`;
    });
    const r = cruise(tree(files), ['sim', 'vmm', 'device', 'metrics']);
    expect(r.status).not.toBe(0);
    for (const [rule, from, to] of PLANTED) expect(r.out).toContain(`${rule}: ${from} → ${to}`);
  });

  it('catch an import cycle, type-only imports included', () => {
    const dir = tree({
      'vmm/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
      'vmm/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
    });
    const r = cruise(dir, ['vmm']);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('no-circular');
  });

  it('accept the allowed directions (vmm to the uapi and shared memory, metrics to events)', () => {
    const dir = tree({
      'device/uapi/u.ts': 'export const u = 1;\n',
      'device/shared/s.ts': 'export const s = 1;\n',
      'vmm/v.ts': "import { u } from '../device/uapi/u.js';\nimport { s } from '../device/shared/s.js';\nexport const v = u + s;\n",
      'sim/events/e.ts': "import { u } from '../../device/uapi/u.js';\nexport const e = u;\n",
      'metrics/m.ts': "import { e } from '../sim/events/e.js';\nexport const m = e;\n",
    });
    const r = cruise(dir, ['sim', 'vmm', 'device', 'metrics']);
    expect(r.out).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });

  it('hold on the project itself', () => {
    const r = cruise(ROOT, ['sim', 'vmm', 'device', 'metrics', 'test']);
    expect(r.out).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });
});
