// runsCsv.test.ts — the per-run CSV export: columns in a fixed order, one row per run, sweep
// parameters as columns, RFC 4180 quoting and line ends, the `export` command.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runsCsv, runsCsvChunks } from '../../metrics/runsCsv.js';
import { registerExportCommand } from '../../sim/cli/commands/export.js';
import { makeDocument } from '../fixtures/results/makeFixture.js';
import { runCommand } from './cliHarness.js';
import { parseCsv } from '../csvParse.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');

describe('runsCsv', () => {
  const doc = makeDocument({ to: 3 });

  it('one row per run, in the scenario order, every row as wide as the header', () => {
    const rows = parseCsv(runsCsv([doc]));
    const [head, ...body] = rows;
    expect(body).toHaveLength(6);
    expect(head!.slice(0, 6)).toEqual(['scenario', 'variant', 'variant_name', 'device', 'descAsid', 'iotlbPersist']);
    expect(head!.slice(6, 9)).toEqual(['replication', 'seed', 'downtime1_ns']);
    for (const r of body) expect(r).toHaveLength(head!.length);
    expect(body.map((r) => `${r[1]}#${r[6]}`)).toEqual(['baseline#0', 'baseline#1', 'baseline#2', 'desc-persist#0', 'desc-persist#1', 'desc-persist#2']);
    const col = (name: string) => head!.indexOf(name);
    const run = doc.runs.find((r) => r.variant === 'baseline' && r.replication === 1)!;
    expect(body[1]![col('downtime2_ns')]).toBe(String(run.downtime2.totalNs));
    expect(body[1]![col('downtime1.unregisterListener_ns')]).toBe(String(run.downtime1.phases.find((p) => p.name === 'unregisterListener')!.durNs));
    expect(body[1]![col('downtime1.pagesPinned')]).toBe(String(run.downtime1.counts.pagesPinned));
    expect(body[1]![col('converged')]).toBe('true');
    // desc-persist has no unregisterListener phase: empty there.
    expect(body[3]![col('downtime1.unregisterListener_ns')]).toBe('');
    // The phases of each window come in timeline order, then the counts.
    expect(head!.filter((h) => h.startsWith('downtime1.') && h.endsWith('_ns')).slice(2, 5)).toEqual(['downtime1.suspend_ns', 'downtime1.reset_ns', 'downtime1.unregisterListener_ns']);
    expect(head!.at(-1)).toBe('downtime2.faults');
  });

  it('adds the outcome columns last when some run failed, empty for the runs that completed', () => {
    const d = structuredClone(doc);
    const failed = d.runs.find((r) => r.variant === 'desc-persist' && r.replication === 2)!;
    failed.outcome = { status: 'failed', step: 'migrate', device: 'src:net0', errno: 'EPERM', reason: 'migration blocker', atNs: 5, vmRunsOn: 'source', recovered: true };
    const [head, ...body] = parseCsv(runsCsv([d]));
    expect(head!.slice(-3)).toEqual(['outcome.step', 'outcome.errno', 'outcome.vmRunsOn']);
    expect(body[5]!.slice(-3)).toEqual(['migrate', 'EPERM', 'source']);
    expect(body[0]!.slice(-3)).toEqual(['', '', '']);
    for (const r of body) expect(r).toHaveLength(head!.length);
  });

  it('is deterministic, quotes what needs quoting, and streams in chunks that add up', () => {
    const d = structuredClone(doc);
    for (const r of d.runs) r.params = { ...r.params, 'devices[0].nic': { note: 'a, "b"' }, scenario: 'x\ny' };
    const text = runsCsv([d]);
    expect(runsCsv([structuredClone(d)])).toBe(text);
    const rows = parseCsv(text);
    expect(rows[0]).toContain('devices[0].nic');
    // A parameter named like a fixed column is prefixed.
    expect(rows[0]).toContain('sweep.scenario');
    expect(rows[1]![rows[0]!.indexOf('devices[0].nic')]).toBe('{"note":"a, \\"b\\""}');
    expect(rows[1]![rows[0]!.indexOf('sweep.scenario')]).toBe('x\ny');
    expect([...runsCsvChunks([d], 2)].join('')).toBe(text);
    expect([...runsCsvChunks([d], 2)]).toHaveLength(4);
  });
});

describe('svqsim export', () => {
  it('writes the CSV to standard output or a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-export-'));
    const file = join(dir, 'r.json');
    writeFileSync(file, JSON.stringify(makeDocument({ to: 2 })));
    const out = await runCommand(registerExportCommand, ['export', file], fixtures);
    expect(out.code).toBe(0);
    expect(parseCsv(out.stdout)).toHaveLength(5);
    const toFile = await runCommand(registerExportCommand, ['export', file, '--format', 'csv', '-o', join(dir, 'r.csv')], fixtures);
    expect(toFile.stderr).toBe(`4 runs written to ${join(dir, 'r.csv')}\n`);
    expect(readFileSync(join(dir, 'r.csv'), 'utf8')).toBe(out.stdout);
    const bad = await runCommand(registerExportCommand, ['export', file, '--format', 'xlsx'], fixtures);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('svqsim: error: --format xlsx: expected csv\n');
    expect((await runCommand(registerExportCommand, ['export', file, '-o', join(dir, 'no', 'such', 'x.csv')], fixtures)).stderr).toMatch(/cannot write .*: no such directory/);
  });
});
