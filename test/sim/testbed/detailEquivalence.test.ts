// detailEquivalence.test.ts — the shipped scenarios run with the data plane in observation
// windows (sleeping through steady stretches, down while a paused guest's device is full, woken
// by the control step that touches the device) give the run record of the fully detailed data
// plane (all of it but the count of invariant checks), with far fewer kernel events. Page-fault runs give the same
// page-fault record too: without discards they sleep where nothing can fault; with discards they
// do not sleep (sim/testbed/pageFaultWindows.ts).

import { describe, expect, it } from 'vitest';
import { expandScenario, loadScenarioFile, runPlan } from '../../../sim/scenario/index.js';
import { simulateMigration, type RunOutput } from '../../../sim/testbed/simulateMigration.js';
import type { DetailMode } from '../../../sim/testbed/detailWindows.js';
import type { Scenario } from '../../../sim/scenario/scenario.js';
import { windowedRecord } from './helpers.js';

/** Every variant of a shipped scenario, replication 0, run both ways. */
async function bothWays(file: string, only?: readonly string[], edit: (sc: Scenario) => Scenario = (sc) => sc): Promise<{ id: string; windows: RunOutput; full: RunOutput }[]> {
  const loaded = await loadScenarioFile(`scenarios/${file}`, { cwd: process.cwd() });
  const variants = expandScenario(loaded);
  const plan = runPlan(variants, { replications: 1, warmup: 0, seed: loaded.scenario.seed });
  const out: { id: string; windows: RunOutput; full: RunOutput }[] = [];
  for (const spec of plan) {
    const v = variants[spec.variantIndex]!;
    if (only !== undefined && !only.includes(v.id)) continue;
    const run = (detail: DetailMode) =>
      simulateMigration({ scenario: edit(v.scenario), variant: v.id, params: v.params, replication: 0, stream: spec.stream, seed: spec.seed }, { detail });
    out.push({ id: v.id, windows: run('windows'), full: run('full') });
  }
  return out;
}

/** The scenario without discards: RX buffers stay resident once faulted in. */
const noDiscards = (sc: Scenario): Scenario => ({ ...sc, workload: { ...sc.workload, rxRefillDiscarded: 0 } });

describe('the data plane in observation windows against full detail', () => {
  it.each([
    ['default.yaml', undefined],
    ['compare-profiles.yaml', undefined],
    ['reference-128g.yaml', ['baseline', 'batching']],
  ] as const)('%s: the same downtimes, outages and counts, with far fewer events', async (file, only) => {
    const runs = await bothWays(file, only);
    expect(runs.length).toBeGreaterThan(0);
    for (const { id, windows, full } of runs) {
      expect(windowedRecord(windows), id).toEqual(windowedRecord(full));
      expect(windows.record.invariants.violations, id).toEqual([]);
      expect(full.record.invariants.violations, id).toEqual([]);
      expect(windows.eventsFired, id).toBeLessThan(full.eventsFired / 5);
    }
  }, 120_000);

  it('page-faults.yaml (2% of refills discarded): the same page-fault record; the faulting NIC does not sleep', async () => {
    const runs = await bothWays('page-faults.yaml');
    expect(runs.length).toBe(9);
    for (const { id, windows, full } of runs) {
      expect(windowedRecord(windows), id).toEqual(windowedRecord(full));
      expect(windows.record.invariants.violations, id).toEqual([]);
      // Only the stretches with the device stopped are skipped.
      if (id.startsWith('faults')) expect(windows.eventsFired, id).toBeGreaterThan(full.eventsFired * 0.9);
      else expect(windows.eventsFired, id).toBeLessThan(full.eventsFired / 5);
    }
  }, 120_000);

  it('page-faults.yaml without discards: the same page-fault record (FLUSH batches of the skipped bursts credited), far fewer events', async () => {
    const runs = await bothWays('page-faults.yaml', undefined, noDiscards);
    for (const { id, windows, full } of runs) {
      expect(windowedRecord(windows), id).toEqual(windowedRecord(full));
      expect(windows.record.invariants.violations, id).toEqual([]);
      expect(windows.eventsFired, id).toBeLessThan(full.eventsFired / 5);
      if (id.startsWith('faults-partial-order')) expect(windows.record.pageFaults!.flushBatches, id).toBeGreaterThan(10_000);
    }
  }, 120_000);

  it('faults.yaml: every failure and recovery as in full detail', async () => {
    const runs = await bothWays('faults.yaml');
    for (const { id, windows, full } of runs) {
      const w = windowedRecord(windows);
      const f = windowedRecord(full);
      expect(w, id).toEqual(f);
      if (id === 'source-needs-reset') {
        // A NIC whose source device fails at a time runs in full detail (nicWiring.ts): the same record, the same events.
        expect(windows.record, id).toEqual(full.record);
        expect(windows.eventsFired, id).toBe(full.eventsFired);
      }
    }
  }, 120_000);
});
