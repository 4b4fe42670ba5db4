// runsCsv.ts — one CSV row per run of result documents, for spreadsheets, pandas or R.
//
// Columns, in this order (the same documents always give the same columns):
// - scenario, variant (the id), variant_name (the named variant, empty for a sweep point of a
//   scenario without named variants);
// - one column per sweep parameter, named by its path as written ("vm.memory"), in order of
//   first appearance (empty for runs of a scenario that does not sweep it; a parameter named like
//   a fixed column is prefixed "sweep.");
// - replication, seed;
// - the downtimes in ns: downtime1_ns, downtime2_ns, their starts, the observed gaps
//   (observed_ns over the migration, downtime1.observed_ns, downtime2.observed_ns; empty without a
//   probe); precopy_ns, migration_ns, iterations, bytes_sent, converged, violations;
// - each phase of each window as <window>.<phase>[<device>]_ns (durations of the phase's spans in
//   that window added up), windows in order, phases in order of first appearance;
// - the counts: whole-run totals (update, invalidate, batches, setMapRebuilds, mkeysCreated,
//   mkeysDestroyed, pagesPinned, pagesUnpinned, faults; pin counts in 4 KiB pages), then the same
//   inside downtime1 and inside downtime2 (downtime1.update, …);
// - when some run took page faults (the pageFaults strategy): pageFaults,
//   pageFaults.postSwitchover, faultLatencyP99_ns, faultLatencyMax_ns, faultStall_ns, outOfOrder,
//   flushBatches, invalidations, postSwitchover.rxDropped (empty for the runs without);
// - when some run failed: outcome.step, outcome.errno, outcome.vmRunsOn (empty for the runs that
//   completed), last.
// Rows: documents in the order given, each scenario's variants in the scenario's own order, then
// replication. Quoting and line ends are RFC 4180 (csv.ts).

import { groupRuns } from './aggregate.js';
import type { ResultDocument, RunRecord } from './result.js';
import { COUNT_FIELDS, aggregatesInOrder, runMetrics } from './runMetrics.js';
import { csvRecord } from './csv.js';
import { variantParts } from './variantId.js';

type Cell = string | number | boolean | undefined;

const WINDOWS = ['downtime1', 'downtime2'] as const;

const FIXED_HEAD = ['scenario', 'variant', 'variant_name'];
const FIXED_TAIL = [
  'replication',
  'seed',
  'downtime1_ns',
  'downtime2_ns',
  'downtime1.start_ns',
  'downtime2.start_ns',
  'observed_ns',
  'downtime1.observed_ns',
  'downtime2.observed_ns',
  'precopy_ns',
  'migration_ns',
  'iterations',
  'bytes_sent',
  'converged',
  'violations',
];
const COUNT_COLUMNS = [...COUNT_FIELDS, ...WINDOWS.flatMap((w) => COUNT_FIELDS.map((f) => `${w}.${f}`))];
/** Last columns when some run took page faults (the pageFaults strategy): the metric of each (times with `_ns`). */
const PAGE_FAULT_COLUMNS = ['pageFaults', 'pageFaults.postSwitchover', 'faultLatencyP99_ns', 'faultLatencyMax_ns', 'faultStall_ns', 'outOfOrder', 'flushBatches', 'invalidations', 'postSwitchover.rxDropped'];

/** Last columns when some run failed: where, with which errno, and where the VM runs afterwards. */
const OUTCOME_COLUMNS = ['outcome.step', 'outcome.errno', 'outcome.vmRunsOn'];

function outcomeCells(r: RunRecord): Cell[] {
  const o = r.outcome;
  return o === undefined ? [undefined, undefined, undefined] : [o.step, o.errno, o.vmRunsOn];
}

function phaseColumn(window: string, name: string, device: string | undefined): string {
  return `${window}.${name}${device !== undefined ? `[${device}]` : ''}_ns`;
}

function paramText(v: unknown): Cell {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** The runs in row order. */
function orderedRuns(docs: readonly ResultDocument[]): RunRecord[] {
  const out: RunRecord[] = [];
  for (const d of docs) {
    const groups = groupRuns(d.runs);
    for (const [key] of aggregatesInOrder(d)) out.push(...(groups.get(key) ?? []));
    // Runs without an aggregate (not written by svqsim, but readable): after the others.
    const listed = new Set(Object.keys(d.aggregates));
    for (const [key, runs] of groups) if (!listed.has(key)) out.push(...runs);
  }
  return out;
}

/** The CSV text, as chunks of records (so a large result is never one huge string). */
export function* runsCsvChunks(docs: readonly ResultDocument[], chunkRecords = 1000): Generator<string> {
  const runs = orderedRuns(docs);
  const fixed = new Set([...FIXED_HEAD, ...FIXED_TAIL, ...COUNT_COLUMNS]);
  const params: string[] = [];
  const phases: string[][] = WINDOWS.map(() => []);
  const phaseSeen = new Set<string>();
  for (const r of runs) {
    for (const k of Object.keys(r.params)) if (!params.includes(k)) params.push(k);
    WINDOWS.forEach((w, i) => {
      for (const p of r[w].phases) {
        const c = phaseColumn(w, p.name, p.device);
        if (!phaseSeen.has(c)) {
          phaseSeen.add(c);
          phases[i]!.push(c);
        }
      }
    });
  }
  const paramHead = params.map((p) => (fixed.has(p) ? `sweep.${p}` : p));
  const phaseCols = phases.flat();
  const faultCols = runs.some((r) => r.pageFaults !== undefined) ? PAGE_FAULT_COLUMNS : [];
  const outcomeCols = runs.some((r) => r.outcome !== undefined) ? OUTCOME_COLUMNS : [];
  yield csvRecord([...FIXED_HEAD, ...paramHead, ...FIXED_TAIL, ...phaseCols, ...COUNT_COLUMNS, ...faultCols, ...outcomeCols]);
  let chunk = '';
  let n = 0;
  for (const r of runs) {
    const m = runMetrics(r);
    const durations = new Map<string, number>();
    for (const w of WINDOWS) {
      for (const p of r[w].phases) {
        const c = phaseColumn(w, p.name, p.device);
        durations.set(c, (durations.get(c) ?? 0) + p.durNs);
      }
    }
    const cells: Cell[] = [
      r.scenario,
      r.variant,
      variantParts(r.variant).name ?? '',
      ...params.map((p) => paramText(r.params[p])),
      r.replication,
      r.seed,
      r.downtime1.totalNs,
      r.downtime2.totalNs,
      r.downtime1.startNs,
      r.downtime2.startNs,
      r.observedNs,
      r.downtime1.observedNs,
      r.downtime2.observedNs,
      r.migration.precopyNs,
      r.migration.totalNs,
      r.migration.iterations,
      r.migration.bytesSent,
      r.migration.converged,
      r.invariants.violations.length,
      ...phaseCols.map((c) => durations.get(c)),
      ...COUNT_COLUMNS.map((c) => m[c]),
      ...faultCols.map((c) => m[c.replace(/_ns$/, '')]),
      ...(outcomeCols.length === 0 ? [] : outcomeCells(r)),
    ];
    chunk += csvRecord(cells);
    if (++n % chunkRecords === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** The whole CSV as one string (small documents, tests). */
export function runsCsv(docs: readonly ResultDocument[]): string {
  return [...runsCsvChunks(docs)].join('');
}
