// terminalChart.ts — horizontal unicode block bars for terminal histograms.

import { linearBins } from './histogram.js';
import { formatNs } from './display.js';

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `fraction` (0..1) of `width` cells, in eighth-cell steps. */
function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** A histogram of ns values: one line per bin, "  lo – hi │bars  count". */
export function terminalHistogram(values: readonly number[], bins = 10, width = 40): string {
  if (values.length === 0) return '  (no values)\n';
  const b = linearBins(values, Math.min(bins, Math.max(1, new Set(values).size)));
  const max = Math.max(...b.map((x) => x.count));
  const labels = b.map((x) => `${formatNs(x.fromNs)} – ${formatNs(x.toNs)}`);
  const lw = Math.max(...labels.map((l) => l.length));
  return b.map((x, i) => `  ${labels[i]!.padStart(lw)} │${bar(x.count / max, width).padEnd(width)} ${x.count}\n`).join('');
}
