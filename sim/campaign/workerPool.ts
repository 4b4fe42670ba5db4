// workerPool.ts — farms a campaign's runs out to worker threads, a few queued ahead per worker,
// and stops them all at once when asked (a terminated worker abandons its run in progress).

import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Campaign } from './campaign.js';
import { packageRoot } from '../tool/version.js';
import type { RunRecord } from '../../metrics/result.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker.js';

/**
 * The compiled worker script (workers run JavaScript, also when the caller runs from sources):
 * the build's single-file bundle of it when there is one (one module to load instead of about
 * 240, which is most of a worker's start), else the compiled module.
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  // Next to this module when it is the compiled one; the build's place otherwise (sources, or a bundle of the CLI).
  const built = join(packageRoot(), 'dist', 'sim', 'campaign');
  const dirs = here.endsWith('.js') ? [join(here, '..'), built] : [built];
  for (const dir of dirs) {
    for (const name of ['worker.bundle.js', 'worker.js']) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  throw new Error(`worker script ${join(built, 'worker.js')} is missing: run \`npm run build\` first`);
}

/** Runs queued ahead per worker, so a worker never waits for the main thread between runs. */
const PREFETCH = 3;

/** Flags about the parent's own entry (an --input-type=module -e script): they do not apply to the worker's file and make it fail. */
function entryFlag(a: string): boolean {
  return a.startsWith('--input-type') || a === '-e' || a === '--eval';
}

/**
 * The worker's execArgv: inherited (undefined) as a rule, since an explicit list may not hold V8
 * options (`node --max-semi-space-size=64 …` would make every worker fail to start); the
 * parent's list without its entry flags when it has them.
 */
function workerExecArgv(): string[] | undefined {
  return process.execArgv.some(entryFlag) ? process.execArgv.filter((a) => !entryFlag(a)) : undefined;
}

/** A worker started before its campaign was planned, waiting for the plan (and whether it died meanwhile). */
interface Spare {
  worker: Worker;
  failed: boolean;
}

/** Workers started ahead (prestartWorkers), not yet given a campaign. */
const spares: Spare[] = [];

/**
 * Starts `n` workers now, before the campaign is planned, so that loading the worker's code
 * overlaps the main thread's reading and checking of the scenario files; runOnWorkers takes them
 * first. They do not keep the process alive while unused. A missing worker script is reported by
 * runOnWorkers, not here.
 */
export function prestartWorkers(n: number): void {
  let script: string;
  try {
    script = workerScript();
  } catch {
    return;
  }
  while (spares.length < n) {
    const worker = new Worker(script, { execArgv: workerExecArgv() });
    const spare: Spare = { worker, failed: false };
    worker.on('error', () => (spare.failed = true));
    worker.on('exit', () => (spare.failed = true));
    worker.unref();
    spares.push(spare);
  }
}

/** A worker for the campaign `init`: a spare one given the plan, or a new one started with it. */
function takeWorker(script: string, init: WorkerInit): Worker {
  for (let s = spares.shift(); s !== undefined; s = spares.shift()) {
    if (s.failed) continue;
    s.worker.removeAllListeners();
    s.worker.ref();
    s.worker.postMessage({ init } satisfies WorkerRequest);
    return s.worker;
  }
  return new Worker(script, { workerData: init, execArgv: workerExecArgv() });
}

/**
 * Executes the plan indices `todo` on `jobs` workers, calling `finished` with each record (null
 * for a warm-up run) and its plan index. No run is handed out once `stop()` is true; the
 * function given to `onAbort` terminates every worker at once and resolves.
 */
export function runOnWorkers(
  c: Campaign,
  todo: readonly number[],
  jobs: number,
  finished: (r: RunRecord | null, run: number) => void,
  stop: () => boolean,
  onAbort: (abort: () => void) => void,
): Promise<void> {
  const script = workerScript();
  const init: WorkerInit = { variants: c.variants, runs: c.runs };
  let next = 0;
  let live = jobs;
  return new Promise((resolve, reject) => {
    let ended = false;
    const workers: Worker[] = [];
    const queued = new Map<Worker, number>();
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      for (const x of workers) void x.terminate();
      if (error) reject(error);
      else resolve();
    };
    onAbort(() => end());
    const feed = (w: Worker) => {
      if (ended) return;
      let q = queued.get(w) ?? 0;
      while (q < PREFETCH && !stop() && next < todo.length) {
        w.postMessage({ run: todo[next++]! } satisfies WorkerRequest);
        q++;
      }
      queued.set(w, q);
      if (q === 0) {
        void w.terminate();
        if (--live === 0) end();
      }
    };
    for (let i = 0; i < jobs; i++) {
      const w = takeWorker(script, init);
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (ended) return;
        if (m.kind === 'ready') feed(w);
        else if (m.kind === 'done') {
          queued.set(w, (queued.get(w) ?? 1) - 1);
          finished(m.record, m.run);
          feed(w);
        } else if (m.kind === 'error') {
          const e = new Error(m.message);
          if (m.stack !== undefined) e.stack = m.stack;
          end(e);
        }
      });
      w.on('error', (e) => end(e));
    }
  });
}
