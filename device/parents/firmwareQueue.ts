// firmwareQueue.ts — the mlx5_vdpa async firmware command throttle (mlx5_vdpa_exec_async_cmds in
// drivers/vdpa/mlx5/core/resources.c, used by the MKEY series): at most `capacity` commands in
// flight, slots granted first come first served, and a batch of commands issued by as many
// submitters as the throttle has slots, each taking the batch's next command as soon as its
// previous one completes. The schedule is computed rather than played out command by command:
// the queue keeps the commands in flight and the submitters waiting, advances them to the time a
// new batch arrives, and projects when every batch will end; each batch costs one kernel event,
// not three per command. The order is that of submitter processes on a FIFO resource
// (test/device/parents/firmwareSchedule.test.ts compares the two, byte for byte).

import { Signal, type Kernel, type QueuedEvent, type Waitable } from '../../sim/kernel/index.js';

/** One batch of commands and its submitters. */
interface Batch {
  /** Command times, in the order commands start. */
  readonly durations: readonly number[];
  /** Commands claimed by a submitter (a submitter claims before it asks for a slot). */
  claimed: number;
  /** Commands started. */
  started: number;
  /** Submitters still running. */
  alive: number;
  /** Settles when the last submitter ends. */
  readonly done: Signal<void>;
  /** The kernel event that settles `done` at the projected end (rescheduled when a later batch changes it). */
  ev: QueuedEvent | null;
  /** The projected end time the event is set for. */
  endAt: number;
}

/** A command holding a slot: when it ends, in start order on ties. */
interface InFlight {
  end: number;
  seq: number;
  batch: Batch;
}

/** The throttle's state: what a projection copies. */
interface QueueState {
  /** Commands in flight (at most capacity; a linear scan finds the next to end). */
  inflight: InFlight[];
  /** Submitters waiting for a slot, by batch, oldest first. */
  waiting: Batch[];
  /** Free slots. */
  free: number;
  /** Next start sequence number (tie-break between equal end times). */
  seq: number;
}

export class FirmwareQueue {
  /** Simulation kernel. */
  private readonly kernel: Kernel;
  /** Commands in flight at most. */
  readonly capacity: number;
  /** The real state, advanced to the last issue. */
  private readonly state: QueueState;
  /** Batches not yet settled, in issue order. */
  private batches: Batch[] = [];
  /** The settle event's callback (one for every batch). */
  private readonly settle: (b: unknown) => void;

  constructor(kernel: Kernel, capacity: number) {
    this.kernel = kernel;
    this.capacity = capacity;
    this.state = { inflight: [], waiting: [], free: capacity, seq: 0 };
    this.settle = (b) => {
      const batch = b as Batch;
      batch.ev = null;
      batch.done.trigger();
    };
  }

  /** Slot time of every command issued so far (ns). */
  private busyNs = 0;

  /** Commands in flight now. */
  inUse(): number {
    this.advance(this.kernel.now);
    return this.state.inflight.length;
  }

  /** Mean share of the slots busy between t=0 and now. */
  utilisation(): number {
    const now = this.kernel.now;
    this.advance(now);
    let busy = this.busyNs;
    for (const f of this.state.inflight) busy -= Math.max(0, f.end - now);
    for (const b of this.batches) for (let k = b.started; k < b.durations.length; k++) busy -= b.durations[k]!;
    return now === 0 ? 0 : busy / now / this.capacity;
  }

  /** Issues commands of the given times now; settles when the last one completes. */
  issue(durations: readonly number[]): Waitable<void> {
    const done = new Signal<void>(this.kernel);
    if (durations.length === 0) {
      done.trigger();
      return done;
    }
    this.advance(this.kernel.now);
    const batch: Batch = { durations, claimed: 0, started: 0, alive: 0, done, ev: null, endAt: Number.NaN };
    for (const d of durations) this.busyNs += d;
    this.batches.push(batch);
    // Each submitter's first step: claim a command and ask for a slot.
    const n = Math.min(durations.length, this.capacity);
    for (let i = 0; i < n; i++) {
      batch.alive++;
      batch.claimed++;
      acquire(this.state, batch, this.kernel.now);
    }
    this.project();
    return done;
  }

  /** Plays the real state forward through every command end at or before `t`. */
  private advance(t: number): void {
    const s = this.state;
    for (;;) {
      const i = nextEnd(s.inflight);
      if (i < 0 || s.inflight[i]!.end > t) break;
      complete(s, i);
    }
    this.batches = this.batches.filter((b) => b.alive > 0 || b.ev !== null);
  }

  /** Projects every live batch's end from the real state and sets its settle event there. */
  private project(): void {
    const live = this.batches.filter((b) => b.alive > 0);
    // A copy of the live batches' counters and of the queue, in the same shape.
    const copies = new Map<Batch, Batch>();
    for (const b of live) copies.set(b, { ...b, ev: null });
    const s = this.state;
    const p: QueueState = {
      inflight: s.inflight.map((f) => ({ end: f.end, seq: f.seq, batch: copies.get(f.batch)! })),
      waiting: s.waiting.map((b) => copies.get(b)!),
      free: s.free,
      seq: s.seq,
    };
    const ends = new Map<Batch, number>();
    for (;;) {
      const i = nextEnd(p.inflight);
      if (i < 0) break;
      const f = p.inflight[i]!;
      complete(p, i);
      if (f.batch.alive === 0) ends.set(f.batch, f.end);
    }
    for (const b of live) {
      const end = ends.get(copies.get(b)!)!;
      if (b.ev !== null && b.endAt === end) continue;
      if (b.ev !== null) this.kernel.cancel(b.ev);
      b.endAt = end;
      b.ev = this.kernel.at(end, this.settle, b);
    }
  }
}

/** Index of the command in flight that ends first (start order on ties), -1 when none. */
function nextEnd(inflight: readonly InFlight[]): number {
  let j = -1;
  for (let i = 0; i < inflight.length; i++) {
    const f = inflight[i]!;
    if (j < 0 || f.end < inflight[j]!.end || (f.end === inflight[j]!.end && f.seq < inflight[j]!.seq)) j = i;
  }
  return j;
}

/** A submitter of `batch` that claimed a command asks for a slot at `t`: it starts, or waits. */
function acquire(s: QueueState, batch: Batch, t: number): void {
  if (s.free > 0) {
    s.free--;
    start(s, batch, t);
  } else {
    s.waiting.push(batch);
  }
}

/** A submitter of `batch` holding a slot starts the batch's next command at `t`. */
function start(s: QueueState, batch: Batch, t: number): void {
  s.inflight.push({ end: t + batch.durations[batch.started++]!, seq: s.seq++, batch });
}

/**
 * The command at `i` ends: its slot goes to the oldest waiting submitter (or is freed), then its
 * submitter claims the batch's next command and asks for a slot again, or ends.
 */
function complete(s: QueueState, i: number): void {
  const f = s.inflight[i]!;
  const last = s.inflight.pop()!;
  if (i < s.inflight.length) s.inflight[i] = last;
  const next = s.waiting.shift();
  if (next !== undefined) start(s, next, f.end);
  else s.free++;
  const b = f.batch;
  if (b.claimed < b.durations.length) {
    b.claimed++;
    acquire(s, b, f.end);
  } else {
    b.alive--;
  }
}
