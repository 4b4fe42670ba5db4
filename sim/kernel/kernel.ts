// kernel.ts — the simulation kernel: an integer-nanosecond clock and a binary-heap event queue.
// The tiny core everything else runs on (SimPy-like): schedule callbacks, run them in
// (time, priority, sequence) order, and host generator processes (process.ts).

import { EventQueue, MAX_PRIORITY, QueuedEvent, SEQ_SPAN, tieKey } from './eventQueue.js';
import { SimulationError } from './errors.js';
import { Process, type Proc } from './process.js';
import type { Clock, EventFn } from './clock.js';

export type { EventFn };

/** Throws the error of a bad delay: negative, or not an integer number of nanoseconds (kept out of after()'s hot path). */
function badDelay(delay: number): never {
  if (delay < 0) throw new SimulationError(`negative delay ${delay} ns`);
  checkTime('delay', delay);
  throw new SimulationError(`delay must be an integer number of nanoseconds, got ${delay}`);
}

function checkTime(what: string, t: number): void {
  if (!Number.isSafeInteger(t)) {
    throw new SimulationError(`${what} must be an integer number of nanoseconds, got ${t}`);
  }
}

/** Kernel options. */
export interface KernelOptions {
  /** advanceIfNext's fast path (default true); false schedules every wait, for equivalence checks. */
  inlineWaits?: boolean;
}

export class Kernel implements Clock {
  /** Current simulated time, integer ns; never decreases. */
  private clock = 0;
  /** Pending events. */
  private readonly queue = new EventQueue();
  /** Next insertion sequence number (tie-breaker). */
  private nextSeq = 0;
  /** Events fired so far (cancelled ones excluded). */
  private fired = 0;
  /** Set by stop(); makes run() return after the current event. */
  private stopped = false;
  /** The limit of the run() in progress; -Infinity outside run() (no fast path then). */
  private limit = Number.NEGATIVE_INFINITY;
  /** The callback of the event being fired (between events the last one fired; null after run()). */
  private firing: EventFn | null = null;
  /** The resume callback of the process whose body is running now (enterStep); null if none. */
  private stepping: EventFn | null = null;
  /** Whether advanceIfNext may take its fast path. */
  private readonly inlineWaits: boolean;

  constructor(opts: KernelOptions = {}) {
    this.inlineWaits = opts.inlineWaits ?? true;
  }

  /** Current simulated time in integer nanoseconds. */
  get now(): number {
    return this.clock;
  }

  /** Number of events fired so far. */
  get processed(): number {
    return this.fired;
  }

  /** Number of queued entries (cancelled entries may still be counted until they surface). */
  get pending(): number {
    return this.queue.size;
  }

  /** Schedules fn(arg) at absolute time `time` (>= now). Lower priority (an integer, |p| <= 1023) fires first on ties. */
  at(time: number, fn: EventFn, arg?: unknown, priority = 0): QueuedEvent {
    checkTime('event time', time);
    if (time < this.clock) {
      throw new SimulationError(`cannot schedule at t=${time} ns: the clock is already at ${this.clock} ns`);
    }
    const ev = new QueuedEvent(time, this.tieKey(priority), fn, arg);
    this.queue.push(ev);
    return ev;
  }

  /** The next sequence number, as the tie-break key of an event of this priority. */
  private tieKey(priority: number): number {
    const seq = this.nextSeq++;
    if (priority === 0 && seq < SEQ_SPAN) return seq;
    if (!Number.isInteger(priority) || Math.abs(priority) > MAX_PRIORITY) {
      throw new SimulationError(`event priority must be an integer in [-${MAX_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`);
    }
    if (seq >= SEQ_SPAN) throw new SimulationError(`more than ${SEQ_SPAN} events scheduled in one run`);
    return tieKey(priority, seq);
  }

  /** Schedules fn(arg) after `delay` ns (a non-negative integer). */
  after(delay: number, fn: EventFn, arg?: unknown, priority = 0): QueuedEvent {
    if (!(delay >= 0 && Number.isSafeInteger(delay))) badDelay(delay);
    // tieKey's common case (priority 0) in line: this is the hot path of every timer.
    const seq = this.nextSeq;
    let key: number;
    if (priority === 0 && seq < SEQ_SPAN) {
      this.nextSeq = seq + 1;
      key = seq;
    } else {
      key = this.tieKey(priority);
    }
    const ev = new QueuedEvent(this.clock + delay, key, fn, arg);
    this.queue.push(ev);
    return ev;
  }

