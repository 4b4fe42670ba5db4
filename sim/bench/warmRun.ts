// warmRun.ts — bench helper: one scenario variant run repeatedly in this process, warm; the best
// wall time of a run and the kernel events it fires (for the event-loop cost per event).

import { performance } from 'node:perf_hooks';
import { expandScenario, loadScenarioFile, runPlan } from '../scenario/index.js';
import { simulateMigration } from '../testbed/simulateMigration.js';

/** Best wall time (ms) of `rounds` warm runs of a variant, after `warmup` discarded ones, and its event count. */
export async function warmRun(file: string, variantId: string, warmup = 3, rounds = 10): Promise<{ ms: number; events: number }> {
  const loaded = await loadScenarioFile(file, { cwd: process.cwd() });
  const variants = expandScenario(loaded);
  const vi = variants.findIndex((v) => v.id === variantId);
  if (vi < 0) throw new Error(`no variant ${variantId} in ${file}`);
  const spec = runPlan(variants, { replications: 1, warmup: 0, seed: loaded.scenario.seed }).find((s) => s.variantIndex === vi);
  if (spec === undefined) throw new Error('empty plan');
  const v = variants[vi]!;
  const once = () => simulateMigration({ scenario: v.scenario, variant: v.id, params: v.params, replication: 0, stream: spec.stream, seed: spec.seed });
  let events = 0;
  for (let i = 0; i < warmup; i++) events = once().eventsFired;
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    once();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, events };
}
