// executor.ts — executes a campaign's runs: in this thread, or spread over worker threads that
// each take the next run when free. Records are re-sorted afterwards, so the result does not
// depend on which worker ran what. SIGINT stops the campaign and keeps what finished.

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SingleBar } from 'cli-progress';
import { executePlanned, type Campaign } from './campaign.js';
import { packageRoot } from '../tool/version.js';
import type { RunRecord } from '../../metrics/result.js';
import type { WorkerInit, WorkerReply } from './worker.js';

export interface ExecuteOptions {
  /** Worker threads; 1 runs everything in this thread; default one per core. */
  jobs?: number;
  /** Draw a progress bar with ETA on standard error. */
  progress: boolean;
  /** Called with each recorded (non-warm-up) run as it finishes. */
  onRecord?: (r: RunRecord) => void;
}

/** The signals that stop a campaign, and the exit status each gives (128 + its number). */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export interface ExecuteOutcome {
  records: RunRecord[];
  /** SIGINT, SIGTERM or SIGHUP arrived: `records` holds the runs finished before it. */
  interrupted: boolean;
  /** The signal that stopped the campaign. */
  signal?: StopSignal;
}

/** The compiled worker script (workers run JavaScript, also when the caller runs from sources). */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = join(here, '..', 'worker.js');
  if (here.endsWith('.js') && existsSync(sibling)) return sibling;
  const built = join(packageRoot(), 'dist', 'sim', 'campaign', 'worker.js');
  if (!existsSync(built)) throw new Error(`worker script ${built} is missing: run \`npm run build\` first`);
  return built;
}

export async function executeCampaign(c: Campaign, opts: ExecuteOptions): Promise<ExecuteOutcome> {
  const total = c.runs.length;
  const jobs = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), total));
  const records: RunRecord[] = [];
  let interrupted = false;
  const bar = opts.progress ? new SingleBar({ format: 'runs [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted}', stream: process.stderr, hideCursor: true }) : null;
  bar?.start(total, 0);
  let done = 0;
  const finished = (r: RunRecord | null) => {
    done++;
    bar?.update(done);
    if (r !== null) {
      records.push(r);
      opts.onRecord?.(r);
    }
  };
  let signal: StopSignal | undefined;
  /** Stops the worker pool at once (set while it runs). */
  let abortPool: (() => void) | null = null;
  // The first signal stops the campaign after the runs in progress (no queued run starts); a
  // second one exits at once with the signal's status.
  const onSignal = (s: StopSignal) => {
    if (interrupted) process.exit(SIGNAL_EXIT[s]);
    interrupted = true;
    signal = s;
    // Runs in progress on workers stop now, and nothing queued starts.
    abortPool?.();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    if (jobs === 1) {
      for (const p of c.runs) {
        if (interrupted) break;
        finished(executePlanned(c, p));
        // Let signals and I/O through between runs.
        await new Promise((r) => setImmediate(r));
      }
    } else {
      await runOnWorkers(c, jobs, finished, () => interrupted, (abort) => (abortPool = abort));
    }
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    bar?.stop();
  }
  // A signal after the last run finished interrupted nothing.
  const recorded = c.runs.filter((p) => !p.spec.warmup).length;
  if (interrupted && records.length === recorded && done === total) return { records, interrupted: false };
  return signal === undefined ? { records, interrupted } : { records, interrupted, signal };
}

/** Runs queued ahead per worker, so a worker never waits for the main thread between runs. */
const PREFETCH = 3;

/** Farms runs out to `jobs` workers, a few queued ahead per worker. */
function runOnWorkers(
  c: Campaign,
  jobs: number,
  finished: (r: RunRecord | null) => void,
  stop: () => boolean,
  onAbort: (abort: () => void) => void,
): Promise<void> {
  const script = workerScript();
  const init: WorkerInit = { variants: c.variants, runs: c.runs };
  let next = 0;
  let live = jobs;
  return new Promise((resolve, reject) => {
    let failed = false;
    const workers: Worker[] = [];
    const queued = new Map<Worker, number>();
    onAbort(() => {
      if (failed) return;
      failed = true;
      for (const x of workers) void x.terminate();
      resolve();
    });
    const feed = (w: Worker) => {
      if (failed) return;
      let q = queued.get(w) ?? 0;
      while (q < PREFETCH && !stop() && next < c.runs.length) {
        w.postMessage({ run: next++ });
        q++;
      }
      queued.set(w, q);
      if (q === 0) {
        void w.terminate();
        if (--live === 0) resolve();
      }
    };
    for (let i = 0; i < jobs; i++) {
      const w = new Worker(script, { workerData: init });
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (failed) return;
        if (m.kind === 'ready') feed(w);
        else if (m.kind === 'done') {
          queued.set(w, (queued.get(w) ?? 1) - 1);
          finished(m.record);
          feed(w);
        } else if (m.kind === 'error') {
          failed = true;
          for (const x of workers) void x.terminate();
          reject(new Error(m.message));
        }
      });
      w.on('error', (e) => {
        if (failed) return;
        failed = true;
        for (const x of workers) void x.terminate();
        reject(e);
      });
    }
  });
}
