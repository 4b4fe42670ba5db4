// transports.test.ts — `svqsim run scenarios/transports.yaml` end to end: vhost-vdpa + SVQ
// (upstream, and with the descriptor group and persistent IOTLB of seeds 000/001) against the
// admin-vq transport (seed 004) and device-parts migration (virtio 1.4), 16 GiB to 1 TiB.

import { describe, expect, it, beforeAll } from 'vitest';
import { join } from 'node:path';
import { cli } from '../../cliHarness.js';
import type { RunRecord } from '../../../metrics/result.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const GiB = 2 ** 30;

describe('svqsim run scenarios/transports.yaml', () => {
  let runs: RunRecord[] = [];
  let labels: { name: string; source: string }[] = [];
  beforeAll(async () => {
    const r = await cli(['run', 'scenarios/transports.yaml', '--json', '--jobs', '1', '--replications', '1'], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { runs: RunRecord[]; scenarios: { strategies?: { name: string; source: string }[] }[] };
    runs = doc.runs;
    labels = doc.scenarios[0]!.strategies ?? [];
  });

  it('labels what is not upstream: the seeds\' strategies and the admin-vq modes with their sources', async () => {
    expect(labels.map((l) => l.name)).toEqual(['descGroup', 'iotlbPersist', 'transport admin-vq (svq)', 'transport admin-vq (deviceParts)']);
    expect(labels[2]!.source).toMatch(/^proposal: .*seed 004/);
    expect(labels[3]!.source).toMatch(/^standard: virtio 1\.4 device parts/);
    const list = await cli(['list'], { cwd: ROOT });
    expect(list.stdout).toMatch(/scenarios\/transports\.yaml\s+vhost-vdpa \+ SVQ/);
    expect(list.stdout.split('Transports')[1]).toMatch(/admin-vq svq\s+proposal/);
  });

  const at = (variant: string, memory: string): RunRecord => {
    const r = runs.find((x) => x.variant === `${variant}/memory=${memory}`);
    if (r === undefined) throw new Error(`no run ${variant}/memory=${memory}`);
    return r;
  };

  it('validates', async () => {
    const r = await cli(['validate', 'scenarios/transports.yaml'], { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok  scenarios/transports.yaml: 24 variants × 5 replications = 120 runs');
  });

  it('runs every variant at every memory size, none failed, no invariant violated', () => {
    expect(runs).toHaveLength(8 * 3);
    for (const r of runs) {
      expect(r.outcome, r.variant).toBeUndefined();
      expect(r.invariants.violations, r.variant).toEqual([]);
    }
    for (const r of runs) expect(r.migration.converged, r.variant).toBe(!r.variant.startsWith('device-parts-1g-pages'));
  });

  it('upstream vhost-vdpa windows grow with guest RAM; the admin-vq ones do not touch it', () => {
    expect(at('vhost-svq', '1TiB').downtime2.totalNs).toBeGreaterThan(10 * at('vhost-svq', '16GiB').downtime2.totalNs);
    // The SVQ switch unpins and re-pins all guest RAM (1 TiB = 268,435,456 pages).
    expect(at('vhost-svq', '1TiB').downtime1.counts.pagesPinned).toBeGreaterThan(268_000_000);
    for (const m of ['16GiB', '128GiB', '1TiB']) {
      const a = at('admin-svq', m);
      // Only the shadow vrings (5 vqs × 3 pages) and the CVQ buffers are pinned at the switch.
      expect(a.downtime1.counts.pagesPinned).toBe(5 * 3 + 2);
      expect(a.downtime1.counts.ioctls.MMU_MAP).toBeGreaterThan(0);
      expect(a.downtime1.counts.ioctls.SUSPEND).toBeUndefined();
      expect(a.downtime2.totalNs).toBeLessThan(at('vhost-svq', m).downtime2.totalNs);
    }
    expect(Math.abs(at('admin-svq', '1TiB').downtime1.totalNs - at('admin-svq', '16GiB').downtime1.totalNs)).toBeLessThan(at('admin-svq', '16GiB').downtime1.totalNs / 10);
  });

  it('maps dropped at every reset: guest RAM mapped again in both windows (not pinned again), growing with memory', () => {
    const map = (m: string, w: 'downtime1' | 'downtime2') => at('admin-svq-maps-dropped', m)[w].phases.filter((p) => p.name === 'map').reduce((n, p) => n + p.durNs, 0);
    for (const w of ['downtime1', 'downtime2'] as const) {
      expect(map('1TiB', w)).toBeGreaterThan(30 * map('16GiB', w));
      expect(at('admin-svq', '1TiB')[w].phases.some((p) => p.name === 'map')).toBe(false);
    }
    expect(at('admin-svq-maps-dropped', '1TiB').downtime1.counts.pagesPinned).toBeLessThan(100);
  });

  it('queued admin commands send the same commands as serial ones, in less time', () => {
    const s = at('admin-svq', '16GiB');
    const q = at('admin-svq-queued', '16GiB');
    expect(q.downtime1.counts.ioctls).toEqual(s.downtime1.counts.ioctls);
    expect(q.downtime1.totalNs).toBeLessThan(s.downtime1.totalNs);
  });

  it('device parts: no downtime #1, the state read and written with DEV_PARTS_GET/SET inside downtime #2', () => {
    for (const v of ['device-parts', 'device-parts-devtrack']) {
      const r = at(v, '128GiB');
      expect(r.downtime1.totalNs).toBe(0);
      expect(r.downtime2.counts.ioctls.DEV_PARTS_GET).toBe(1);
      expect(r.downtime2.counts.ioctls.DEV_PARTS_SET).toBe(1);
      expect(r.downtime2.counts.ioctls.DEV_MODE_SET).toBe(3);
      expect(r.downtime2.counts.pagesPinned).toBe(0);
      expect(r.downtime2.phases.some((p) => p.name === 'dirtySync')).toBe(true);
    }
    // The IOMMU's bitmap read walks every leaf entry of the mapped guest RAM (2 MiB THP pages at 1 ns):
    const sync = (m: string) => at('device-parts', m).downtime2.phases.find((p) => p.name === 'dirtySync')!.durNs;
    expect(sync('1TiB') / ((1024 * GiB) / (2 * 2 ** 20))).toBeCloseTo(1, 2);
    expect(sync('1TiB')).toBeGreaterThan(sync('16GiB'));
  });

  it('IOMMU dirty tracking at 1 GiB IO pages: each RX write dirties a gigabyte, pre-copy does not converge', () => {
    const r = at('device-parts-1g-pages', '16GiB');
    expect(r.migration.iterations).toBe(30);
    expect(r.migration.bytesSent).toBeGreaterThan(3 * 16 * GiB);
    expect(r.downtime2.totalNs).toBeGreaterThan(2 * at('device-parts', '16GiB').downtime2.totalNs);
  });
});
