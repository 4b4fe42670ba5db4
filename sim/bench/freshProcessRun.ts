// freshProcessRun.ts — bench helper run in a child process: loads a scenario, runs one variant once,
// and prints its wall time and the process's peak resident memory as one JSON line.

import { performance } from 'node:perf_hooks';
import { expandScenario, loadScenarioFile, runPlan } from '../scenario/index.js';
import { simulateMigration } from '../testbed/simulateMigration.js';

async function main(file: string, variantId: string): Promise<void> {
  const loaded = await loadScenarioFile(file, { cwd: process.cwd() });
  const variants = expandScenario(loaded);
  const vi = variants.findIndex((v) => v.id === variantId);
  if (vi < 0) throw new Error(`no variant ${variantId} in ${file}`);
  const spec = runPlan(variants, { replications: 1, warmup: 0, seed: loaded.scenario.seed }).find((s) => s.variantIndex === vi);
  if (spec === undefined) throw new Error('empty plan');
  const v = variants[vi]!;
  const t0 = performance.now();
  const out = simulateMigration({ scenario: v.scenario, variant: v.id, params: v.params, replication: 0, stream: spec.stream, seed: spec.seed });
  const ms = performance.now() - t0;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ms, maxRssMB, downtime2Ns: out.record.downtime2.totalNs }) + '\n');
}

main(process.argv[2]!, process.argv[3]!).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
