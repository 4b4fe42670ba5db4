// resultConsistency.ts — a result document checked against its own runs: every run belongs to a
// listed scenario and variant and appears once, the stored aggregates are what the runs give,
// and a document not marked partial (nor a shard) has every variant's replications.

import { quoted } from '../sim/notation/units.js';
import { aggregate } from './aggregate.js';
import type { ResultDocument } from './result.js';
import { formatMemberPath } from './resultSchema.js';
import { variantKey } from './runMetrics.js';

/** Where a stored value and the recomputed one first differ. */
interface Difference {
  path: (string | number)[];
  stored: unknown;
  computed: unknown;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return quoted(v, 40);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? `an array of ${v.length}` : 'an object';
}

/** The first place where `stored` and `computed` differ (own members, any order), or null. */
function firstDifference(stored: unknown, computed: unknown, path: (string | number)[]): Difference | null {
  if (stored === computed) return null;
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (!isObj(stored) || !isObj(computed) || Array.isArray(stored) !== Array.isArray(computed)) return { path, stored, computed };
  if (Array.isArray(stored) && Array.isArray(computed) && stored.length !== computed.length) return { path, stored, computed };
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(computed)])];
  for (const k of keys) {
    const key = Array.isArray(stored) ? Number(k) : k;
    const has = (o: object) => Object.prototype.hasOwnProperty.call(o, k);
    if (!has(stored) || !has(computed)) return { path: [...path, key], stored: has(stored) ? stored[k] : undefined, computed: has(computed) ? computed[k] : undefined };
    const d = firstDifference(stored[k], computed[k], [...path, key]);
    if (d !== null) return d;
  }
  return null;
}

/** Every run names a listed scenario (and variant, where the scenario lists them) and appears once. */
function runsProblem(doc: ResultDocument): string | null {
  const variants = new Map(doc.scenarios.map((s) => [s.name, s.variants === undefined ? null : new Set(s.variants)]));
  const seen = new Map<string, number>();
  for (let i = 0; i < doc.runs.length; i++) {
    const r = doc.runs[i]!;
    const listed = variants.get(r.scenario);
    if (listed === undefined) return `runs[${i}].scenario ${quoted(r.scenario)} is not one of the document's scenarios`;
    if (listed !== null && !listed.has(r.variant)) return `runs[${i}].variant ${quoted(r.variant)} is not a variant of scenario ${quoted(r.scenario)}`;
    const id = `${variantKey(r)}#${r.replication}`;
    const first = seen.get(id);
    if (first !== undefined) return `runs[${i}] repeats ${quoted(variantKey(r))} replication ${r.replication} (runs[${first}])`;
    seen.set(id, i);
  }
  return null;
}

/**
 * What a complete, unsharded document lacks, or null: it has replications 0..n-1 of every variant
 * (those the scenario lists, else those it has runs of), the same n throughout a scenario.
 */
export function completenessProblem(doc: Pick<ResultDocument, 'scenarios' | 'runs'>): string | null {
  const reps = new Map<string, Set<number>>();
  for (const r of doc.runs) {
    const k = variantKey(r);
    let s = reps.get(k);
    if (!s) reps.set(k, (s = new Set()));
    s.add(r.replication);
  }
  for (const sc of doc.scenarios) {
    const ids = sc.variants ?? doc.runs.filter((r) => r.scenario === sc.name).map((r) => r.variant);
    let first: { id: string; n: number } | undefined;
    for (const id of new Set(ids)) {
      const got = reps.get(variantKey({ scenario: sc.name, variant: id }));
      const label = `scenario ${quoted(sc.name)} variant ${quoted(id)}`;
      if (got === undefined) return `${label} has no runs`;
      for (let i = 0; i < got.size; i++) if (!got.has(i)) return `${label} lacks replication ${i} (it has ${got.size} runs)`;
      if (first === undefined) first = { id, n: got.size };
      else if (got.size !== first.n) return `${label} has ${got.size} runs but variant ${quoted(first.id)} has ${first.n}`;
    }
  }
  return null;
}

/**
 * The first inconsistency of a structurally valid document, as one line, or null. With
 * `verifyAggregates` the stored aggregates must equal the ones its runs give; without (a document
 * of another svqsim version, which may aggregate differently) they are replaced by those.
 */
export function documentInconsistency(doc: ResultDocument, opts: { verifyAggregates: boolean }): string | null {
  const runs = runsProblem(doc);
  if (runs !== null) return runs;
  if (doc.partial !== true && doc.shard === undefined) {
    const missing = completenessProblem(doc);
    if (missing !== null) return `${missing}, yet the result is not marked partial`;
  }
  const computed = aggregate(doc.runs);
  if (!opts.verifyAggregates) {
    doc.aggregates = computed;
    return null;
  }
  for (const key of Object.keys(doc.aggregates)) {
    if (!Object.prototype.hasOwnProperty.call(computed, key)) return `${formatMemberPath(['aggregates', key])} has no runs (aggregates must come from the document's runs)`;
  }
  for (const key of Object.keys(computed)) {
    if (!Object.prototype.hasOwnProperty.call(doc.aggregates, key)) return `${formatMemberPath(['aggregates', key])} is missing, but the document has runs of it`;
    const d = firstDifference(doc.aggregates[key], computed[key], ['aggregates', key]);
    if (d !== null) return `${formatMemberPath(d.path)} is ${show(d.stored)}, but the runs give ${show(d.computed)} (edited or damaged: aggregates must match the runs)`;
  }
  return null;
}
