// pageFaultWindows.ts — observation windows (detailWindows.ts) for a NIC whose device takes page
// faults (migration.strategies.pageFaults). A dormant stretch is exact when nothing in it would
// have faulted: every RX buffer the device may write is resident on the host carrying the NIC
// (a fault is raised only for pages that are not: device/core/iopf.ts pagesToFault), no fault
// is in flight (its completion uses a buffer out of order and draws the device's cost jitter),
// and the used-ring batches its bursts would have made can be credited (sim/guest/usedBatchTally.ts).
// Discards (workload.rxRefillDiscarded > 0) make a random share of refilled buffers cold again at
// every refill: the faults they cause, their timing and the jitter they draw from the device's
// stream (shared with its control steps) follow the exact sequence of refills, which a skipped
// stretch does not have. Such a NIC never sleeps; its data plane still goes down while its
// device is stopped and while the paused guest's device is full (nothing is refilled then).
// Nor does it sleep in a run with a device error at a time (faults: needsReset): the error wakes a
// dormant NIC and its replay meets a device that takes nothing, so the used-ring batches the
// replayed bursts made in full detail would be missing.

import type { Scenario } from '../scenario/scenario.js';
import type { HostMemory } from '../../device/shared/hostMemory.js';
import type { IopfView } from '../../device/core/iopf.js';
import type { GuestMemory } from '../../vmm/guestMemory.js';
import { GUEST_BUFFER_BYTES, type GuestNet } from '../guest/virtioNet.js';

/** The host and device carrying the NIC now. */
interface Carrier {
  readonly host: HostMemory;
  readonly dev: { readonly iopf: IopfView | null };
}

/** How a page-fault NIC's data plane may sleep. */
export interface PageFaultWindows {
  /** Dormant stretches are allowed at all (no discards). */
  readonly dormancy: boolean;
  /** Nothing the sleep would skip can fault now (checked with the rings' clean point). */
  canSleep(): boolean;
}

/** Whether every RX pool buffer of the first `rxQueues` queue pairs is resident in `host`. */
function rxPoolResident(guest: GuestNet, memory: GuestMemory, host: HostMemory, rxQueues: number): boolean {
  for (let q = 0; q < rxQueues; q++) {
    // RX buffers of queue pair q are pool buffers [2q·perQueue, (2q+1)·perQueue), contiguous.
    const gpa = guest.poolGpa + 2 * q * guest.perQueue * GUEST_BUFFER_BYTES;
    const hva = memory.gpaToHva(gpa);
    if (hva === undefined || host.coldPages(hva, guest.perQueue * GUEST_BUFFER_BYTES) > 0) return false;
  }
  return true;
}

/** The sleep rules of a page-fault NIC, or null when the run does not take page faults. */
export function pageFaultWindows(sc: Scenario, guest: GuestNet, memory: GuestMemory, queuePairs: number, carrier: () => Carrier | null, batchesSteady: () => boolean): PageFaultWindows | null {
  if (!sc.migration.strategies.pageFaults) return null;
  if (sc.workload.rxRefillDiscarded > 0 || sc.faults.some((f) => f.kind === 'needsReset')) return { dormancy: false, canSleep: () => false };
  // The device writes the RX buffers of every queue pair the bulk traffic reaches, and of queue
  // pair 0 (the probe's pings); the others stay untouched whether the NIC sleeps or not.
  const t = sc.workload.traffic;
  const rxQueues = t !== null && t.packetsPerSecond > 0 && t.rxFraction > 0 ? queuePairs : 1;
  return {
    dormancy: true,
    canSleep: () => {
      const c = carrier();
      if (c === null) return false;
      if ((c.dev.iopf?.inFlight ?? 0) > 0) return false;
      return batchesSteady() && rxPoolResident(guest, memory, c.host, rxQueues);
    },
  };
}
