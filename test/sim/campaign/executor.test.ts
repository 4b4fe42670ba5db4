// executor.test.ts — the executor runs the main thread's plan: worker threads give the same
// records as this thread and never go back to the scenario files; a stop abandons the run in
// progress on a worker; skipped runs are not executed.

import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planCampaign } from '../../../sim/campaign/campaign.js';
import { executeCampaign } from '../../../sim/campaign/executor.js';
import { prestartWorkers } from '../../../sim/campaign/workerPool.js';
import type { RunRecord } from '../../../metrics/result.js';
import { slowScenario } from './slowScenario.js';
import { SignalWatch } from '../../../sim/campaign/signals.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const key = (r: { variant: string; replication: number }) => `${r.variant}#${r.replication}`;
const sorted = (rs: RunRecord[]) => [...rs].sort((a, b) => key(a).localeCompare(key(b)));

describe('executeCampaign', () => {
  it('workers execute the plan they are given, even once the scenario file is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-exec-'));
    copyFileSync(join(ROOT, 'scenarios', 'compare-profiles.yaml'), join(dir, 's.yaml'));
    const c = await planCampaign(['s.yaml'], { cwd: dir, replications: 2 });
    rmSync(join(dir, 's.yaml'));
    const here = await executeCampaign(c, { inThread: true, progress: false });
    const one = await executeCampaign(c, { jobs: 1, progress: false });
    const two = await executeCampaign(c, { jobs: 2, progress: false });
    expect(two.interrupted).toBe(false);
    expect(two.records).toHaveLength(c.runs.length);
    expect(JSON.stringify(sorted(one.records))).toBe(JSON.stringify(sorted(here.records)));
    expect(JSON.stringify(sorted(two.records))).toBe(JSON.stringify(sorted(here.records)));
  });

  it('a worker started ahead of the plan gets it by message and gives the same records', async () => {
    prestartWorkers(1);
    const c = await planCampaign([join(ROOT, 'scenarios', 'compare-profiles.yaml')], { cwd: ROOT, replications: 2 });
    const ahead = await executeCampaign(c, { jobs: 2, progress: false });
    const here = await executeCampaign(c, { inThread: true, progress: false });
    expect(ahead.interrupted).toBe(false);
    expect(JSON.stringify(sorted(ahead.records))).toBe(JSON.stringify(sorted(here.records)));
  });

  it('a stop abandons the run in progress on its worker (one job)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'svqsim-exec-'));
    const c = await planCampaign([slowScenario(dir)], { cwd: dir });
    const stop = new AbortController();
    // The main thread stays free while the worker runs, so this timer fires mid-run.
    setTimeout(() => stop.abort(), 500);
    const out = await executeCampaign(c, { jobs: 1, progress: false, stop: stop.signal });
    expect(out.interrupted).toBe(true);
    expect(out.signal).toBeUndefined();
    expect(out.records).toHaveLength(0);
  });

  it('runs only what is not skipped, and reports each record with its plan index', async () => {
    const c = await planCampaign([join(ROOT, 'scenarios', 'compare-profiles.yaml')], { cwd: ROOT, replications: 2 });
    const all = await executeCampaign(c, { inThread: true, progress: false });
    const seen: number[] = [];
    const part = await executeCampaign(c, { jobs: 2, progress: false, skip: new Set([0, 3, 5]), onRecord: (_, i) => seen.push(i) });
    expect(seen.sort()).toEqual([1, 2, 4]);
    expect(part.interrupted).toBe(false);
    const want = sorted(all.records.filter((_, i) => ![0, 3, 5].includes(i)));
    expect(JSON.stringify(sorted(part.records))).toBe(JSON.stringify(want));
  });

  it('a stop from a record handler ends the campaign there, in this thread and on workers', async () => {
    const c = await planCampaign([join(ROOT, 'scenarios', 'compare-profiles.yaml')], { cwd: ROOT, replications: 3 });
    for (const opts of [{ inThread: true }, { jobs: 2 }]) {
      const stop = new AbortController();
      const out = await executeCampaign(c, { ...opts, progress: false, stop: stop.signal, onRecord: () => stop.abort() });
      expect(out.interrupted).toBe(true);
      expect(out.records).toHaveLength(1);
    }
  });

  it('a signal that arrives before the first run (while the campaign is planned) stops it', async () => {
    const watch = new SignalWatch();
    try {
      // What the process does with a real SIGTERM: the event, with the signal's name.
      process.emit('SIGTERM', 'SIGTERM');
      const c = await planCampaign([join(ROOT, 'scenarios', 'default.yaml')], { cwd: ROOT });
      const out = await executeCampaign(c, { jobs: 1, progress: false, signals: watch });
      expect(out).toEqual({ records: [], interrupted: true, signal: 'SIGTERM' });
    } finally {
      watch.dispose();
    }
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it('a stop after the last run finished interrupts nothing: the result is complete', async () => {
    const c = await planCampaign([join(ROOT, 'scenarios', 'compare-profiles.yaml')], { cwd: ROOT, replications: 1 });
    for (const opts of [{ inThread: true }, { jobs: 2 }]) {
      const stop = new AbortController();
      let n = 0;
      const out = await executeCampaign(c, { ...opts, progress: false, stop: stop.signal, onRecord: () => ++n === c.runs.length && stop.abort() });
      expect(out.interrupted).toBe(false);
      expect(out.records).toHaveLength(c.runs.length);
    }
  });
});
