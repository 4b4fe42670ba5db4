// variantRun.ts — bench helper: one variant of a scenario file, ready to run replication 0 of it
// (the plan's stream and seed), so every bench figure runs exactly what `svqsim run` would.

import { expandScenario, loadScenarioFile, runPlan } from '../scenario/index.js';
import { simulateMigration, type RunOutput } from '../testbed/simulateMigration.js';

/** Loads `file` and returns a function that runs replication 0 of variant `variantId`. */
export async function variantRun(file: string, variantId: string): Promise<() => RunOutput> {
  const loaded = await loadScenarioFile(file, { cwd: process.cwd() });
  const variants = expandScenario(loaded);
  const vi = variants.findIndex((v) => v.id === variantId);
  if (vi < 0) throw new Error(`no variant ${variantId} in ${file}`);
  const spec = runPlan(variants, { replications: 1, warmup: 0, seed: loaded.scenario.seed }).find((s) => s.variantIndex === vi);
  if (spec === undefined) throw new Error('empty plan');
  const v = variants[vi]!;
  return () => simulateMigration({ scenario: v.scenario, variant: v.id, params: v.params, replication: 0, stream: spec.stream, seed: spec.seed });
}
