// executor.ts — executes a campaign's runs on worker threads that each take the next run when
// free (or, on request, in this thread). Records are re-sorted afterwards, so the result does not
// depend on which worker ran what. A signal (or the caller's AbortSignal) stops the campaign and
// keeps what finished; workers are terminated, so a run in progress stops at once.

import { availableParallelism } from 'node:os';
import { SingleBar } from 'cli-progress';
import { executePlanned, type Campaign } from './campaign.js';
import { runOnWorkers } from './workerPool.js';
import { SignalWatch, type StopSignal } from './signals.js';
import type { RunRecord } from '../../metrics/result.js';

export interface ExecuteOptions {
  /** Worker threads; default one per core. */
  jobs?: number;
  /**
   * Run in this thread instead of on workers. A signal cannot reach a thread that is busy in a
   * run (Node delivers signals to the main thread's event loop only), so a stop then takes
   * effect between runs.
   */
  inThread?: boolean;
  /** Draw a progress bar with ETA on standard error. */
  progress: boolean;
  /** Indices into the plan (`c.runs`) not to execute: runs a resumed campaign already has. */
  skip?: ReadonlySet<number>;
  /** Called with each recorded (non-warm-up) run as it finishes, with its index in the plan. */
  onRecord?: (r: RunRecord, run: number) => void;
  /** Aborting it stops the campaign as a first signal does (for callers other than the CLI). */
  stop?: AbortSignal;
  /** The caller's signal listener (created before planning); without one the executor listens while it runs. */
  signals?: SignalWatch;
}

export interface ExecuteOutcome {
  /** The records of the runs executed now (skipped runs are not repeated here). */
  records: RunRecord[];
  /** The campaign was stopped: `records` holds the runs finished before. */
  interrupted: boolean;
  /** The signal that stopped the campaign (absent when the caller's AbortSignal did). */
  signal?: StopSignal;
}

export async function executeCampaign(c: Campaign, opts: ExecuteOptions): Promise<ExecuteOutcome> {
  const todo = c.runs.map((_, i) => i).filter((i) => !opts.skip?.has(i));
  const records: RunRecord[] = [];
  let interrupted = false;
  const bar = opts.progress ? new SingleBar({ format: 'runs [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted}', stream: process.stderr, hideCursor: true }) : null;
  bar?.start(todo.length, 0);
  let done = 0;
  const finished = (r: RunRecord | null, run: number) => {
    done++;
    bar?.update(done);
    if (r !== null) {
      records.push(r);
      opts.onRecord?.(r, run);
    }
  };
  /** Stops the worker pool at once (set while it runs). */
  let abortPool: (() => void) | null = null;
  const stopNow = () => {
    interrupted = true;
    // Runs in progress on workers stop now, and nothing queued starts.
    abortPool?.();
  };
  // The first signal stops the campaign; a second one exits at once with the signal's status.
  const watch = opts.signals ?? new SignalWatch();
  const stops = [watch.stop, ...(opts.stop ? [opts.stop] : [])];
  if (stops.some((s) => s.aborted)) interrupted = true;
  for (const s of stops) s.addEventListener('abort', stopNow);
  try {
    if (interrupted || todo.length === 0) {
      // Nothing to run.
    } else if (opts.inThread) {
      for (const i of todo) {
        if (interrupted) break;
        finished(executePlanned(c, c.runs[i]!), i);
        // Let signals and I/O through between runs.
        await new Promise((r) => setImmediate(r));
      }
    } else {
      const jobs = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), todo.length));
      await runOnWorkers(c, todo, jobs, finished, () => interrupted, (abort) => (abortPool = abort));
    }
  } finally {
    for (const s of stops) s.removeEventListener('abort', stopNow);
    if (watch !== opts.signals) watch.dispose();
    bar?.stop();
  }
  // A stop after the last run finished interrupted nothing.
  if (interrupted && done === todo.length) return { records, interrupted: false };
  const signal = watch.received;
  return signal === undefined ? { records, interrupted } : { records, interrupted, signal };
}
