// failureReport.ts — the HTML report's table of failed migrations: per variant with failed runs,
// how many of its runs failed, and for the first of them the step, the errno, where the VM runs
// afterwards and the reason (a migration blocker, an injected fault, a cancel). Empty when every
// run of the section completed.

import type { RunRecord } from './result.js';

/** One row's variant: its label, swatch colour and runs. */
export interface FailureRow {
  label: string;
  colour: string | undefined;
  runs: readonly RunRecord[];
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The table, or "" when no run failed. */
export function failureTable(rows: readonly FailureRow[]): string {
  const body: string[] = [];
  for (const r of rows) {
    const failed = r.runs.filter((x) => x.outcome !== undefined);
    const first = failed[0]?.outcome;
    if (first === undefined) continue;
    const sw = r.colour === undefined ? '' : `<span class="sw" style="background:${r.colour}"></span>`;
    body.push(
      `<tr><td>${sw}${escape(r.label)}</td><td>${failed.length} of ${r.runs.length}</td><td>${escape(first.step)}</td><td>${escape(first.errno)}</td><td>${first.vmRunsOn}</td><td style="text-align:left;white-space:normal">${escape(first.reason)}</td></tr>`,
    );
  }
  if (body.length === 0) return '';
  const head = '<tr><th>variant</th><th>failed</th><th>step</th><th>errno</th><th>VM runs on</th><th>reason (first failed run)</th></tr>';
  const note = '<p class="meta">A failed migration is a result: its downtimes count only the windows it went through (none for a migration blocker, which refuses the migrate command at once).</p>';
  return `<h3>Failed migrations</h3><div class="table"><table>${head}${body.join('')}</table></div>${note}`;
}
