// pageFaultRecorder.ts — the page-fault part of a run record (pageFaults strategy): the devices'
// resolved faults by top-level phase and device (after downtime #2: "postSwitchover"), their
// latencies, the stall time behind them and the invalidations that reached the devices, from the
// event stream. The ring and data-plane counters the events do not carry come from the testbed.

import type { Observable, Subscription } from 'rxjs';
import type { ModelEvent } from '../sim/events/events.js';
import type { FaultLatency, PageFaultRecord } from './result.js';

/** Phases that partition a run for counting (as the main recorder's). */
const TOP = new Set(['boot', 'destInit', 'downtime1', 'precopy', 'downtime2', 'recovery']);

/** The label of faults after downtime #2 ended, outside any other top-level phase. */
export const POST_SWITCHOVER = 'postSwitchover';

/** What the testbed counts itself: ring and data-plane figures no event carries. */
export type PageFaultCounters = Pick<PageFaultRecord, 'outOfOrder' | 'flushBatches' | 'postSwitchover'>;

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Summary of latencies (ns). */
export function faultLatency(values: readonly number[]): FaultLatency {
  const sorted = [...values].sort((a, b) => a - b);
  const log2Counts: number[] = [];
  let sum = 0;
  for (const v of sorted) {
    sum += v;
    const i = v < 1 ? 0 : Math.floor(Math.log2(v));
    while (log2Counts.length <= i) log2Counts.push(0);
    log2Counts[i]!++;
  }
  return {
    count: sorted.length,
    meanNs: sorted.length === 0 ? 0 : Math.round(sum / sorted.length),
    p50Ns: percentile(sorted, 50),
    p90Ns: percentile(sorted, 90),
    p99Ns: percentile(sorted, 99),
    maxNs: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
    log2Counts,
  };
}

export class PageFaultRecorder {
  /** Faults by phase. */
  private readonly byPhase: Record<string, number> = {};
  /** Faults by device, then phase. */
  private readonly byDevice: Record<string, Record<string, number>> = {};
  /** Global top-level phase open now, or null. */
  private globalPhase: string | null = null;
  /** Device-scoped top-level phase per device. */
  private readonly devicePhase = new Map<string, string>();
  /** Downtime #2 has ended. */
  private afterSwitchover = false;
  /** Latency of every resolved fault. */
  private readonly latencies: number[] = [];
  /** Pages requested. */
  private pages = 0;
  /** Stall time behind faults. */
  private stallNs = 0;
  /** Invalidations by source. */
  private readonly invalidations = { unmap: 0, mmNotifier: 0 };
  /** The stream subscription. */
  private readonly subscription: Subscription;

  constructor(stream: Observable<ModelEvent>) {
    this.subscription = stream.subscribe((ev) => this.on(ev));
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  /** The phase an event of `device` counts in. */
  private phaseOf(device: string): string {
    return this.devicePhase.get(device) ?? this.globalPhase ?? (this.afterSwitchover ? POST_SWITCHOVER : 'other');
  }

  private on(ev: ModelEvent): void {
    switch (ev.kind) {
      case 'phase':
        if (!TOP.has(ev.name)) return;
        if (ev.device !== undefined) {
          if (ev.edge === 'begin') this.devicePhase.set(ev.device, ev.name);
          else this.devicePhase.delete(ev.device);
        } else {
          this.globalPhase = ev.edge === 'begin' ? ev.name : null;
          if (ev.name === 'downtime2' && ev.edge === 'end') this.afterSwitchover = true;
        }
        return;
      case 'iopf': {
        const phase = this.phaseOf(ev.device);
        this.byPhase[phase] = (this.byPhase[phase] ?? 0) + 1;
        const d = (this.byDevice[ev.device] ??= {});
        d[phase] = (d[phase] ?? 0) + 1;
        this.latencies.push(ev.latencyNs);
        this.pages += ev.pages;
        if (ev.stalled) this.stallNs += ev.latencyNs;
        return;
      }
      case 'iopfInvalidate':
        this.invalidations[ev.source]++;
        return;
      default:
        return;
    }
  }

  /** The run's page-fault record, with the testbed's own counters. */
  record(counters: PageFaultCounters): PageFaultRecord {
    return {
      faultsByPhase: { ...this.byPhase },
      faultsByDevice: Object.fromEntries(Object.entries(this.byDevice).map(([d, p]) => [d, { ...p }])),
      pages: this.pages,
      latency: faultLatency(this.latencies),
      stallNs: this.stallNs,
      outOfOrder: counters.outOfOrder,
      flushBatches: counters.flushBatches,
      invalidations: { ...this.invalidations },
      postSwitchover: { ...counters.postSwitchover },
    };
  }
}
