// firmwareQueue.ts — the mlx5_vdpa async firmware command throttle (mlx5_vdpa_exec_async_cmds in
// drivers/vdpa/mlx5/core/resources.c, used by the MKEY series): at most `capacity` commands in
// flight, slots granted first come first served, and a batch of commands issued by as many
// submitters as the throttle has slots, each taking the batch's next command as soon as its
// previous one completes. The schedule is computed rather than played out command by command:
// the queue keeps the commands in flight and the submitters waiting, looks ahead on a copy to
// the next time a batch ends (or at most LOOKAHEAD_ENDS command ends) and sets one kernel event
// there, taking the copy over when it fires; a new batch arriving before it starts again from
// the real state. A batch costs a few kernel events, not three per command. The order is that of submitter processes on a FIFO
// resource (firmwareQueue.property.test.ts, firmwareSchedule.test.ts: byte for byte). A batch of
// equal commands issued into an idle queue is not played at all: its slots run in lock-step
// rounds, so its end is known at once, and its state at any time is counted when another batch
// arrives before it ends (issueUniform). Once such a batch is alone again after others went
// (its slots now out of step), it is counted again from there (refold): each slot then runs on
// its own with period d; and two such batches taking turns (every slot handed from one to the
// other at each round's end) are jumped a pair of rounds at a time (fastForward), so only the
// few rounds where batches begin, end or meet a third are played command by command.

import { Signal, type Kernel, type QueuedEvent, type Waitable } from '../../sim/kernel/index.js';

/**
 * Command ends a look-ahead plays at most before it sets its event: what a new batch arriving
 * in between can waste, against one kernel event per that many commands.
 */
const LOOKAHEAD_ENDS = 256;

/** One batch of commands: what never changes, and its signal. */
interface Batch {
  /** Commands in the batch. */
  readonly count: number;
  /** Command times, in the order commands start; null when every command takes `d`. */
  readonly durations: readonly number[] | null;
  /** Every command's time when `durations` is null. */
  readonly d: number;
  /** Settles when the last submitter ends. */
  readonly done: Signal<void>;
  /** `done` was triggered. */
  settled: boolean;
}

/** Where a batch's submitters are (part of the state a look-ahead copies). */
interface Progress {
  /** The batch. */
  readonly batch: Batch;
  /** Commands claimed by a submitter (a submitter claims before it asks for a slot). */
  claimed: number;
  /** Commands started. */
  started: number;
  /** Submitters still running. */
  alive: number;
}

/** A command holding a slot: when it ends, in start order on ties, and its batch's progress in this state. */
interface InFlight {
  end: number;
  seq: number;
  p: Progress;
}

/** The throttle's state at some time. */
interface QueueState {
  /** Commands in flight (at most capacity), a binary heap by (end, seq): the next to end on top. */
  inflight: InFlight[];
  /** Submitters waiting for a slot, as their batch's progress in this state, oldest first. */
  waiting: Progress[];
  /** Free slots. */
  free: number;
  /** Next start sequence number (tie-break between equal end times). */
  seq: number;
  /** Progress of every batch not yet ended in this state. */
  progress: Map<Batch, Progress>;
}

/**
 * A batch of equal commands counted rather than played: issued into an idle queue, or left alone
 * in it with nobody waiting (refold). Each of its slots then runs on its own: the slot whose
 * command ends takes the batch's next one, so with every command `d` long the slots keep the
 * order of their first ends (those lie within d of each other) and command m + j (m slots)
 * starts on slot j mod m when that slot's round j / m ends.
 */
interface UniformRun {
  /** Commands of the run, the m in flight when it began included. */
  readonly count: number;
  /** Each command's time (ns). */
  readonly d: number;
  /** When each slot's first command ends, slots in the order of those ends (start order on ties); null in lock-step. */
  readonly ends0: readonly number[] | null;
  /** Start numbers of those first commands; null in lock-step. */
  readonly seqs0: readonly number[] | null;
  /** Slots it runs on (m); with ends0 and seqs0 null, all m first commands end at `firstEnd`, numbered seqNext - m + i. */
  readonly slots: number;
  /** When the first commands end, in lock-step (ends0 null). */
  readonly firstEnd: number;
  /** Start number of the first command started after them (the others follow in order). */
  readonly seqNext: number;
  /** When its last command ends. */
  readonly end: number;
  /** Settles then. */
  readonly done: Signal<void>;
  /** The kernel event at that end. */
  readonly ev: QueuedEvent;
}

