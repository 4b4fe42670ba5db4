// recorder.ts — turns one run's event stream into the per-run parts of a RunRecord: counts by
// top-level phase (per device where a device runs its own phase), the two downtime windows
// with their phase breakdown, and the probe flow's longest gaps (not counting where the probe
// flow was paused).

import type { Observable, Subscription } from 'rxjs';
import type { ModelEvent } from '../sim/events/events.js';
import { emptyCounts, type Counts, type Downtime, type PhaseSpan } from './result.js';
import { cmpStr } from './runMetrics.js';

/** Phases that partition a run for counting; nested phases count towards these. */
const TOP_LEVEL_PHASES = ['boot', 'destInit', 'downtime1', 'precopy', 'downtime2', 'recovery'] as const;
const TOP = new Set<string>(TOP_LEVEL_PHASES);

/**
 * The gaps of one device's probe flow, as flat [start, end] pairs. A gap runs from a delivered
 * probe (or a resume of the flow) to the next delivered probe (or a pause): the interval between
 * a pause and its resume is not an outage and belongs to no gap.
 */
interface ProbeGaps {
  /** start0, end0, start1, end1, … */
  gaps: number[];
  /** Where the open gap starts: the last delivered probe or resume; undefined while paused or before the first. */
  from: number | undefined;
}

/** An open phase. */
interface Open {
  name: string;
  device?: string;
  start: number;
}

/** Message types by the small number the tallies index them with (every recorder shares the numbering). */
const TYPE_NAMES: string[] = [];
/** The number of each message type seen so far. */
const TYPE_IDS = new Map<string, number>();

/** The number of message type `type`, given at its first sight. */
function typeId(type: string): number {
  let id = TYPE_IDS.get(type);
  if (id === undefined) {
    id = TYPE_NAMES.length;
    TYPE_NAMES.push(type);
    TYPE_IDS.set(type, id);
  }
  return id;
}

/** A Counts object being filled, with its ioctls counted apart (written into it by flush). */
interface Bucket {
  counts: Counts;
  /** Calls by message type number (0 where none yet). */
  calls: number[];
  /** The message type numbers called, in first-call order. */
  order: number[];
}

/** Counts one call of message type `id` into `b`. */
function countCall(b: Bucket, id: number): void {
  const calls = b.calls;
  while (calls.length <= id) calls.push(0);
  const n = calls[id]!;
  if (n === 0) b.order.push(id);
  calls[id] = n + 1;
}

export class RunRecorder {
  /** Counts by top-level phase name ("other" outside any); read through countsByPhase. */
  private readonly phaseCounts: Record<string, Counts> = {};
  /** The same counts split by device: device name → phase → counts; read through countsByDevice. */
  private readonly deviceCounts: Record<string, Record<string, Counts>> = {};
  /**
   * The ioctl tallies of every Counts object above: counted into by message type number at every
   * message (one shape whatever the message types), and copied into its `ioctls` record on read.
   */
  private readonly ioctlTallies = new Map<Counts, Bucket>();
  /** A message was counted since the tallies were last written into their Counts objects. */
  private unflushed = false;
  /** Global top-level phase currently open (device-less phase events). */
  private globalPhase: string | null = null;
  /** Device-scoped top-level phase per device. */
  private readonly devicePhase = new Map<string, string>();
  /**
   * Open phases in the order they began, one per (device, name): a few at a time, found by a scan
   * from the newest (no key string built and hashed per phase event).
   */
  private readonly open: Open[] = [];
  /** Closed phases with their spans (absolute start). */
  private readonly spans: PhaseSpan[] = [];
  /** Downtime windows by name: [start, end]. */
  private readonly windows = new Map<string, [number, number]>();
  /** Probe gaps per device (each NIC carries its own probe flow). */
  private readonly probes = new Map<string, ProbeGaps>();
  /**
   * buckets() of each device under the top-level phases open now (cleared when one opens or
   * closes): the same Counts objects, created at the same first event, looked up once per phase.
   */
  private readonly bucketsNow = new Map<string, readonly [Bucket, Bucket]>();
  /** The device buckets() last answered for, and its answer (most messages follow one of the same device). */
  private lastDevice: string | null = null;
  private lastBuckets: readonly [Bucket, Bucket] | null = null;
  /** Inconsistencies in the event stream, reported by check(). */
  private readonly problems: string[] = [];
  /** The stream subscription. */
  private readonly subscription: Subscription;

