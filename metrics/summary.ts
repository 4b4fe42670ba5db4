// summary.ts — the readable terminal summary of a result: per variant, both downtimes with their
// phases and counts (of a representative run), migration totals, and p50/p99 over replications.

import { groupRuns } from './aggregate.js';
import { representativeRun } from './representative.js';
import type { Counts, Downtime, ResultDocument, RunRecord } from './result.js';
import { formatNs } from './display.js';
import { aggregatesInOrder } from './runMetrics.js';

/** Presentation options. */
export interface SummaryOptions {
  /** ANSI colour (callers pass false when NO_COLOR is set or the output is not a TTY). */
  color: boolean;
}

/** Whether colour should be used for this environment. */
export function wantsColor(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  return isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

function styler(color: boolean) {
  const wrap = (code: string) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap('1'), dim: wrap('2'), cyan: wrap('36'), yellow: wrap('33'), red: wrap('31') };
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** The count line of a downtime window. */
function countsLine(c: Counts): string {
  return [
    `UPDATE ${c.update}`,
    `INVALIDATE ${c.invalidate}`,
    `batches ${c.batches}`,
    `set_map rebuilds ${c.setMapRebuilds}`,
    `MKEYs +${c.mkeysCreated}/-${c.mkeysDestroyed}`,
    `pages pinned ${c.pagesPinned}/unpinned ${c.pagesUnpinned}`,
    `faults ${c.faults}`,
  ].join('  ');
}

function downtimeBlock(label: string, d: Downtime, st: ReturnType<typeof styler>): string[] {
  const lines = [`  ${st.bold(label)}  ${st.yellow(formatNs(d.totalNs))}${d.observedNs !== undefined ? st.dim(`  (observed gap ${formatNs(d.observedNs)})`) : ''}`];
  const w = Math.max(5, ...d.phases.map((p) => (p.device ? `${p.name} [${p.device}]` : p.name).length));
  if (d.phases.length > 0) lines.push(st.dim(`    ${'phase'.padEnd(w)}  ${'start'.padStart(10)}  ${'duration'.padStart(10)}`));
  for (const p of d.phases) {
    const name = p.device ? `${p.name} [${p.device}]` : p.name;
    lines.push(`    ${name.padEnd(w)}  ${formatNs(p.startNs).padStart(10)}  ${formatNs(p.durNs).padStart(10)}`);
  }
  lines.push(`    ${countsLine(d.counts)}`);
  return lines;
}

/** A failed migration: the step, errno and reason, where the VM runs, and QEMU's recovery window. */
function outcomeLines(run: RunRecord, st: ReturnType<typeof styler>): string[] {
  const o = run.outcome;
  if (o === undefined) return [];
  const lines = [st.red(`  ${st.bold('FAILED')} in ${o.step}${o.device ? ` (${o.device})` : ''} at ${formatNs(o.atNs)}: ${o.errno}: ${o.reason}`)];
  const where = o.vmRunsOn === 'nowhere' ? 'the VM runs nowhere' : `the VM runs on the ${o.vmRunsOn}`;
  const rec = o.recovery ? `; recovery (back to passthrough) ${formatNs(o.recovery.totalNs)}` : '';
  lines.push(`  ${where}; its NICs ${o.recovered ? 'forward again' : st.red(`stay down${o.recoveryFailure ? ` (${o.recoveryFailure})` : ''}`)}${rec}`);
  return lines;
}

/** The summary text of a result document. */
export function formatSummary(doc: ResultDocument, opts: SummaryOptions = { color: false }): string {
  const st = styler(opts.color);
  const groups = groupRuns(doc.runs);
  const out: string[] = [];
  if (doc.partial) out.push(st.red('partial result: the run was interrupted; only finished runs are summarized'), '');
  for (const [key, agg] of aggregatesInOrder(doc)) {
    const runs = groups.get(key) ?? [];
    if (runs.length === 0) continue;
    const run = representativeRun(runs);
    const head = runs.length > 1 ? `${runs.length} replications; replication ${run.replication} shown (closest to the median downtime #2)` : `seed ${run.seed}`;
    out.push(`${st.cyan(st.bold(key))}  ${st.dim(head)}`);
    out.push(...downtimeBlock('downtime #1', run.downtime1, st));
    out.push(...downtimeBlock('downtime #2', run.downtime2, st));
    const m = run.migration;
    out.push(
      `  ${st.bold('migration')}  ${m.iterations} iterations, ${bytes(m.bytesSent)} sent, pre-copy ${formatNs(m.precopyNs)}, total ${formatNs(m.totalNs)}, ${m.converged ? 'converged' : st.red('did not converge')}`,
    );
    if (run.invariants.violations.length > 0) out.push(st.red(`  invariant violations: ${run.invariants.violations.join('; ')}`));
    out.push(...outcomeLines(run, st));
    const failed = runs.filter((r) => r.outcome !== undefined).length;
    if (failed > 0 && runs.length > 1) out.push(st.red(`  ${failed} of ${runs.length} migrations failed`));
    if (runs.length > 1) {
      const parts = ['downtime1', 'downtime2', 'observed']
        .filter((k) => agg.metrics[k])
        .map((k) => `${k} p50 ${formatNs(agg.metrics[k]!.p50)} p99 ${formatNs(agg.metrics[k]!.p99)}`);
      out.push(`  ${st.bold(`over ${runs.length} runs`)}  ${parts.join('; ')}`);
    }
    out.push('');
  }
  return out.join('\n');
}
