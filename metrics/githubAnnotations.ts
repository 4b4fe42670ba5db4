// githubAnnotations.ts — GitHub Actions workflow commands (::error / ::warning) for failed and warned checks.

import type { GateResult } from './gate.js';

/** Escape the message part of a workflow command. */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escape a property value (title=…) of a workflow command. */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error title=...::message` line per failed check, `::warning` per warned check. */
export function githubAnnotations(result: GateResult): string {
  const lines: string[] = [];
  for (const c of result.checks) {
    if (c.status !== 'fail' && c.status !== 'warn') continue;
    const level = c.status === 'fail' ? 'error' : 'warning';
    lines.push(`::${level} title=${escapeProperty(`svqsim gate ${c.variant} ${c.check}`)}::${escapeData(c.message)}`);
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