export class FirmwareQueue {
  /** Simulation kernel. */
  private readonly kernel: Kernel;
  /** Commands in flight at most. */
  readonly capacity: number;
  /** The real state, advanced at most to now. */
  private state: QueueState;
  /** The state at the next batch end (a copy of `state` played forward), or null. */
  private ahead: QueueState | null = null;
  /** The kernel event at the next batch end, where `ahead` becomes the real state. */
  private aheadEv: QueuedEvent | null = null;
  /** Batches not yet settled, in issue order. */
  private readonly open: Batch[] = [];
  /** Slot time of every command issued so far (ns). */
  private busyNs = 0;
  /** The look-ahead event's callback. */
  private readonly arrive = (): void => {
    this.aheadEv = null;
    this.state = this.ahead!;
    this.ahead = null;
    this.settleEnded();
    this.lookAhead();
  };
  /** The batch of equal commands being counted instead of played, or null. */
  private run: UniformRun | null = null;
  /** Its end event's callback. */
  private readonly runEnds = (): void => {
    const r = this.run!;
    this.run = null;
    this.state.seq = r.seqNext + r.count - r.slots;
    r.done.trigger();
  };

  constructor(kernel: Kernel, capacity: number) {
    this.kernel = kernel;
    this.capacity = capacity;
    this.state = { inflight: [], waiting: [], free: capacity, seq: 0, progress: new Map() };
  }

  /** Commands in flight now. */
  inUse(): number {
    advance(this.state, this.kernel.now);
    return this.state.inflight.length + (this.run === null ? 0 : runAt(this.run, this.kernel.now).inflight.length);
  }

  /** Mean share of the slots busy between t=0 and now. */
  utilisation(): number {
    const now = this.kernel.now;
    advance(this.state, now);
    let busy = this.busyNs;
    const r = this.run;
    if (r !== null) {
      const at = runAt(r, now);
      if (at.inflight.length > 0) {
        for (const c of at.inflight) busy -= c.end - now;
        busy -= (r.count - at.started) * r.d;
      }
    }
    for (const f of this.state.inflight) busy -= Math.max(0, f.end - now);
    for (const [b, p] of this.state.progress) for (let k = p.started; k < b.count; k++) busy -= durationOf(b, k);
    return now === 0 ? 0 : busy / now / this.capacity;
  }

  /** Issues commands of the given times now; settles when the last one completes. */
  issue(durations: readonly number[]): Waitable<void> {
    const done = new Signal<void>(this.kernel);
    if (durations.length === 0) {
      done.trigger();
      return done;
    }
    this.catchUp();
    this.enqueue(batchOf(durations.length, 0, durations, done));
    return done;
  }

  /**
   * Issues `count` commands of `d` ns each now (what issue() does with that many equal times).
   * Into an idle queue they are counted, not played: every slot runs ceil(count / capacity)
   * lock-step rounds, and the batch ends after the last.
   */
  issueUniform(count: number, d: number): Waitable<void> {
    const done = new Signal<void>(this.kernel);
    if (count === 0) {
      done.trigger();
      return done;
    }
    this.catchUp();
    const s = this.state;
    if (s.inflight.length > 0 || s.waiting.length > 0 || s.progress.size > 0) {
      this.enqueue(batchOf(count, d, null, done));
      return done;
    }
    const now = this.kernel.now;
    this.busyNs += count * d;
    const end = now + Math.ceil(count / this.capacity) * d;
    const m = Math.min(count, this.capacity);
    this.run = { count, d, ends0: null, seqs0: null, slots: m, firstEnd: now + d, seqNext: s.seq + m, end, done, ev: this.kernel.at(end, this.runEnds) };
    return done;
  }

  /**
   * Brings the real state to now before a batch arrives: every command ending now ends (and its
   * batch settles) before the new submitters ask for slots; a counted batch still running
   * becomes played state.
   */
  private catchUp(): void {
    const now = this.kernel.now;
    if (this.aheadEv !== null) this.kernel.cancel(this.aheadEv);
    this.aheadEv = null;
    this.ahead = null;
    if (this.run !== null) this.unfold(this.run, now);
    advance(this.state, now);
    this.settleEnded();
  }

