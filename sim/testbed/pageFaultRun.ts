// pageFaultRun.ts — the testbed's part of the pageFaults strategy (page faults instead of
// pinning): the guest memory discards that make RX buffers fault again, which host the VM runs on,
// and the run's page-fault record (metrics/pageFaultRecorder.ts for what the events carry; the
// guest rings' out-of-order and FLUSH-batch counts and the destination's RX after the switchover
// from here).
//
// Discards: with guest memory unpinned QEMU can leave RAM discards enabled (upstream
// vhost_vdpa_init calls ram_block_discard_disable because it pins), so memory the guest freed and
// reported (virtio-balloon free page reporting) is discarded with MADV_DONTNEED
// (ram_block_discard_range) and the mm notifier invalidates the device's translations of it. A
// fraction `workload.rxRefillDiscarded` of the RX buffers the guest driver refills is taken to sit
// in such memory: the host where the VM runs discards the buffer's pages before the device writes
// it, so the device faults it in again.

import type { Rng } from '../kernel/index.js';
import type { EventBus } from '../events/events.js';
import type { Scenario } from '../scenario/scenario.js';
import type { GuestMemory } from '../../vmm/guestMemory.js';
import type { PageFaultRecord } from '../../metrics/result.js';
import { PageFaultRecorder } from '../../metrics/pageFaultRecorder.js';
import { TAIL_NS, type NicWiring } from './nicWiring.js';

export class PageFaultRun {
  /** The NICs of the run. */
  private readonly nics: readonly NicWiring[];
  /** The event-derived part of the record. */
  private readonly recorder: PageFaultRecorder;
  /** The VM runs on the destination (after it started there, until a source resume). */
  private onDestination = false;
  /** When the destination started, and its devices' RX counters then (per NIC). */
  private destStart = -1;
  private readonly destRx: { frames: number; dropped: number }[] = [];

  constructor(sc: Scenario, bus: EventBus, memory: GuestMemory, nics: readonly NicWiring[], rng: Rng) {
    this.nics = nics;
    this.recorder = new PageFaultRecorder(bus.stream);
    const fraction = sc.workload.rxRefillDiscarded;
    if (fraction <= 0) return;
    for (const nic of nics) {
      const draw = rng.fork(`rx-discard:${nic.guest.rings[0]!.name}`);
      nic.guest.setOnRxRefill((gpa, len) => {
        if (draw.float() >= fraction) return;
        const hva = memory.gpaToHva(gpa);
        if (hva === undefined) return;
        (this.onDestination ? nic.dst.host : nic.src.host).discard(hva, len);
      });
    }
  }

  /** Follows where the VM runs; snapshots the destination's RX counters when it starts. */
  onSwitchover(edge: 'sourceStopped' | 'destinationStarted' | 'sourceResumed', now: number): void {
    if (edge === 'sourceStopped') return;
    this.onDestination = edge === 'destinationStarted';
    if (!this.onDestination) {
      this.destStart = -1;
      return;
    }
    this.destStart = now;
    this.destRx.length = 0;
    for (const nic of this.nics) this.destRx.push({ frames: nic.dst.dev.stats.rxFrames, dropped: nic.dst.dev.stats.rxDropped });
  }

  /** The run's page-fault record at its end (`now`). */
  record(now: number): PageFaultRecord {
    this.recorder.stop();
    let outOfOrder = 0;
    let flushBatches = 0;
    let rxFrames = 0;
    let rxDropped = 0;
    this.nics.forEach((nic, i) => {
      for (const ring of nic.guest.rings) {
        outOfOrder += ring.usedCounts.outOfOrder;
        flushBatches += ring.usedCounts.batches;
      }
      // What the bursts it slept through would have folded (observation windows).
      flushBatches += nic.workload.aggregate.usedBatches;
      const at = this.destRx[i];
      if (this.destStart >= 0 && at !== undefined) {
        rxFrames += nic.dst.dev.stats.rxFrames - at.frames;
        rxDropped += nic.dst.dev.stats.rxDropped - at.dropped;
      }
    });
    // The traffic lingers TAIL_NS after the destination starts (nicWiring.ts).
    const windowNs = this.destStart >= 0 ? Math.min(now - this.destStart, TAIL_NS) : 0;
    return this.recorder.record({ outOfOrder, flushBatches, postSwitchover: { windowNs, rxFrames, rxDropped } });
  }
}
