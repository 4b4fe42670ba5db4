// worker.ts — a worker thread of the executor: loads the same campaign (plans are deterministic)
// and runs the planned runs it is sent, one at a time, replying with each record.

import { parentPort, workerData } from 'node:worker_threads';
import { planCampaign, executePlanned, type Campaign, type CampaignOptions } from './campaign.js';
import type { RunRecord } from '../metrics/result.js';

/** What a worker is started with. */
export interface WorkerInit {
  files: string[];
  opts: CampaignOptions;
}

/** Messages from a worker. */
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'done'; run: number; record: RunRecord | null }
  | { kind: 'error'; run: number; message: string };

async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const init = workerData as WorkerInit;
  let campaign: Campaign;
  try {
    campaign = await planCampaign(init.files, init.opts);
  } catch (e) {
    port.postMessage({ kind: 'error', run: -1, message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
    return;
  }
  port.on('message', (m: { run: number }) => {
    try {
      const record = executePlanned(campaign, campaign.runs[m.run]);
      port.postMessage({ kind: 'done', run: m.run, record } satisfies WorkerReply);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ kind: 'error', run: m.run, message: err.message } satisfies WorkerReply);
    }
  });
  port.postMessage({ kind: 'ready' } satisfies WorkerReply);
}

void serve();