  /**
   * The played state of a counted batch at `now`: each slot's current command in flight, the
   * submitters that found nothing left ended; or, if its last command ended now, settled.
   */
  private unfold(r: UniformRun, now: number): void {
    this.run = null;
    this.kernel.cancel(r.ev);
    const s = this.state;
    const at = runAt(r, now);
    const m = r.slots;
    if (at.inflight.length === 0) {
      s.seq = r.seqNext + r.count - m;
      r.done.trigger();
      return;
    }
    const batch = batchOf(r.count, r.d, null, r.done);
    const p = progressOf(batch, at.started, at.started, at.inflight.length);
    for (const c of at.inflight) {
      s.inflight.push(inFlight(c.end, c.seq, p));
      siftUp(s.inflight, s.inflight.length - 1);
    }
    s.free = this.capacity - at.inflight.length;
    s.seq = r.seqNext + at.started - m;
    s.progress.set(batch, p);
    this.open.push(batch);
  }

  /** Adds a batch to the real state (brought to now) and looks ahead again. */
  private enqueue(batch: Batch): void {
    const now = this.kernel.now;
    this.busyNs = addTimes(this.busyNs, batch);
    this.open.push(batch);
    const p = progressOf(batch, 0, 0, 0);
    this.state.progress.set(batch, p);
    // Each submitter's first step: claim a command and ask for a slot.
    const n = Math.min(batch.count, this.capacity);
    for (let i = 0; i < n; i++) {
      p.alive++;
      p.claimed++;
      acquire(this.state, p, now);
    }
    this.lookAhead();
  }

  /** Triggers every batch that has ended in the real state. */
  private settleEnded(): void {
    const progress = this.state.progress;
    // Compacted in place, oldest first: the same triggers in the same order as a filter().
    const open = this.open;
    let kept = 0;
    for (const b of open) {
      if (progress.has(b)) {
        open[kept++] = b;
        continue;
      }
      if (!b.settled) {
        b.settled = true;
        b.done.trigger();
      }
    }
    open.length = kept;
  }

  /**
   * Counts the real state again instead of playing it when it is a counted batch's state: one
   * batch of equal commands left, nobody waiting, every submitter holding a slot. From there
   * each slot runs on its own (UniformRun), as a counted batch's do, and unfold() turns it back
   * into played state if another batch arrives first. Returns whether it did.
   */
  private refold(): boolean {
    const s = this.state;
    const h = s.inflight;
    const m = h.length;
    if (this.run !== null || s.waiting.length > 0 || s.progress.size !== 1 || m === 0) return false;
    const p = h[0]!.p;
    const b = p.batch;
    if (b.durations !== null || !(b.d > 0) || p.claimed !== p.started || p.alive !== m) return false;
    // Slots in the order their commands end. All started by now and none ended before now, so
    // their ends lie in [now, now + d]: each slot's later ends keep that order, round by round.
    const slots = h.slice().sort((x, y) => (before(x, y) ? -1 : 1));
    const ends0 = slots.map((f) => f.end);
    const seqs0 = slots.map((f) => f.seq);
    const count = m + b.count - p.started;
    // The last command runs on slot (count - 1) mod m, in its round (count - 1) / m; it ends last.
    const end = ends0[(count - 1) % m]! + Math.floor((count - 1) / m) * b.d;
    s.progress.delete(b);
    h.length = 0;
    s.free = this.capacity;
    const open = this.open;
    open.splice(open.indexOf(b), 1);
    this.run = { count, d: b.d, ends0, seqs0, slots: m, firstEnd: ends0[0]!, seqNext: s.seq, end, done: b.done, ev: this.kernel.at(end, this.runEnds) };
    return true;
  }

