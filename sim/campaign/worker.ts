// worker.ts — a worker thread of the executor: runs the planned runs it is sent, one at a time,
// replying with each record. It gets the main thread's plan (variants and runs) at start, or as
// its first message when it was started ahead of the plan, so it executes exactly that plan,
// whatever happens to the scenario files meanwhile.

import { parentPort, workerData } from 'node:worker_threads';
import { executePlanned, type PlannedRun } from './plannedRun.js';
import type { Variant } from '../scenario/index.js';
import type { RunRecord } from '../../metrics/result.js';

/** What a worker is started with: the campaign's plan. */
export interface WorkerInit {
  variants: Variant[][];
  runs: PlannedRun[];
}

/** Messages to a worker: its plan (a worker started ahead of its campaign gets it so), or a run to do. */
export type WorkerRequest = { init: WorkerInit } | { run: number };

/** Messages from a worker. */
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'done'; run: number; record: RunRecord | null }
  | { kind: 'error'; run: number; message: string; stack?: string };

function serve(): void {
  const port = parentPort;
  if (port === null) return;
  // Started with the plan, or ahead of it (prestartWorkers): then the first message brings it.
  let plan = (workerData ?? null) as WorkerInit | null;
  port.on('message', (m: WorkerRequest) => {
    if ('init' in m) {
      plan = m.init;
      port.postMessage({ kind: 'ready' } satisfies WorkerReply);
      return;
    }
    if (plan === null) return;
    try {
      const record = executePlanned(plan, plan.runs[m.run]!);
      port.postMessage({ kind: 'done', run: m.run, record } satisfies WorkerReply);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ kind: 'error', run: m.run, message: err.message, ...(err.stack === undefined ? {} : { stack: err.stack }) } satisfies WorkerReply);
    }
  });
  if (plan !== null) port.postMessage({ kind: 'ready' } satisfies WorkerReply);
}

serve();
