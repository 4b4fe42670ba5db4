// pageFaultReport.ts — the HTML report's page-fault table (pageFaults strategy): per variant, the
// mean per run of the faults after the switchover and over the whole run, the fault latency
// (each run's p99 and max), the time vqs stood behind faults, out-of-order completions, FLUSH
// batches, invalidations and the RX frames lost after the switchover. Empty when no variant of
// the section took page faults.

import type { VariantAggregate } from './result.js';
import { formatNs } from './display.js';

/** One row's variant: its label, swatch colour and aggregate. */
export interface PageFaultRow {
  label: string;
  colour: string | undefined;
  agg: VariantAggregate;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The table, or "" when no row has page faults. */
export function pageFaultTable(rows: readonly PageFaultRow[]): string {
  const with_ = rows.filter((r) => r.agg.metrics.pageFaults !== undefined);
  if (with_.length === 0) return '';
  const head =
    '<tr><th>variant</th><th>faults after switchover</th><th>faults (run)</th><th>fault latency p99</th><th>fault latency max</th><th>stall behind faults</th><th>out of order</th><th>FLUSH batches</th><th>invalidations</th><th>RX lost after switchover</th></tr>';
  const count = (a: VariantAggregate, k: string) => (a.metrics[k] ? String(Math.round(a.metrics[k].mean * 10) / 10) : '—');
  const time = (a: VariantAggregate, k: string) => (a.metrics[k] ? formatNs(a.metrics[k].mean) : '—');
  const body = with_.map((r) => {
    const a = r.agg;
    const sw = r.colour === undefined ? '' : `<span class="sw" style="background:${r.colour}"></span>`;
    return `<tr><td>${sw}${escape(r.label)}</td><td>${count(a, 'pageFaults.postSwitchover')}</td><td>${count(a, 'pageFaults')}</td><td>${time(a, 'faultLatencyP99')}</td><td>${time(a, 'faultLatencyMax')}</td><td>${time(a, 'faultStall')}</td><td>${count(a, 'outOfOrder')}</td><td>${count(a, 'flushBatches')}</td><td>${count(a, 'invalidations')}</td><td>${count(a, 'postSwitchover.rxDropped')}</td></tr>`;
  });
  const note =
    '<p class="meta">Mean per run. Faults: buffers a device had to fault in (PRI page requests, or a use_va parent\'s own faults); latency: each run\'s p99 and max from the faulting access to the buffer\'s use; stall: time vqs took no buffer behind a fault (devices without PARTIAL_ORDER); out of order and FLUSH batches as the guest rings saw them; after switchover: the destination\'s first 20 ms.</p>';
  return `<h3>Page faults</h3><div class="table"><table>${head}${body.join('')}</table></div>${note}`;
}