  constructor(stream: Observable<ModelEvent>) {
    this.subscription = stream.subscribe((ev) => this.on(ev));
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  /** Counts by top-level phase name ("other" outside any). */
  get countsByPhase(): Record<string, Counts> {
    this.flush();
    return this.phaseCounts;
  }

  /** The same counts split by device: device name → phase → counts. */
  get countsByDevice(): Record<string, Record<string, Counts>> {
    this.flush();
    return this.deviceCounts;
  }

  /** Writes every tally's ioctls into its Counts object (in first-call order, as counted). */
  private flush(): void {
    if (!this.unflushed) return;
    this.unflushed = false;
    for (const b of this.ioctlTallies.values()) {
      const out: Record<string, number> = {};
      for (const id of b.order) out[TYPE_NAMES[id]!] = b.calls[id]!;
      b.counts.ioctls = out;
    }
  }

  /** The tally of a Counts object, created at its first use. */
  private tally(counts: Counts): Bucket {
    let b = this.ioctlTallies.get(counts);
    if (b === undefined) {
      b = { counts, calls: [], order: [] };
      this.ioctlTallies.set(counts, b);
    }
    return b;
  }

  /** Throws if the stream was inconsistent (a phase ended twice or never began, or is still open). */
  check(): void {
    const open = this.open.map((o) => `phase ${o.name}${o.device ? ` of ${o.device}` : ''} began at ${o.start} ns and never ended`);
    const all = [...this.problems, ...open];
    if (all.length > 0) throw new Error(`inconsistent event stream: ${all.join('; ')}`);
  }

  /** The counts an event of `device` adds to: its phase's, and its device's in that phase. */
  private buckets(device: string): readonly [Bucket, Bucket] {
    if (device === this.lastDevice) return this.lastBuckets!;
    const pair = this.bucketsNow.get(device) ?? this.newBuckets(device);
    this.lastDevice = device;
    this.lastBuckets = pair;
    return pair;
  }

  /** buckets() of a device under the phases open now, at its first event there. */
  private newBuckets(device: string): readonly [Bucket, Bucket] {
    const name = this.devicePhase.get(device) ?? this.globalPhase ?? 'other';
    const byDevice = (this.deviceCounts[device] ??= {});
    const pair: [Bucket, Bucket] = [this.tally((this.phaseCounts[name] ??= emptyCounts())), this.tally((byDevice[name] ??= emptyCounts()))];
    this.bucketsNow.set(device, pair);
    return pair;
  }

  /** Index in `open` of the open phase `name` of `device` (no device: ''), or -1. */
  private openIndex(device: string | undefined, name: string): number {
    const d = device ?? '';
    for (let i = this.open.length - 1; i >= 0; i--) {
      const o = this.open[i]!;
      if (o.name === name && (o.device ?? '') === d) return i;
    }
    return -1;
  }

  private on(ev: ModelEvent): void {
    switch (ev.kind) {
      case 'phase': {
        if (TOP.has(ev.name)) {
          this.bucketsNow.clear();
          this.lastDevice = null;
          this.lastBuckets = null;
          if (ev.device !== undefined) {
            if (ev.edge === 'begin') this.devicePhase.set(ev.device, ev.name);
            else this.devicePhase.delete(ev.device);
          } else {
            this.globalPhase = ev.edge === 'begin' ? ev.name : null;
          }
        }
        const at = this.openIndex(ev.device, ev.name);
        if (ev.edge === 'begin') {
          // A second begin of an open phase restarts it in its place.
          const o: Open = { name: ev.name, device: ev.device, start: ev.t };
          if (at < 0) this.open.push(o);
          else this.open[at] = o;
        } else {
          const o = at < 0 ? undefined : this.open[at]!;
          if (o === undefined) {
            // Subscribers must not throw (RxJS would report it asynchronously): keep it for check().
            this.problems.push(`phase ${ev.name}${ev.device ? ` of ${ev.device}` : ''} ended at ${ev.t} ns without a begin`);
            return;
          }
          this.open.splice(at, 1);
          if (ev.name === 'downtime1' || ev.name === 'downtime2' || ev.name === 'recovery') this.windows.set(ev.name, [o.start, ev.t]);
          const span: PhaseSpan = { name: o.name, startNs: o.start, durNs: ev.t - o.start };
          if (o.device !== undefined) span.device = o.device;
          this.spans.push(span);
        }
        return;
      }
      case 'msg': {
        this.unflushed = true;
        const [phase, device] = this.buckets(ev.device);
        const id = typeId(ev.type);
        countCall(phase, id);
        countCall(device, id);
        if (ev.errno !== undefined) return;
        if (ev.type === 'IOTLB_UPDATE') {
          phase.counts.update++;
          device.counts.update++;
        } else if (ev.type === 'IOTLB_INVALIDATE') {
          phase.counts.invalidate++;
          device.counts.invalidate++;
        } else if (ev.type === 'IOTLB_BATCH_END') {
          phase.counts.batches++;
          device.counts.batches++;
        }
        return;
      }
      case 'mapWork':
        for (const { counts: c } of this.buckets(ev.device)) {
          if (ev.what === 'setMapRebuild') c.setMapRebuilds++;
          c.mkeysCreated += ev.mkeysCreated ?? 0;
          c.mkeysDestroyed += ev.mkeysDestroyed ?? 0;
        }
        return;
      case 'pin':
        for (const { counts: c } of this.buckets(ev.device)) {
          if (ev.pages >= 0) c.pagesPinned += ev.pages;
          else c.pagesUnpinned -= ev.pages;
        }
        return;
      case 'fault':
        for (const { counts: c } of this.buckets(ev.device)) c.faults++;
        return;
      case 'probe':
        if (ev.delivered) {
          const p = this.probeGaps(ev.device);
          if (p.from !== undefined) p.gaps.push(p.from, ev.t);
          p.from = ev.t;
        }
        return;
      case 'probePause': {
        const p = this.probeGaps(ev.device);
        if (ev.edge === 'pause') {
          // What ran since the last delivered probe is a gap like any other; the pause is not.
          if (p.from !== undefined) p.gaps.push(p.from, ev.t);
          p.from = undefined;
        } else {
          p.from = ev.lastDelivered ?? ev.t;
        }
        return;
      }
      case 'note':
        return;
    }
  }

  /**
   * Longest interval between two consecutive delivered probes of one device that overlaps
   * [from, to], over every device: what a user pinging each NIC would see as the outage. An
   * interval across a pause of the probe flow counts only up to the pause and from the resume.
   */
  longestProbeGap(from = -Infinity, to = Infinity): number | undefined {
    let best: number | undefined;
    for (const { gaps } of this.probes.values()) {
      if (gaps.length === 0) continue;
      best ??= 0;
      // Pairs are pushed together, so gaps.length is even and i + 1 is in range.
      for (let i = 0; i < gaps.length; i += 2) {
        if (gaps[i + 1]! >= from && gaps[i]! <= to) best = Math.max(best, gaps[i + 1]! - gaps[i]!);
      }
    }
    return best;
  }

  /** The probe gaps of `device`, created empty on first use. */
  private probeGaps(device: string): ProbeGaps {
    let p = this.probes.get(device);
    if (p === undefined) {
      p = { gaps: [], from: undefined };
      this.probes.set(device, p);
    }
    return p;
  }

  /** The downtime window `name` with its nested phases (start offsets relative to the window). */
  /** The phases still open, as a suffix for a message ("" when none). */
  openPhases(): string {
    const open = this.open.map((o) => `${o.name}${o.device ? ` of ${o.device}` : ''}`);
    return open.length === 0 ? '' : `; open phases: ${open.join(', ')}`;
  }

  /** Whether the run has a complete window of this name. */
  hasWindow(name: 'downtime1' | 'downtime2' | 'recovery'): boolean {
    return this.windows.has(name);
  }

  downtime(name: 'downtime1' | 'downtime2' | 'recovery'): Downtime {
    const w = this.windows.get(name);
    if (w === undefined) throw new Error(`the run ended without a complete ${name} window`);
    const [start, end] = w;
    const phases = this.spans
      .filter((s) => s.name !== name && s.startNs >= start && s.startNs + s.durNs <= end && !TOP.has(s.name))
      .map((s) => ({ ...s, startNs: s.startNs - start }))
      .sort((a, b) => a.startNs - b.startNs || cmpStr(a.device ?? '', b.device ?? '') || cmpStr(a.name, b.name));
    const out: Downtime = { totalNs: end - start, startNs: start, phases, counts: this.countsByPhase[name] ?? emptyCounts() };
    const gap = this.longestProbeGap(start, end);
    if (gap !== undefined) out.observedNs = gap;
    return out;
  }

  /** Every closed phase (absolute times), for traces. */
  allSpans(): readonly PhaseSpan[] {
    return this.spans;
  }
}
