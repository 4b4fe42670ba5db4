// plannedRun.ts — one run of a campaign's plan, and its execution: everything a worker thread
// needs, so workers run exactly the plan the main thread made and never read scenario files.

import type { Variant, RunSpec } from '../scenario/index.js';
import { simulateMigration } from '../testbed/simulateMigration.js';
import type { RunRecord } from '../../metrics/result.js';

/** One planned run with everything needed to execute it anywhere (e.g. a worker thread). */
export interface PlannedRun {
  /** Index of the scenario file in the invocation. */
  file: number;
  spec: RunSpec;
}

/** Executes one planned run in this thread against the campaign's variants; warm-up runs return null. */
export function executePlanned(c: { variants: Variant[][] }, p: PlannedRun): RunRecord | null {
  const v = c.variants[p.file]![p.spec.variantIndex]!;
  const out = simulateMigration({
    scenario: v.scenario,
    variant: v.id,
    params: v.params,
    replication: p.spec.replication,
    stream: p.spec.stream,
    seed: p.spec.seed,
  });
  return p.spec.warmup ? null : out.record;
}
