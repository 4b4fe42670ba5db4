// freshProcessRun.ts — bench helper run in a child process: loads a scenario, runs one variant once,
// and prints its wall time and the process's peak resident memory as one JSON line.

import { performance } from 'node:perf_hooks';
import { variantRun } from './variantRun.js';

async function main(file: string, variantId: string): Promise<void> {
  const once = await variantRun(file, variantId);
  const t0 = performance.now();
  const out = once();
  const ms = performance.now() - t0;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ms, maxRssMB, downtime2Ns: out.record.downtime2.totalNs }) + '\n');
}

main(process.argv[2]!, process.argv[3]!).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