  /**
   * Plays a copy of the real state forward to the next end of a batch, or through
   * LOOKAHEAD_ENDS command ends, and sets the event at the last end it played.
   */
  private lookAhead(): void {
    const s = this.state;
    if (s.inflight.length === 0 || this.refold()) return;
    const progress = new Map<Batch, Progress>();
    // The same entries in the same order as the real state's, without the intermediate arrays.
    for (const [b, p] of s.progress) progress.set(b, progressOf(b, p.claimed, p.started, p.alive));
    const copy: QueueState = {
      inflight: s.inflight.map((f) => inFlight(f.end, f.seq, progress.get(f.p.batch)!)),
      waiting: s.waiting.map((p) => progress.get(p.batch)!),
      free: s.free,
      seq: s.seq,
      progress,
    };
    let end = this.kernel.now;
    for (let n = 0; n < LOOKAHEAD_ENDS && copy.inflight.length > 0; n++) {
      const jumped = fastForward(copy, Number.POSITIVE_INFINITY);
      if (jumped >= 0) {
        end = jumped;
        continue;
      }
      end = copy.inflight[0]!.end;
      if (complete(copy)) break;
    }
    this.ahead = copy;
    this.aheadEv = this.kernel.at(end, this.arrive);
  }
}

/** A counted batch's command in flight: when it ends, its start number. */
interface RunCommand {
  end: number;
  seq: number;
}

/**
 * Where a counted batch is at `t`: the commands it has started (ends at or before `t` count as
 * ended, as advance() plays them, each starting the next command if one is left) and those in
 * flight, slot by slot (none once it ended).
 */
function runAt(r: UniformRun, t: number): { started: number; inflight: RunCommand[] } {
  const m = r.slots;
  const inflight: RunCommand[] = [];
  let ended = 0;
  for (let i = 0; i < m; i++) {
    // Commands of slot i: i, i + m, i + 2m, … below count.
    const onSlot = Math.floor((r.count - 1 - i) / m) + 1;
    const e0 = r.ends0 === null ? r.firstEnd : r.ends0[i]!;
    const done = t < e0 ? 0 : r.d === 0 ? onSlot : Math.min(onSlot, Math.floor((t - e0) / r.d) + 1);
    ended += done;
    if (done < onSlot) {
      const k = i + done * m;
      inflight.push({ end: e0 + done * r.d, seq: k >= m ? r.seqNext + k - m : r.seqs0 === null ? r.seqNext - m + k : r.seqs0[k]! });
    }
  }
  return { started: Math.min(r.count, m + ended), inflight };
}

/** Plays `s` forward through every command end at or before `t`. */
function advance(s: QueueState, t: number): void {
  while (s.inflight.length > 0 && s.inflight[0]!.end <= t) if (fastForward(s, t) < 0) complete(s);
}

/**
 * Two batches of equal commands taking turns, played round by round at once: every slot holds
 * a command of batch X ending at the same instant with consecutive start numbers, and as many
 * submitters of batch Y (all of them) wait. Then X's ends hand every slot to Y's waiters and X's
 * submitters queue behind them, Y's ends hand the slots back the same way, and so on for as long
 * as each has a whole round of commands left to claim. Jumps the pairs of rounds whose ends lie
 * at or before `t`, leaving the state as playing them would. Returns the last end it played, or
 * -1 when the state is not that or no pair fits.
 */
function fastForward(s: QueueState, t: number): number {
  const h = s.inflight;
  const w = s.waiting;
  const c = h.length;
  if (c === 0 || s.free !== 0 || w.length !== c || s.progress.size !== 2) return -1;
  const px = h[0]!.p;
  const py = w[0]!;
  const x = px.batch;
  const y = py.batch;
  if (px === py || x.durations !== null || y.durations !== null || !(x.d > 0) || !(y.d > 0)) return -1;
  if (px.alive !== c || px.claimed !== px.started || py.alive !== c || py.claimed !== py.started + c) return -1;
  const at = h[0]!.end;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < c; i++) {
    const f = h[i]!;
    if (f.p !== px || f.end !== at || w[i] !== py) return -1;
    first = Math.min(first, f.seq);
    last = Math.max(last, f.seq);
  }
  if (first !== s.seq - c || last !== s.seq - 1) return -1;
  const period = x.d + y.d;
  // Pairs of rounds: X's submitters claim a whole round at X's ends, Y's at Y's ends, and Y's
  // ends of the last pair jumped lie at or before t.
  const byX = Math.floor((x.count - px.claimed) / c);
  const byY = Math.floor((y.count - py.claimed) / c);
  const byT = t < at + y.d ? 0 : Math.floor((t - at - y.d) / period) + 1;
  const k = Math.min(byX, byY, byT);
  if (!(k > 0)) return -1;
  px.claimed += k * c;
  px.started += k * c;
  py.claimed += k * c;
  py.started += k * c;
  s.seq += 2 * k * c;
  const end = at + k * period;
  // X's commands of the next pair: equal ends, start numbers in array order (a heap).
  for (let i = 0; i < c; i++) {
    const f = h[i]!;
    f.end = end;
    f.seq = s.seq - c + i;
  }
  return end - x.d;
}

