// gateMarkdown.ts — Markdown summary of gate checks (for $GITHUB_STEP_SUMMARY and PR comments).

import type { CheckStatus, GateResult } from './gate.js';

const ICON: Record<CheckStatus, string> = { pass: '✅ pass', fail: '❌ fail', skip: '⏭️ skip', warn: '⚠️ warn' };

/** Escape a table cell. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown summary: heading, verdict, one table row per check. */
export function gateMarkdown(result: GateResult): string {
  const verdict = result.failed > 0 ? '❌ **Gate failed**' : result.warned > 0 ? '⚠️ **Gate passed with warnings**' : '✅ **Gate passed**';
  const lines = [
    '## svqsim gate',
    '',
    `${verdict} — ${result.closingLine}`,
    '',
    '| Status | Variant | Check | Details |',
    '| --- | --- | --- | --- |',
    ...result.checks.map((c) => `| ${ICON[c.status]} | ${mdCell(c.variant)} | \`${mdCell(c.check)}\` | ${mdCell(c.message)} |`),
  ];
  return lines.join('\n') + '\n';
}
