// detailWindows.ts — when a NIC's data plane runs in detail. A pass of pre-copy lasts as long as
// its bytes take at the migration bandwidth (hundreds of seconds for a large guest), a device's
// switch or a destination's map can take seconds, and in a steady stretch nothing the run
// measures happens on the data plane: the workload goes dormant and its effect is accounted in
// aggregate (sim/guest/workload.ts). It runs in detail where something is measured: a window W
// after each start of a source device (then it sleeps until the next stop of that device wakes
// it: nicWiring.ts), the last stretch of every pass (the switchover decision is taken at a pass's
// end, so probes flow right before VM stop), and from VM stop to the end of the run, except while
// the paused guest's device can take nothing more (the workload is down then).

import type { PrecopyPass } from '../../vmm/precopy.js';

/**
 * W: simulated time the data plane runs in detail before each pass's closing sync, and after
 * the SVQ switch before the first dormancy. 30 ms is 30 probe intervals at the usual 1 ms and at
 * least 30 bursts of bulk traffic; `observeNs` stretches it for slower flows.
 */
export const OBSERVE_NS = 30_000_000;

/** Probe intervals and burst periods a window spans at least. */
const PERIODS_PER_WINDOW = 5;

/** How the data plane of one NIC is simulated during pre-copy. */
export type DetailMode = 'windows' | 'full';

/** The window length W for a flow: OBSERVE_NS, or several of its periods when they are longer. */
export function observeNs(probeIntervalNs: number, burstNs: number): number {
  return Math.max(OBSERVE_NS, PERIODS_PER_WINDOW * probeIntervalNs, PERIODS_PER_WINDOW * burstNs);
}

/** A stretch of simulated time the workload sleeps through: [from, to). */
export interface DormantSpan {
  from: number;
  to: number;
}

/**
 * The dormant span inside a pass: from its start (the first pass: once the settle of W after
 * the NIC's SVQ switch, `settledAt`, has ended; a NIC switched before another one may have
 * settled already) to W before its end. Null when that leaves less than W to sleep: a short
 * pass runs in detail.
 */
export function dormantSpan(pass: PrecopyPass, windowNs: number, settledAt: number): DormantSpan | null {
  const from = pass.index === 1 ? Math.max(pass.startNs, settledAt) : pass.startNs;
  const to = pass.endNs - windowNs;
  return to - from >= windowNs ? { from, to } : null;
}
