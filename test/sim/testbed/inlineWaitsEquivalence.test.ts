// inlineWaitsEquivalence.test.ts — the kernel's inline waits (Kernel.advanceIfNext: a wait whose
// own event would fire next is done without one) change nothing a run reports: every variant of
// the shipped scenarios gives the byte-identical record, and the same count of fired events,
// with every wait scheduled as an event.

import { describe, expect, it } from 'vitest';
import { expandScenario, loadScenarioFile, runPlan } from '../../../sim/scenario/index.js';
import { simulateMigration } from '../../../sim/testbed/simulateMigration.js';

describe('inline waits against every wait scheduled', () => {
  it.each(['default.yaml', 'compare-profiles.yaml', 'faults.yaml', 'reference-128g.yaml', 'backing-128g.yaml', 'memory-sweep.yaml', 'page-faults.yaml', 'transports.yaml', 'custom-profile.yaml'])(
    '%s: byte-identical records and event counts',
    async (file) => {
      const loaded = await loadScenarioFile(`scenarios/${file}`, { cwd: process.cwd() });
      const variants = expandScenario(loaded);
      const plan = runPlan(variants, { replications: 1, warmup: 0, seed: loaded.scenario.seed });
      expect(plan.length).toBeGreaterThan(0);
      for (const spec of plan) {
        const v = variants[spec.variantIndex]!;
        const run = (inlineWaits: boolean) =>
          simulateMigration({ scenario: v.scenario, variant: v.id, params: v.params, replication: 0, stream: spec.stream, seed: spec.seed }, { inlineWaits });
        const inline = run(true);
        const scheduled = run(false);
        expect(JSON.stringify(inline.record), v.id).toBe(JSON.stringify(scheduled.record));
        expect(inline.eventsFired, v.id).toBe(scheduled.eventsFired);
      }
    },
    120_000,
  );
});
