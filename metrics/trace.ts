// trace.ts — Chrome / Perfetto trace JSON (Trace Event Format) of one run's model events.
//
// Processes: pid 1 "migration" (phases and notes without a device: boot, downtime windows,
// pre-copy, the transfer; the guest's probe flow), then one process per host — a device named
// "src:net0" belongs to host "src" (pid 2, "source host"), "dst:net0" to "dst" (pid 3,
// "destination host"); further host prefixes follow in name order.
// Tracks (threads): in each process one track per device (sorted by name), plus "VMM / migration"
// for the device-less events. Every track holds properly nested slices only: a device's
// asynchronous work (deferred MKEY destruction, `mrDestroy`, which runs on a work queue while the
// next calls go on) goes on the device's "async work" tracks, and any slice that would partly
// overlap the slices already on a track (it would not nest) goes on the next track of the same
// kind that takes it, so nothing is misdrawn or dropped by the viewer.
// Slices: phases become complete events ('X', category "phase") from their begin to their end edge
// (a phase still open at the end closes at the last event time); vhost-vdpa messages ('X', "msg"),
// device map work ('X', "mapWork") and pinning ('X', "pin") run from t − dur to t (events are
// reported on completion). Faults, notes and lost probes are thread-scoped instants ('i');
// delivered probes are left out.
// Time: every edge is rounded to the ns first, and ts/dur are µs with at most three decimals (the
// ns), so ts + dur of a child never passes its parent's end by float noise.
// Output is deterministic: events are sorted by (ts, longer first, pid, tid, input order), the
// order in which a viewer must see a parent and its children.

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
  /** Names the migration process in the viewer, e.g. "switch-128g/baseline #3". */
  title?: string;
  /** Extra metadata (scenario, variant, seed, tool version…). */
  metadata?: Record<string, unknown>;
}

/** pid of the migration process (device-less phases and notes, the guest's probe flow). */
const MIGRATION_PID = 1;
const HOST_NAMES: Record<string, string> = { src: 'source host', dst: 'destination host' };
/** Known hosts first, in this order; others after them by name. */
const HOST_ORDER = ['src', 'dst'];

/** Deferred device work that runs beside the calls that follow it (a work queue), not inside them. */
function isAsync(e: ModelEvent): boolean {
  return e.kind === 'mapWork' && e.what === 'mrDestroy';
}

/** Host prefix of a device name ("src:net0" → "src"), or undefined for an unqualified name. */
function hostOf(device: string): string | undefined {
  const i = device.indexOf(':');
  return i > 0 ? device.slice(0, i) : undefined;
}

/** A slice or instant before it is given a track; times in integer ns. */
interface Pending {
  /** Which group of tracks: the device, or '' for the device-less events. */
  device: string;
  async: boolean;
  start: number;
  end: number;
  ev: Omit<TraceEvent, 'pid' | 'tid' | 'ts' | 'dur'>;
  order: number;
}

/** One track of a group: the slices still open on it (a stack of end times). */
interface Lane {
  tid: number;
  open: number[];
}

