// junit.ts — JUnit XML of gate checks: one testsuite per "<result file>: <scenario>", one testcase per check.
// Failed checks carry a <failure>, skipped ones <skipped>, warned ones (--warn-only) pass with the
// warning in <system-out>.

import type { GateCheck, GateResult } from './gate.js';

/** Escape text for XML attributes and content. */
function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** The JUnit XML document. */
export function gateJUnit(result: GateResult): string {
  const suites = new Map<string, GateCheck[]>();
  for (const c of result.checks) {
    let s = suites.get(c.suite);
    if (!s) suites.set(c.suite, (s = []));
    s.push(c);
  }
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="svqsim gate" tests="${result.checks.length}" failures="${result.failed}" skipped="${result.skipped}" errors="0">`,
  );
  for (const [suite, checks] of suites) {
    const failures = checks.filter((c) => c.status === 'fail').length;
    const skipped = checks.filter((c) => c.status === 'skip').length;
    out.push(`  <testsuite name="${xmlEscape(suite)}" tests="${checks.length}" failures="${failures}" skipped="${skipped}" errors="0">`);
    for (const c of checks) {
      const head = `    <testcase classname="${xmlEscape(c.variant)}" name="${xmlEscape(c.check)}"`;
      if (c.status === 'pass') out.push(`${head}/>`);
      else if (c.status === 'fail') {
        out.push(`${head}>`, `      <failure message="${xmlEscape(c.message)}" type="gate">${xmlEscape(c.message)}</failure>`, '    </testcase>');
      } else if (c.status === 'skip') {
        out.push(`${head}>`, `      <skipped message="${xmlEscape(c.message)}"/>`, '    </testcase>');
      } else {
        out.push(`${head}>`, `      <system-out>WARNING: ${xmlEscape(c.message)}</system-out>`, '    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
