// representative.ts — the run shown as an example of a variant: closest to the median downtime #2.

import type { RunRecord } from './result.js';

/** The run whose downtime #2 is closest to the variant's (lower) median; ties go to the lowest replication. */
export function representativeRun(runs: readonly RunRecord[]): RunRecord {
  if (runs.length === 0) throw new RangeError('no runs');
  const sorted = [...runs].sort((a, b) => a.downtime2.totalNs - b.downtime2.totalNs || a.replication - b.replication);
  const median = sorted[Math.ceil(sorted.length / 2) - 1]!.downtime2.totalNs;
  let best = sorted[0]!;
  for (const r of runs) {
    const d = Math.abs(r.downtime2.totalNs - median);
    const bd = Math.abs(best.downtime2.totalNs - median);
    if (d < bd || (d === bd && r.replication < best.replication)) best = r;
  }
  return best;
}
