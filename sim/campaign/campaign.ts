// campaign.ts — one `svqsim run` invocation: load scenarios, expand variants × replications into
// a run plan, select a shard, execute the runs (in-process or on worker threads), and assemble
// the versioned result document. Interrupted campaigns return what finished, marked partial.

import { quoted } from '../notation/units.js';
import { loadScenarioFile, expandScenario, runPlan, type LoadedScenario, type Variant } from '../scenario/index.js';
import type { Scenario } from '../scenario/scenario.js';
import { InputError } from '../tool/inputError.js';
import { MAX_PLANNED_RUNS } from '../scenario/schema.js';
import { STRATEGY_SOURCES, UPSTREAM_STRATEGIES } from '../../vmm/vhostVdpaNet.js';
import { ADMIN_VQ_SOURCES } from '../../vmm/adminVqNet.js';
import type { PlannedRun } from './plannedRun.js';
import { aggregate } from '../../metrics/aggregate.js';
import { compareRuns } from '../../metrics/runMetrics.js';
import { RESULT_VERSION, type ResultDocument, type RunRecord } from '../../metrics/result.js';

/** Overrides from the command line. */
export interface CampaignOptions {
  cwd: string;
  seed?: number;
  replications?: number;
  /** Run only shard `index` (1-based) of `count`. */
  shard?: { index: number; count: number };
}

export { executePlanned } from './plannedRun.js';

/** The loaded scenarios and the plan of the invocation. */
export interface Campaign {
  opts: CampaignOptions;
  files: string[];
  loaded: LoadedScenario[];
  variants: Variant[][];
  /** Every run of this invocation (this shard only), in canonical order. */
  runs: PlannedRun[];
  /** Runs of all shards (for progress and messages). */
  totalRuns: number;
}

/** Parses "i/n" (1 <= i <= n). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new InputError(`--shard: expected i/n such as 1/4, found ${quoted(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new InputError(`--shard: expected 1 <= i <= n, found ${quoted(text)}`);
  return { index, count };
}

/**
 * Loads every scenario file (or takes the scenario already loaded) and builds the plan; bad input
 * throws InputError.
 */
export async function planCampaign(files: readonly (string | LoadedScenario)[], opts: CampaignOptions): Promise<Campaign> {
  const loaded: LoadedScenario[] = [];
  const variants: Variant[][] = [];
  const all: PlannedRun[] = [];
  for (let f = 0; f < files.length; f++) {
    const input = files[f]!;
    const l = typeof input === 'string' ? await loadScenarioFile(input, { cwd: opts.cwd }) : input;
    loaded.push(l);
    const v = expandScenario(l);
    variants.push(v);
    const replications = opts.replications ?? l.scenario.replications;
    const planned = all.length + v.length * (l.scenario.warmup + replications);
    if (planned > MAX_PLANNED_RUNS) {
      throw new InputError(
        `${l.file}: ${v.length} variants × (${l.scenario.warmup} warm-up + ${replications} replications) brings the campaign to ${planned} runs; the limit is ${MAX_PLANNED_RUNS} per invocation (split it into several invocations and merge the results)`,
      );
    }
    // Runs, aggregates and merges identify a scenario by its name.
    const same = loaded.find((o) => o !== l && o.scenario.name === l.scenario.name);
    if (same) throw new InputError(`${l.file}: scenario name ${quoted(l.scenario.name)} is also the name of ${same.file}: the scenarios of one invocation need different names`);
    const plan = runPlan(v, { replications, warmup: l.scenario.warmup, seed: opts.seed ?? l.scenario.seed });
    for (const spec of plan) all.push({ file: f, spec });
  }
  // A shard takes every n-th run of the canonical order: deterministic and balanced.
  const runs = opts.shard ? all.filter((_, i) => i % opts.shard!.count === opts.shard!.index - 1) : all;
  return { opts, files: files.map((f, i) => (typeof f === 'string' ? f : loaded[i]!.file)), loaded, variants, runs, totalRuns: all.length };
}

/** The admin-vq migration modes some variant runs, labelled with where each comes from. */
function adminVqLabels(scenarios: readonly Scenario[]): { name: string; source: string }[] {
  const modes = new Set(scenarios.filter((s) => s.migration.transport === 'admin-vq').map((s) => s.migration.adminVq?.mode ?? 'svq'));
  return (['svq', 'deviceParts'] as const).filter((m) => modes.has(m)).map((m) => ({ name: `transport admin-vq (${m})`, source: ADMIN_VQ_SOURCES[m] }));
}

/** The result document of a campaign's finished runs. */
export function resultDocument(c: Campaign, runs: RunRecord[], version: string, partial: boolean): ResultDocument {
  // The canonical order merge uses too, so shards merge into the same bytes.
  const sorted = [...runs].sort(compareRuns);
  const doc: ResultDocument = {
    resultVersion: RESULT_VERSION,
    tool: { name: 'svqsim', version },
    scenarios: c.loaded.map((l, i) => {
      const entry: ResultDocument['scenarios'][number] = {
        file: l.file,
        name: l.scenario.name,
        hash: l.hash,
        seed: c.opts.seed ?? l.scenario.seed,
      };
      if (l.scenario.gates.length > 0) entry.gates = l.scenario.gates.map((g) => g.text);
      entry.variants = c.variants[i]!.map((v) => v.id);
      const used = (Object.keys(STRATEGY_SOURCES) as (keyof typeof STRATEGY_SOURCES)[]).filter((k) => c.variants[i]!.some((v) => v.scenario.migration.strategies[k] !== UPSTREAM_STRATEGIES[k]));
      const labelled: { name: string; source: string }[] = used.map((name) => ({ name, source: STRATEGY_SOURCES[name] }));
      labelled.push(...adminVqLabels(c.variants[i]!.map((v) => v.scenario)));
      if (labelled.length > 0) entry.strategies = labelled;
      return entry;
    }),
    runs: sorted,
    aggregates: aggregate(sorted),
  };
  if (c.opts.shard) doc.shard = { index: c.opts.shard.index, count: c.opts.shard.count };
  if (partial) doc.partial = true;
  return doc;
}
