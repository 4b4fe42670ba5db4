// merge.ts — merge result documents of shards (or separate invocations) into one document.
//
// The inputs must come from the same tool major version and result version, and every scenario
// present in several inputs must have the same hash. Runs are concatenated in canonical order;
// a (scenario, variant, replication) seen twice is an error, and so is a gap in a variant's
// replications (0..max). Aggregates are recomputed from the merged runs, so the merged document
// is byte-identical to the document of one unsharded invocation (scenarios keep the order in
// which the inputs first list them). The result has no `shard`; unless an input is partial, it
// must be complete (every variant's replications), or a shard is missing.

import { InputError } from '../sim/tool/inputError.js';
import { aggregate } from './aggregate.js';
import { completenessProblem } from './resultConsistency.js';
import type { ResultDocument, RunRecord } from './result.js';
import { compareRuns, variantKey } from './runMetrics.js';

/** A document and the name used for it in messages (usually its file path). */
export interface NamedDocument {
  name: string;
  doc: ResultDocument;
}

function major(version: string): string {
  return version.split('.')[0]!; // split always yields at least one part
}

/** Merge the documents; throws InputError naming the offending inputs. */
export function mergeResults(inputs: readonly NamedDocument[]): ResultDocument {
  if (inputs.length === 0) throw new InputError('merge needs at least one result file');
  const first = inputs[0]!;
  for (const { name, doc } of inputs.slice(1)) {
    if (doc.resultVersion !== first.doc.resultVersion) {
      throw new InputError(`${name}: resultVersion ${String(doc.resultVersion)} differs from ${first.name} (${String(first.doc.resultVersion)})`);
    }
    if (major(doc.tool.version) !== major(first.doc.tool.version)) {
      throw new InputError(`${name}: written by svqsim ${doc.tool.version}, ${first.name} by ${first.doc.tool.version}: major versions differ`);
    }
  }
  // Scenarios: union by name, hashes must agree.
  const scenarios = new Map<string, { entry: ResultDocument['scenarios'][number]; from: string }>();
  for (const { name, doc } of inputs) {
    for (const s of doc.scenarios) {
      const seen = scenarios.get(s.name);
      if (!seen) scenarios.set(s.name, { entry: s, from: name });
      else if (seen.entry.hash !== s.hash) {
        throw new InputError(`scenario "${s.name}" has hash ${s.hash} in ${name} but ${seen.entry.hash} in ${seen.from}: results of different scenario files cannot be merged`);
      } else if (seen.entry.seed !== s.seed) {
        throw new InputError(`scenario "${s.name}" has seed ${s.seed} in ${name} but ${seen.entry.seed} in ${seen.from}`);
      }
    }
  }
  // Runs: no duplicates, no gaps.
  const owner = new Map<string, string>();
  const runs: RunRecord[] = [];
  for (const { name, doc } of inputs) {
    for (const r of doc.runs) {
      const id = `${variantKey(r)}#${r.replication}`;
      const prev = owner.get(id);
      if (prev !== undefined) {
        throw new InputError(`duplicate run: ${variantKey(r)} replication ${r.replication} is in ${prev} and in ${name}`);
      }
      owner.set(id, name);
      runs.push(r);
    }
  }
  runs.sort(compareRuns);
  const reps = new Map<string, Set<number>>();
  for (const r of runs) {
    const k = variantKey(r);
    let s = reps.get(k);
    if (!s) reps.set(k, (s = new Set()));
    s.add(r.replication);
  }
  for (const [k, s] of reps) {
    const max = Math.max(...s);
    const missing: number[] = [];
    for (let i = 0; i <= max; i++) if (!s.has(i)) missing.push(i);
    if (missing.length > 0) {
      const list = missing.length > 10 ? `${missing.slice(0, 10).join(', ')}, … (${missing.length} in all)` : missing.join(', ');
      throw new InputError(`missing runs: ${k} replication${missing.length > 1 ? 's' : ''} ${list} (is a shard missing?)`);
    }
  }
  const merged: ResultDocument = {
    resultVersion: first.doc.resultVersion,
    tool: first.doc.tool,
    scenarios: [...scenarios.values()].map((s) => s.entry),
    runs,
    aggregates: aggregate(runs),
  };
  if (inputs.some((i) => i.doc.partial)) merged.partial = true;
  else {
    // Every shard's runs are needed: without one, whole replications or variants are missing.
    const missing = completenessProblem(merged);
    if (missing !== null) throw new InputError(`the merged result would be incomplete: ${missing} (is a shard missing?)`);
  }
  return merged;
}