  /** Cancels a pending event; returns false if it already fired or was cancelled. */
  cancel(ev: QueuedEvent): boolean {
    if (ev.fn === null) return false;
    ev.fn = null;
    ev.arg = undefined;
    return true;
  }

  /** Starts a generator process now; see process.ts for what it may yield. */
  spawn<T>(body: Proc<T>, name = 'process'): Process<T> {
    return new Process(this, body, name);
  }

  /** Fires the next pending event; returns false when the queue is empty. */
  step(): boolean {
    const queue = this.queue;
    for (;;) {
      const ev = queue.pop();
      if (ev === undefined) return false;
      if (ev.fn === null) continue;
      this.fire(ev);
      return true;
    }
  }

  /** Fires a live event just taken off the queue: the clock moves to it and its callback runs. */
  private fire(ev: QueuedEvent): void {
    const fn = ev.fn!;
    if (ev.time < this.clock) {
      throw new SimulationError(`clock regression: event at ${ev.time} ns while the clock is at ${this.clock} ns`);
    }
    this.clock = ev.time;
    ev.fn = null;
    this.fired++;
    // Left set after the event (the next one overwrites it; run() clears it when it returns).
    this.firing = fn;
    fn(ev.arg);
  }

  /**
   * Runs events until the queue is empty, stop() is called, or the next event lies beyond `until`
   * (then the clock is advanced to `until`). Returns the time reached.
   */
  run(until = Number.POSITIVE_INFINITY): number {
    if (until !== Number.POSITIVE_INFINITY) checkTime('run limit', until);
    this.stopped = false;
    const outerLimit = this.limit;
    this.limit = until;
    try {
      const queue = this.queue;
      while (!this.stopped) {
        const head = queue.peek();
        if (head === undefined) break;
        if (head.fn === null) {
          queue.pop();
          continue;
        }
        if (head.time > until) {
          this.clock = until;
          break;
        }
        // step(), inlined for the hot loop: the head is live and due, so it is the one to fire.
        queue.pop();
        this.fire(head);
      }
    } finally {
      this.limit = outerLimit;
      this.firing = null;
      this.stepping = null;
    }
    return this.clock;
  }

  /**
   * Marks the start of a process step (process.ts): `resume` is the process's resume callback.
   * Returns the mark it replaces, for leaveStep. While the mark is the callback of the event
   * being fired, the process body is the whole rest of that event.
   */
  enterStep(resume: EventFn): EventFn | null {
    const outer = this.stepping;
    this.stepping = resume;
    return outer;
  }

  /** Ends a process step started by enterStep. */
  leaveStep(outer: EventFn | null): void {
    this.stepping = outer;
  }

  /**
   * Fast path for a wait of `delay` ns that a process body is about to yield (a delay, or a
   * grant that would be scheduled after 0 ns). It gives the same result as yielding: when the
   * body runs as the event being fired, inside run(), and no live event is due at or before
   * now + delay (nor run()'s limit passed, nor stop() called), the process's own timer would be
   * the very next event to fire, so nothing can run in between. Then the clock moves to
   * now + delay, that timer counts as fired (and takes its sequence number, so later events
   * keep theirs), and true is returned: the body goes on without yielding. Otherwise nothing
   * changes and false is returned: the body yields as usual. Only a process body may call it,
   * at the point where it would yield.
   */
  advanceIfNext(delay: number): boolean {
    const resume = this.stepping;
    if (resume === null || resume !== this.firing || this.stopped || !this.inlineWaits) return false;
    const time = this.clock + delay;
    if (!(delay >= 0) || !Number.isSafeInteger(time) || time > this.limit) return false;
    const queue = this.queue;
    let head = queue.peek();
    while (head !== undefined && head.fn === null) {
      // Cancelled entries are dropped when they surface; dropping them here changes nothing.
      queue.pop();
      head = queue.peek();
    }
    if (head !== undefined && head.time <= time) return false;
    this.clock = time;
    this.nextSeq++;
    this.fired++;
    return true;
  }

  /** Makes the current run() return once the event being fired completes. */
  stop(): void {
    this.stopped = true;
  }
}
