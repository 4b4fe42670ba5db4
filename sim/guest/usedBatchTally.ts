// usedBatchTally.ts — the used-ring batches a dormant stretch of the workload would have made.
// A used entry folds several buffers into a batch (IN_ORDER, or PARTIAL_ORDER between FLUSH
// entries: device/shared/ring/ringBase.ts counts them); bursts skipped while the workload sleeps
// make none, so the tally measures what each live burst added to the guest rings' batch counts
// and credits every skipped burst with it. That is exact only in a steady state — consecutive
// live bursts adding the same number — which `steady()` reports, so a caller can refuse to sleep
// until it holds (the page-fault runs do: sim/testbed/pageFaultWindows.ts).

import type { Virtqueue } from '../../device/shared/ring/virtqueue.js';

/** Consecutive live bursts that must add the same number of batches before the count is taken as steady. */
export const STEADY_BURSTS = 8;

export class UsedBatchTally {
  /** The guest's rings (their device-side counts). */
  private readonly rings: readonly Virtqueue<number>[];
  /** The rings' batch total after the previous live burst. */
  private last = 0;
  /** Batches the previous live burst added, and how many live bursts in a row added that many. */
  private perBurst = 0;
  private run = 0;
  /** Batches credited to skipped bursts. */
  private skippedBatches = 0;

  constructor(rings: readonly Virtqueue<number>[]) {
    this.rings = rings;
  }

  private total(): number {
    let n = 0;
    for (const r of this.rings) n += r.usedCounts.batches;
    return n;
  }

  /** A live burst ran: what it (and everything since the previous one) added. */
  burst(): void {
    const now = this.total();
    const added = now - this.last;
    this.last = now;
    this.run = added === this.perBurst ? this.run + 1 : 1;
    this.perBurst = added;
  }

  /** The last STEADY_BURSTS live bursts each added the same number of batches. */
  steady(): boolean {
    return this.run >= STEADY_BURSTS;
  }

  /** `bursts` were skipped while dormant: each would have added what the last live one did. */
  skipped(bursts: number): void {
    this.skippedBatches += bursts * this.perBurst;
    // Replays and skipped stretches break the run: steadiness is measured on live bursts again.
    this.run = 0;
    this.last = this.total();
  }

  /** Batches credited to skipped bursts so far. */
  get credited(): number {
    return this.skippedBatches;
  }
}
