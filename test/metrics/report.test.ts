// report.test.ts — the HTML report: self-contained, SVG plots with marks, and it renders in headless Chromium.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { registerReportCommand } from '../../sim/cli/commands/report.js';
import { representativeRun } from '../../metrics/report.js';
import { makeRuns } from '../fixtures/results/makeFixture.js';
import { runCommand } from './cliHarness.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'results');
const CHROMIUM = '/usr/bin/chromium';
const out = mkdtempSync(join(tmpdir(), 'svqsim-report-'));
const reportFile = join(out, 'report.html');

function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), 'svqsim-chromium-'));
  return execFileSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

describe('report', () => {
  it('picks the run closest to the median downtime #2', () => {
    const runs = makeRuns('s', 'baseline', 0, 9);
    const sorted = [...runs].sort((a, b) => a.downtime2.totalNs - b.downtime2.totalNs);
    expect(representativeRun(runs)).toBe(sorted[4]);
  });

  it('writes one self-contained HTML file with SVG plots that have marks', async () => {
    const r = await runCommand(registerReportCommand, ['report', 'two-variants.json', '--out', reportFile], fixtures);
    expect(r.code).toBe(0);
    const html = readFileSync(reportFile, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // Nothing fetched from elsewhere: no scripts, no external stylesheets or images.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link[^>]+href/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    // 2 downtimes × (histogram + CDF) + 2 variants × 2 waterfalls.
    expect(svgs).toHaveLength(8);
    for (const svg of svgs) expect(svg).toMatch(/class="mark-(rect|line|symbol|group)/);
    expect(html.match(/class="mark-rect role-mark/g)?.length).toBeGreaterThanOrEqual(6);
    expect(html.match(/class="mark-line role-mark/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('registerListener');
    expect(html).toContain('<table>');
  });

  it.skipIf(!existsSync(CHROMIUM))('renders in headless Chromium (the CI script installs /usr/bin/chromium)', async () => {
    if (!existsSync(reportFile)) await runCommand(registerReportCommand, ['report', 'two-variants.json', '--out', reportFile], fixtures);
    const dom = chromium(['--dump-dom', `file://${reportFile}`]);
    expect(dom).toContain('switch-128g');
    expect((dom.match(/<svg/g) ?? []).length).toBe(8);
    expect((dom.match(/mark-rect/g) ?? []).length).toBeGreaterThanOrEqual(6);
    const png = join(out, 'shot.png');
    chromium(['--hide-scrollbars', '--window-size=1200,2400', `--screenshot=${png}`, `file://${reportFile}`]);
    expect(existsSync(png)).toBe(true);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    // A blank 1200×2400 page compresses to a few kB; plots and tables make it much larger.
    expect(statSync(png).size).toBeGreaterThan(50_000);
  });
});
