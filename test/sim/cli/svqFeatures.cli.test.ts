// svqFeatures.cli.test.ts — the shipped scenarios/svq-features.yaml end to end: it validates (a
// migration blocker is a run result, not bad input); the upstream and in-order variants fail at
// step migrate with the offending bits named, the VM on the source and no downtime, while the
// packed-SVQ proposal's variants migrate; compare, gate, report and export show the failures.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../cliHarness.js';
import type { ResultDocument } from '../../../metrics/result.js';
import { parseCsv } from '../../csvParse.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FILE = join(ROOT, 'scenarios/svq-features.yaml');

describe('scenarios/svq-features.yaml', () => {
  it('validates as shipped', async () => {
    const r = await cli(['validate', FILE], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('4 variants × 2 replications = 8 runs');
  });

  it('blocked variants fail at step migrate with no downtime; the proposal migrates; compare, gate, report and export show it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-svqf-'));
    const run = await cli(['run', FILE, '--replications', '1', '--jobs', '1', '--out', 'r.json', '--quiet'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as ResultDocument;
    const byVariant = new Map(doc.runs.map((r) => [r.variant, r]));
    for (const [v, bits] of [
      ['upstream', 'RING_PACKED (34)'],
      ['in-order', 'IN_ORDER (35)'],
    ] as const) {
      const r = byVariant.get(v)!;
      expect(r.outcome).toMatchObject({ status: 'failed', step: 'migrate', device: 'src:net0', errno: 'EPERM', vmRunsOn: 'source', recovered: true });
      expect(r.outcome!.reason).toContain(`net_vhost_vdpa_init: vhost_svq_valid_features: the device offers ${bits}, which SVQ cannot drive`);
      expect(r.downtime1.totalNs).toBe(0);
      expect(r.downtime2.totalNs).toBe(0);
      expect(r.migration.bytesSent).toBe(0);
    }
    for (const v of ['svq-packed-split', 'svq-packed-packed']) {
      const r = byVariant.get(v)!;
      expect(r.outcome).toBeUndefined();
      expect(r.invariants.violations).toEqual([]);
      expect(r.downtime1.totalNs).toBeGreaterThan(0);
      expect(r.downtime2.totalNs).toBeGreaterThan(0);
    }
    // The proposal is labelled in the document.
    expect(JSON.stringify(doc)).toContain('Add packed virtqueue support to SVQ');

    const cmp = await cli(['compare', 'r.json'], { cwd: dir });
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/upstream\s+1\s+100%/);
    expect(cmp.stdout).toMatch(/svq-packed-packed\s+1\s+0%/);

    const gate = await cli(['gate', 'r.json', '-t', 'downtime2.p99 < 5s'], { cwd: dir });
    expect(gate.code).toBe(3);
    expect(gate.stdout).toContain('FAIL  svq-features/upstream  migrations complete  — 1 failed migration (first: migrate, EPERM)');
    const allowed = await cli(['gate', 'r.json', '--allow-failures', '-t', 'downtime2.p99 < 5s'], { cwd: dir });
    expect(allowed.code).toBe(0);

    const report = await cli(['report', 'r.json', '-o', 'r.html'], { cwd: dir });
    expect(report.code).toBe(0);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<h3>Failed migrations</h3>');
    expect(html).toMatch(/<td>1 of 1<\/td><td>migrate<\/td><td>EPERM<\/td><td>source<\/td>/);

    const csv = await cli(['export', 'r.json'], { cwd: dir });
    expect(csv.code).toBe(0);
    const [head, ...rows] = parseCsv(csv.stdout);
    const at = (row: string[], col: string) => row[head!.indexOf(col)];
    const upstream = rows.find((r) => r[1] === 'upstream')!;
    expect([at(upstream, 'outcome.step'), at(upstream, 'outcome.errno'), at(upstream, 'outcome.vmRunsOn')]).toEqual(['migrate', 'EPERM', 'source']);
    expect(at(rows.find((r) => r[1] === 'svq-packed-split')!, 'outcome.step')).toBe('');
  }, 60_000);
});
