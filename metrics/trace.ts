// trace.ts — Chrome / Perfetto trace JSON (Trace Event Format) of one run's model events.
//
// Tracks: tid 1 "VMM / migration" for phases and notes without a device, then one tid per
// device (sorted by name, from 2). Phases become complete events ('X', category "phase") from
// their begin to their end edge (a phase still open at the end closes at the last event time);
// vhost-vdpa messages ('X', "msg"), device map work ('X', "mapWork") and pinning ('X', "pin")
// run from t − dur to t (events are reported on completion). Faults, notes and lost probes are
// thread-scoped instants ('i'); delivered probes are left out. Timestamps are µs with the ns in
// the fraction. Output is deterministic: events are sorted by (ts, tid, input order).

import type { ModelEvent } from '../sim/events/events.js';
import { cmpStr } from './runMetrics.js';

/** One Trace Event Format record. */
interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

/** The trace document (JSON object form). */
export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ns' | 'ms';
  metadata: Record<string, unknown>;
}

/** What names the trace. */
export interface TraceMeta {
  /** Process name shown in the viewer, e.g. "switch-128g/baseline #3". */
  title?: string;
  /** Extra metadata (scenario, variant, seed, tool version…). */
  metadata?: Record<string, unknown>;
}

const PID = 1;
const VMM_TID = 1;
const us = (ns: number) => ns / 1000;

/** Convert the event stream of one run into a Chrome trace. */
export function toChromeTrace(events: readonly ModelEvent[], meta: TraceMeta = {}): ChromeTrace {
  const devices = [...new Set(events.map((e) => ('device' in e ? e.device : undefined)).filter((d): d is string => d !== undefined))].sort(cmpStr);
  const tidOf = new Map(devices.map((d, i) => [d, i + 2]));
  const tid = (device: string | undefined) => (device === undefined ? VMM_TID : tidOf.get(device)!);
  const out: { ev: TraceEvent; order: number }[] = [];
  let order = 0;
  const push = (ev: TraceEvent) => out.push({ ev, order: order++ });
  const open = new Map<string, { t: number; name: string; device?: string }[]>();
  let lastT = 0;

  for (const e of events) {
    lastT = Math.max(lastT, e.t);
    switch (e.kind) {
      case 'phase': {
        const key = `${e.device ?? ''}\u0000${e.name}`;
        let stack = open.get(key);
        if (!stack) open.set(key, (stack = []));
        if (e.edge === 'begin') stack.push({ t: e.t, name: e.name, device: e.device });
        else {
          const b = stack.pop();
          if (b) push({ name: e.name, ph: 'X', cat: 'phase', pid: PID, tid: tid(e.device), ts: us(b.t), dur: us(e.t - b.t) });
        }
        break;
      }
      case 'msg': {
        const args: Record<string, unknown> = {};
        if (e.asid !== undefined) args.asid = e.asid;
        if (e.iova !== undefined) args.iova = `0x${e.iova.toString(16)}`;
        if (e.size !== undefined) args.size = e.size;
        if (e.index !== undefined) args.index = e.index;
        if (e.value !== undefined) args.value = e.type === 'SET_STATUS' ? `0x${e.value.toString(16)}` : e.value;
        if (e.errno !== undefined) args.errno = e.errno;
        push({ name: e.errno ? `${e.type} (${e.errno})` : e.type, ph: 'X', cat: 'msg', pid: PID, tid: tid(e.device), ts: us(e.t - e.dur), dur: us(e.dur), args });
        break;
      }
      case 'mapWork': {
        const args: Record<string, unknown> = { asid: e.asid };
        if (e.mkeysCreated !== undefined) args.mkeysCreated = e.mkeysCreated;
        if (e.mkeysDestroyed !== undefined) args.mkeysDestroyed = e.mkeysDestroyed;
        if (e.ranges !== undefined) args.ranges = e.ranges;
        push({ name: e.what, ph: 'X', cat: 'mapWork', pid: PID, tid: tid(e.device), ts: us(e.t - e.dur), dur: us(e.dur), args });
        break;
      }
      case 'pin':
        push({ name: e.pages >= 0 ? 'pin' : 'unpin', ph: 'X', cat: 'pin', pid: PID, tid: tid(e.device), ts: us(e.t - e.dur), dur: us(e.dur), args: { pages: Math.abs(e.pages) } });
        break;
      case 'fault':
        push({ name: `fault: ${e.reason}`, ph: 'i', s: 't', cat: 'fault', pid: PID, tid: tid(e.device), ts: us(e.t), args: { vq: e.vq, asid: e.asid, iova: `0x${e.iova.toString(16)}`, access: e.access } });
        break;
      case 'note':
        push({ name: e.text, ph: 'i', s: 't', cat: 'note', pid: PID, tid: tid(e.device), ts: us(e.t) });
        break;
      case 'probe':
        if (!e.delivered) push({ name: 'probe lost', ph: 'i', s: 't', cat: 'probe', pid: PID, tid: tid(e.device), ts: us(e.t) });
        break;
    }
  }
  for (const stack of [...open.values()]) {
    for (const b of stack) push({ name: b.name, ph: 'X', cat: 'phase', pid: PID, tid: tid(b.device), ts: us(b.t), dur: us(lastT - b.t), args: { unclosed: true } });
  }
  out.sort((a, b) => a.ev.ts! - b.ev.ts! || a.ev.tid - b.ev.tid || a.order - b.order);

  const metaEvents: TraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: PID, tid: VMM_TID, args: { name: meta.title ?? 'svqsim' } },
    { name: 'thread_name', ph: 'M', pid: PID, tid: VMM_TID, args: { name: 'VMM / migration' } },
    { name: 'thread_sort_index', ph: 'M', pid: PID, tid: VMM_TID, args: { sort_index: 0 } },
    ...devices.flatMap((d): TraceEvent[] => [
      { name: 'thread_name', ph: 'M', pid: PID, tid: tidOf.get(d)!, args: { name: d } },
      { name: 'thread_sort_index', ph: 'M', pid: PID, tid: tidOf.get(d)!, args: { sort_index: tidOf.get(d)! } },
    ]),
  ];
  return { traceEvents: [...metaEvents, ...out.map((o) => o.ev)], displayTimeUnit: 'ns', metadata: { 'clock-domain': 'simulated', ...(meta.metadata ?? {}) } };
}