/** Whether in-flight command a ends before b (start order on equal ends). */
function before(a: InFlight, b: InFlight): boolean {
  return a.end < b.end || (a.end === b.end && a.seq < b.seq);
}

/** Moves the entry at `i` up to its place in the heap. */
function siftUp(h: InFlight[], i: number): void {
  const e = h[i]!;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(e, h[parent]!)) break;
    h[i] = h[parent]!;
    i = parent;
  }
  h[i] = e;
}

/** Moves the top entry down to its place in the heap. */
function siftDown(h: InFlight[]): void {
  const n = h.length;
  const e = h[0]!;
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && before(h[c + 1]!, h[c]!)) c++;
    if (!before(h[c]!, e)) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = e;
}

/** A submitter of p's batch that claimed a command asks for a slot at `t`: it starts, or waits. */
function acquire(s: QueueState, p: Progress, t: number): void {
  if (s.free > 0) {
    s.free--;
    start(s, p, t);
  } else {
    s.waiting.push(p);
  }
}

/** A submitter of p's batch holding a slot starts the batch's next command at `t`. */
function start(s: QueueState, p: Progress, t: number): void {
  s.inflight.push(inFlight(t + durationOf(p.batch, p.started++), s.seq++, p));
  siftUp(s.inflight, s.inflight.length - 1);
}

/** One shape for every Batch: `count` commands of the times given, or all of `d` ns. */
function batchOf(count: number, d: number, durations: readonly number[] | null, done: Signal<void>): Batch {
  return { count, durations, d, done, settled: false };
}

/** The time of command `k` of a batch. */
function durationOf(b: Batch, k: number): number {
  return b.durations === null ? b.d : b.durations[k]!;
}

/**
 * `total` plus every command time of the batch, added one by one as the commands' times would
 * be (the product for equal integer times, which sums to the same exact integer).
 */
function addTimes(total: number, b: Batch): number {
  if (b.durations === null && b.d >= 0 && Number.isSafeInteger(total) && Number.isSafeInteger(b.d) && Number.isSafeInteger(total + b.count * b.d)) return total + b.count * b.d;
  for (let k = 0; k < b.count; k++) total += durationOf(b, k);
  return total;
}

/** One shape for every InFlight (copies included), so the hot loop stays monomorphic. */
function inFlight(end: number, seq: number, p: Progress): InFlight {
  return { end, seq, p };
}

/** One shape for every Progress. */
function progressOf(batch: Batch, claimed: number, started: number, alive: number): Progress {
  return { batch, claimed, started, alive };
}

/**
 * The command on top of the heap ends: its slot goes to the oldest waiting submitter (or is freed), then its
 * submitter claims the batch's next command and asks for a slot again, or ends. At most one
 * command starts (a waiter means no slot was free), and it reuses the ended command's entry.
 * Returns whether that was the batch's last submitter (the batch ended).
 */
function complete(s: QueueState): boolean {
  const h = s.inflight;
  const f = h[0]!;
  const t = f.end;
  const p = f.p;
  const b = p.batch;
  const next = s.waiting.shift();
  let starter: Progress | undefined = next;
  let ended = false;
  if (p.claimed < b.count) {
    p.claimed++;
    // With a waiter the slot went to it and this submitter queues; else it takes its own slot back.
    if (next === undefined) starter = p;
    else s.waiting.push(p);
  } else {
    p.alive--;
    if (next === undefined) s.free++;
    if (p.alive === 0) {
      s.progress.delete(b);
      ended = true;
    }
  }
  if (starter === undefined) {
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      siftDown(h);
    }
  } else {
    f.end = t + durationOf(starter.batch, starter.started++);
    f.seq = s.seq++;
    f.p = starter;
    siftDown(h);
  }
  return ended;
}
