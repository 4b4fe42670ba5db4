// main.ts — `npm run bench`: the simulator's speed figures, printed as a table or as one JSON line.
// Each figure is measured beside a reference measured in the same process, and reported as a ratio.

import { performance } from 'node:perf_hooks';
import { holdDelays, holdKernel, holdPlainHeap, holdRxjs } from './holdModel.js';

const PENDING = 1_000;
const EVENTS = 1_000_000;

/** Best-of-N events per second of one hold-model variant. */
function measure(fn: (p: number, e: number, d: Int32Array) => number, delays: Int32Array, rounds: number): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn(PENDING, EVENTS, delays);
    best = Math.min(best, performance.now() - t0);
  }
  return EVENTS / (best / 1000);
}

export interface BenchFigures {
  heapEventsPerSec: number;
  kernelEventsPerSec: number;
  rxjsEventsPerSec: number;
  kernelVsHeap: number;
  rxjsVsHeap: number;
}

export function runKernelBench(rounds = 5): BenchFigures {
  const delays = holdDelays(1 << 16);
  // Warm the JIT on all three before measuring.
  for (const fn of [holdPlainHeap, holdKernel, holdRxjs]) fn(PENDING, 200_000, delays);
  // Interleave rounds so machine noise hits all variants alike.
  let heap = 0;
  let kernel = 0;
  let rxjs = 0;
  for (let r = 0; r < rounds; r++) {
    heap = Math.max(heap, measure(holdPlainHeap, delays, 1));
    kernel = Math.max(kernel, measure(holdKernel, delays, 1));
    rxjs = Math.max(rxjs, measure(holdRxjs, delays, 1));
  }
  return {
    heapEventsPerSec: Math.round(heap),
    kernelEventsPerSec: Math.round(kernel),
    rxjsEventsPerSec: Math.round(rxjs),
    kernelVsHeap: +(kernel / heap).toFixed(3),
    rxjsVsHeap: +(rxjs / heap).toFixed(3),
  };
}

function main(argv: string[]): void {
  const json = argv.includes('--json');
  const k = runKernelBench();
  const figures: Record<string, number> = { ...k };
  if (json) {
    process.stdout.write(JSON.stringify({ timing: 'wall-clock, this machine', ...figures }) + '\n');
    return;
  }
  const fmt = (n: number) => n.toLocaleString('en-US');
  process.stdout.write(
    [
      `hold model: ${fmt(PENDING)} pending events, ${fmt(EVENTS)} events processed (wall-clock timing)`,
      `  plain binary heap (reference)  ${fmt(k.heapEventsPerSec)} events/s`,
      `  kernel                         ${fmt(k.kernelEventsPerSec)} events/s   kernelVsHeap ${k.kernelVsHeap} (target >= 0.8)`,
      `  kernel via RxJS scheduler      ${fmt(k.rxjsEventsPerSec)} events/s   rxjsVsHeap   ${k.rxjsVsHeap} (target >= 0.4)`,
      '',
    ].join('\n'),
  );
}

main(process.argv.slice(2));
