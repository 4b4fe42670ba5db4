// warmRun.ts — bench helper: one scenario variant run repeatedly in this process, warm; the best
// wall time of a run and the kernel events it fires (for the event-loop cost per event).

import { performance } from 'node:perf_hooks';
import { variantRun } from './variantRun.js';

/**
 * Best wall time (ms) of `rounds` warm runs of a variant, after `warmup` discarded ones (enough for
 * V8 to have compiled its hot code: the first few runs of a process run mostly interpreted), and
 * its event count.
 */
export async function warmRun(file: string, variantId: string, warmup = 20, rounds = 20): Promise<{ ms: number; events: number }> {
  const once = await variantRun(file, variantId);
  let events = 0;
  for (let i = 0; i < warmup; i++) events = once().eventsFired;
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    once();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, events };
}
