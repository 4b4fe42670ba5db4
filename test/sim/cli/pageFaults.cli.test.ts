// pageFaults.cli.test.ts — the shipped scenarios/page-faults.yaml end to end: it validates as
// shipped; one replication of its 16 GiB points (a shard of the campaign, to keep the test short)
// runs from the CLI and shows a pinning-free downtime #2 with faults after the switchover; compare
// and report show the fault metrics; its gate holds. What the device cannot do is refused; what
// QEMU's shadow virtqueue cannot drive is a blocked migration.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../cliHarness.js';
import type { ResultDocument } from '../../../metrics/result.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FILE = join(ROOT, 'scenarios/page-faults.yaml');

describe('scenarios/page-faults.yaml', () => {
  it('validates as shipped', async () => {
    const r = await cli(['validate', 'scenarios/page-faults.yaml'], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok  scenarios/page-faults.yaml: 9 variants × 3 replications = 27 runs');
  });

  it('runs: downtime #2 pins nothing with faults, the device faults after the switchover; compare, report and gate show it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-pf-'));
    // With one replication the plan is the 9 variants in order; every third is a 16 GiB point.
    const run = await cli(['run', FILE, '--replications', '1', '--shard', '1/3', '--jobs', '1', '--out', 'r.json', '--quiet'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as ResultDocument;
    const byVariant = new Map(doc.runs.map((r) => [r.variant, r]));
    expect([...byVariant.keys()].sort()).toEqual(['faults-partial-order/memory=16GiB', 'faults/memory=16GiB', 'pin-all/memory=16GiB']);
    const pinAll = byVariant.get('pin-all/memory=16GiB')!;
    expect(pinAll.downtime2.counts.pagesPinned).toBeGreaterThanOrEqual(16 * 2 ** 18);
    expect(pinAll.pageFaults).toBeUndefined();
    for (const v of ['faults/memory=16GiB', 'faults-partial-order/memory=16GiB']) {
      const r = byVariant.get(v)!;
      expect(r.invariants.violations).toEqual([]);
      expect(r.downtime2.counts.pagesPinned).toBe(0);
      expect(r.downtime2.totalNs).toBeLessThan(pinAll.downtime2.totalNs);
      expect(r.pageFaults!.faultsByPhase.postSwitchover).toBeGreaterThan(0);
    }
    expect(byVariant.get('faults-partial-order/memory=16GiB')!.pageFaults!.outOfOrder).toBeGreaterThan(0);
    expect(doc.scenarios[0]!.strategies?.map((s) => s.name)).toEqual(['pageFaults']);

    const cmp = await cli(['compare', 'r.json', '--no-histograms'], { cwd: dir, env: { COLUMNS: '250' } });
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toContain('faults after');
    expect(cmp.stdout).toContain('fault p99');
    const csvLike = await cli(['compare', 'r.json', '--format', 'md', '--columns', 'pageFaults.postSwitchover,outOfOrder,flushBatches,faultStall'], { cwd: dir });
    expect(csvLike.code).toBe(0);
    expect(csvLike.stdout).toMatch(/\| faults after \| out of order \| FLUSH batches \| stall mean \|/);

    const csv = await cli(['export', 'r.json'], { cwd: dir });
    expect(csv.code).toBe(0);
    const [head, ...rows] = csv.stdout.trim().split('\r\n');
    const cols = head!.split(',');
    expect(cols.slice(-9)).toEqual(['pageFaults', 'pageFaults.postSwitchover', 'faultLatencyP99_ns', 'faultLatencyMax_ns', 'faultStall_ns', 'outOfOrder', 'flushBatches', 'invalidations', 'postSwitchover.rxDropped']);
    const pinRow = rows.find((l) => l.includes('pin-all/memory=16GiB'))!.split(',');
    expect(pinRow.slice(-9)).toEqual(['', '', '', '', '', '', '', '', '']);

    const rep = await cli(['report', 'r.json', '--out', 'r.html'], { cwd: dir });
    expect(rep.code).toBe(0);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<h3>Page faults</h3>');
    expect(html).toContain('faults after switchover');

    const gate = await cli(['gate', 'r.json', '--allow-partial'], { cwd: dir });
    expect(gate.code).toBe(0);
  }, 60_000);

  it('traces each fault as a slice on the device\'s async tracks, every track still nesting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-pf-'));
    const r = await cli(['trace', FILE, '--variant', 'faults-partial-order/memory=16GiB', '--out', 't.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')) as { traceEvents: { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; cat?: string; args?: { name?: string } }[] };
    const threads = new Map(t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}/${e.tid}`, e.args?.name ?? '']));
    const faults = t.traceEvents.filter((e) => e.cat === 'iopf' && e.ph === 'X');
    expect(faults.length).toBeGreaterThan(100);
    for (const f of faults) expect(threads.get(`${f.pid}/${f.tid}`)).toMatch(/async work/);
    // Slices on one track nest: none ends inside another it started after.
    const tracks = new Map<string, { ts: number; end: number }[]>();
    // Times in integer ns (the trace's µs have three decimals).
    const ns = (us: number) => Math.round(us * 1000);
    for (const e of t.traceEvents) {
      if (e.ph !== 'X') continue;
      const key = `${e.pid}/${e.tid}`;
      if (!tracks.has(key)) tracks.set(key, []);
      tracks.get(key)!.push({ ts: ns(e.ts), end: ns(e.ts) + ns(e.dur ?? 0) });
    }
    for (const slices of tracks.values()) {
      const open: number[] = [];
      for (const s of slices.sort((a, b) => a.ts - b.ts || b.end - a.end)) {
        while (open.length > 0 && open[open.length - 1]! <= s.ts) open.pop();
        if (open.length > 0) expect(s.end).toBeLessThanOrEqual(open[open.length - 1]!);
        open.push(s.end);
      }
    }
  }, 30_000);

  it('refuses what the device cannot do, naming why; what QEMU\'s shadow virtqueue cannot drive validates and is a blocked run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-pf-'));
    const base = 'name: t\nvm: { memory: 2GiB }\nmigration: { bandwidth: 10Gbit/s, strategies: { pageFaults: true } }\n';
    writeFileSync(join(dir, 'nocap.yaml'), `${base}devices: [{ name: n, profile: mlx5 }]\n`);
    writeFileSync(join(dir, 'packed.yaml'), `${base}devices: [{ name: n, profile: vdpa_sim, ring: packed }]\n`);
    writeFileSync(join(dir, 'inorder.yaml'), `${base}devices: [{ name: n, profile: mlx5, inOrder: true, capabilities: { pageFaults: pri, inOrder: true } }]\n`);
    const nocap = await cli(['validate', 'nocap.yaml'], { cwd: dir });
    expect(nocap.code).toBe(2);
    expect(nocap.stderr).toContain('migration.strategies.pageFaults: device n (profile mlx5) cannot take page faults (no capabilities.pageFaults)');
    // vdpa_sim drives split rings only (VDPASIM_FEATURES has no RING_PACKED).
    const packed = await cli(['validate', 'packed.yaml'], { cwd: dir });
    expect(packed.code).toBe(2);
    expect(packed.stderr).toContain('devices[0].ring: device n (profile vdpa_sim) has no packed ring (capabilities.ringLayouts is [split])');
    // IN_ORDER offered: a migration blocker at netdev init, so a run result, not bad input.
    const inOrder = await cli(['validate', 'inorder.yaml'], { cwd: dir });
    expect(inOrder.stderr).toBe('');
    expect(inOrder.code).toBe(0);
    const run = await cli(['run', 'inorder.yaml', '--replications', '1', '--jobs', '1', '--out', 'r.json', '--quiet'], { cwd: dir });
    expect(run.code).toBe(0);
    const o = (JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as ResultDocument).runs[0]!.outcome!;
    expect(o).toMatchObject({ step: 'migrate', errno: 'EPERM', vmRunsOn: 'source', recovered: true });
    expect(o.reason).toContain('vhost_svq_valid_features: the device offers IN_ORDER (35)');
    writeFileSync(join(dir, 'va.yaml'), `${base}devices: [{ name: n, profile: mlx5, capabilities: { pageFaults: va } }]\n`);
    const va = await cli(['validate', 'va.yaml'], { cwd: dir });
    expect(va.code).toBe(2);
    expect(va.stderr).toContain('devices[0].capabilities.pageFaults: device n (profile mlx5): pageFaults va needs capabilities.useVa');
    // One line for the file, then the summary.
    expect(packed.stderr.trim().split('\n')).toEqual([expect.stringContaining('packed.yaml:'), 'svqsim: 1 of 1 file invalid']);
  });
});