/** Convert the event stream of one run into a Chrome trace. */
export function toChromeTrace(events: readonly ModelEvent[], meta: TraceMeta = {}): ChromeTrace {
  const ns = (t: number) => Math.round(t);
  const pending: Pending[] = [];
  const add = (device: string | undefined, start: number, end: number, ev: Pending['ev'], async = false) =>
    pending.push({ device: device ?? '', async, start: ns(start), end: Math.max(ns(start), ns(end)), ev, order: pending.length });
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
          if (b) add(e.device, b.t, e.t, { name: e.name, ph: 'X', cat: 'phase' });
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
        add(e.device, e.t - e.dur, e.t, { name: e.errno ? `${e.type} (${e.errno})` : e.type, ph: 'X', cat: 'msg', args });
        break;
      }
      case 'mapWork': {
        const args: Record<string, unknown> = { asid: e.asid };
        if (e.mkeysCreated !== undefined) args.mkeysCreated = e.mkeysCreated;
        if (e.mkeysDestroyed !== undefined) args.mkeysDestroyed = e.mkeysDestroyed;
        if (e.ranges !== undefined) args.ranges = e.ranges;
        add(e.device, e.t - e.dur, e.t, { name: e.what, ph: 'X', cat: 'mapWork', args }, isAsync(e));
        break;
      }
      case 'pin':
        add(e.device, e.t - e.dur, e.t, { name: e.pages >= 0 ? 'pin' : 'unpin', ph: 'X', cat: 'pin', args: { pages: Math.abs(e.pages) } });
        break;
      case 'fault':
        add(e.device, e.t, e.t, { name: `fault: ${e.reason}`, ph: 'i', s: 't', cat: 'fault', args: { vq: e.vq, asid: e.asid, iova: `0x${e.iova.toString(16)}`, access: e.access } });
        break;
      case 'note':
        add(e.device, e.t, e.t, { name: e.text, ph: 'i', s: 't', cat: 'note' });
        break;
      case 'iopf':
        // Page faults overlap the calls and one another: they go on the device's async tracks.
        add(e.device, e.t - e.latencyNs, e.t, { name: 'page fault', ph: 'X', cat: 'iopf', args: { vq: e.vq, pages: e.pages, stalled: e.stalled } }, true);
        break;
      case 'iopfInvalidate':
        add(e.device, e.t, e.t, { name: `invalidate (${e.source})`, ph: 'i', s: 't', cat: 'iopf', args: { pages: e.pages } });
        break;
      case 'probe':
        if (!e.delivered) add(e.device, e.t, e.t, { name: 'probe lost', ph: 'i', s: 't', cat: 'probe', ...(e.count !== undefined && e.count !== 1 ? { args: { count: e.count } } : {}) });
        break;
    }
  }
  for (const stack of [...open.values()]) {
    for (const b of stack) add(b.device, b.t, lastT, { name: b.name, ph: 'X', cat: 'phase', args: { unclosed: true } });
  }
  // Parents before children: earlier start first, then the longer slice.
  pending.sort((a, b) => a.start - b.start || b.end - a.end || a.order - b.order);

  // Processes: the migration, then the hosts.
  const devices = [...new Set(pending.map((p) => p.device))].filter((d) => d !== '').sort(cmpStr);
  const hosts = [...new Set(devices.map(hostOf).filter((h): h is string => h !== undefined))].sort(
    (a, b) => rank(HOST_ORDER, a) - rank(HOST_ORDER, b) || cmpStr(a, b),
  );
  const pidOfHost = new Map(hosts.map((h, i) => [h, MIGRATION_PID + 1 + i]));
  const pidOf = (device: string) => {
    const h = device === '' ? undefined : hostOf(device);
    return h === undefined ? MIGRATION_PID : pidOfHost.get(h)!;
  };

  // Tracks: per group (device or '' × sync/async) a list of lanes, each holding nested slices only.
  const groups = new Map<string, { pid: number; label: string; async: boolean; device: string; lanes: Lane[] }>();
  const nextTid = new Map<number, number>();
  const groupOf = (p: Pending) => {
    const key = `${p.device}\u0000${p.async ? 'a' : 's'}`;
    let g = groups.get(key);
    if (!g) {
      const probesOnly = !pending.some((q) => q.device === p.device && q.ev.cat !== 'probe');
      const label = p.device === '' ? 'VMM / migration' : hostOf(p.device) === undefined && probesOnly ? `${p.device} (guest probe flow)` : p.device;
      groups.set(key, (g = { pid: pidOf(p.device), label, async: p.async, device: p.device, lanes: [] }));
    }
    return g;
  };
  const newLane = (g: { pid: number; lanes: Lane[] }) => {
    const tid = nextTid.get(g.pid) ?? 1;
    nextTid.set(g.pid, tid + 1);
    const lane = { tid, open: [] };
    g.lanes.push(lane);
    return lane;
  };
  // Lanes are created in a fixed order (the sync track of each device first, by device name) so
  // that tids do not depend on which slice happened to come first.
  for (const device of ['', ...devices]) {
    const first = pending.find((p) => p.device === device && !p.async);
    if (first) newLane(groupOf(first));
  }

  const out: { ev: TraceEvent; start: number; end: number; order: number }[] = [];
  for (const p of pending) {
    const g = groupOf(p);
    const fits = (lane: Lane) => {
      while (lane.open.length > 0 && lane.open[lane.open.length - 1]! <= p.start) lane.open.pop();
      const top = lane.open[lane.open.length - 1];
      return top === undefined || p.end <= top;
    };
    const lane = g.lanes.find(fits) ?? newLane(g);
    if (p.ev.ph === 'X') lane.open.push(p.end);
    const ev: TraceEvent = { ...p.ev, pid: g.pid, tid: lane.tid, ts: p.start / 1000 };
    if (p.ev.ph === 'X') ev.dur = (p.end - p.start) / 1000;
    out.push({ ev: reorder(ev), start: p.start, end: p.end, order: p.order });
  }
  out.sort((a, b) => a.start - b.start || b.end - a.end || a.ev.pid - b.ev.pid || a.ev.tid - b.ev.tid || a.order - b.order);

  const metaEvents: TraceEvent[] = [];
  const processName = (pid: number, name: string, sort: number) =>
    metaEvents.push(
      { name: 'process_name', ph: 'M', pid, tid: 0, args: { name } },
      { name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: sort } },
    );
  processName(MIGRATION_PID, meta.title ? `migration ${meta.title}` : 'migration', 0);
  for (const [h, pid] of pidOfHost) processName(pid, HOST_NAMES[h] ?? `host ${h}`, pid);
  const threads: { pid: number; tid: number; name: string }[] = [];
  for (const g of groups.values()) {
    g.lanes.forEach((lane, i) => {
      const base = g.async ? `${g.label} async work` : g.label;
      threads.push({ pid: g.pid, tid: lane.tid, name: i === 0 ? base : `${base} (${i + 1})` });
    });
  }
  // Within a process: each device's sync track, then its async tracks; device-less tracks first.
  const sortKey = (t: { pid: number; tid: number; name: string }) => {
    const g = [...groups.values()].find((x) => x.pid === t.pid && x.lanes.some((l) => l.tid === t.tid))!;
    return [g.device, g.async ? 1 : 0, t.tid] as const;
  };
  threads.sort((a, b) => {
    const [da, aa, ta] = sortKey(a);
    const [db, ab, tb] = sortKey(b);
    return a.pid - b.pid || cmpStr(da, db) || aa - ab || ta - tb;
  });
  threads.forEach((t, i) =>
    metaEvents.push(
      { name: 'thread_name', ph: 'M', pid: t.pid, tid: t.tid, args: { name: t.name } },
      { name: 'thread_sort_index', ph: 'M', pid: t.pid, tid: t.tid, args: { sort_index: i } },
    ),
  );
  return { traceEvents: [...metaEvents, ...out.map((o) => o.ev)], displayTimeUnit: 'ns', metadata: { 'clock-domain': 'simulated', ...(meta.metadata ?? {}) } };
}

function rank(order: readonly string[], x: string): number {
  const i = order.indexOf(x);
  return i < 0 ? order.length : i;
}

/** The usual key order of a trace event (name, ph, cat, pid, tid, ts, dur, s, args), for readable JSON. */
function reorder(e: TraceEvent): TraceEvent {
  const { name, ph, cat, pid, tid, ts, dur, s, args } = e;
  const r: TraceEvent = { name, ph, pid, tid };
  if (cat !== undefined) r.cat = cat;
  if (ts !== undefined) r.ts = ts;
  if (dur !== undefined) r.dur = dur;
  if (s !== undefined) r.s = s;
  if (args !== undefined) r.args = args;
  return r;
}
