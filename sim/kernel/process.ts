// process.ts — generator processes on the kernel, written as top-to-bottom code.
// A process yields a number (sleep that many ns) or a Waitable (resume when it settles).
// `yield* wait(w)` gives the settled value with its type.

import type { Clock } from './clock.js';
import { SimulationError } from './errors.js';

/** Something a process can wait for: it calls `resume` exactly once, later, through the kernel. */
export interface Waitable<T> {
  onSettled(resume: (value: T) => void): void;
}

/** What a process body may yield: a delay in ns, or a Waitable. */
type Yieldable = number | Waitable<unknown>;

/** A process body: a generator that yields Yieldables and returns T. */
export type Proc<T = void> = Generator<Yieldable, T, unknown>;

/** Waits for `w` inside a process and returns its value, typed. */
export function* wait<T>(w: Waitable<T>): Proc<T> {
  return (yield w) as T;
}

/** Sleeps `ns` nanoseconds inside a process (same as `yield ns`, usable with yield*). */
export function* sleep(ns: number): Proc<void> {
  yield ns;
}

/** A running generator process; it is itself a Waitable that settles with the body's return value. */
export class Process<T> implements Waitable<T> {
  /** The kernel hosting this process. */
  private readonly kernel: Clock;
  /** The generator body. */
  private readonly body: Proc<T>;
  /** Human-readable name, used in error messages. */
  readonly name: string;
  /** True once the body has returned. */
  done = false;
  /** The body's return value once done. */
  result: T | undefined;
  /** Callbacks waiting for completion; null after completion. */
  private waiters: ((value: T) => void)[] | null = [];
  /** Bound resume function, created once per process (a class field: see eslint.config.js on closures in properties). */
  private readonly resumeFn = (value: unknown): void => this.step(value);

  constructor(kernel: Clock, body: Proc<T>, name: string) {
    this.kernel = kernel;
    this.body = body;
    this.name = name;
    kernel.after(0, this.resumeFn, undefined);
  }

  onSettled(resume: (value: T) => void): void {
    if (this.waiters === null) {
      this.kernel.after(0, resume as (arg: unknown) => void, this.result);
    } else {
      this.waiters.push(resume);
    }
  }

  private step(value: unknown): void {
    // The mark lets the body take Kernel.advanceIfNext's fast path while it is the firing event.
    const kernel = this.kernel;
    const outer = kernel.enterStep(this.resumeFn);
    let r = this.body.next(value);
    // A delay whose own timer would be the next event to fire is slept here, without the heap:
    // the same clock and order as scheduling it (Kernel.advanceIfNext).
    while (r.done !== true && typeof r.value === 'number' && kernel.advanceIfNext(r.value)) r = this.body.next(undefined);
    kernel.leaveStep(outer);
    if (r.done) {
      this.done = true;
      this.result = r.value;
      const waiters = this.waiters as ((value: T) => void)[];
      this.waiters = null;
      for (const w of waiters) this.kernel.after(0, w as (arg: unknown) => void, r.value);
      return;
    }
    const y = r.value;
    if (typeof y === 'number') {
      this.kernel.after(y, this.resumeFn, undefined);
    } else if (y !== null && typeof y === 'object' && typeof y.onSettled === 'function') {
      y.onSettled(this.resumeFn);
    } else {
      // The body yielded something else (possible from untyped code): report it as it is.
      const bad: unknown = y;
      throw new SimulationError(`process ${this.name} yielded ${String(bad)}; expected a delay in ns or a Waitable`);
    }
  }
}

/** A one-shot signal: processes wait on it; trigger() wakes them all with a value. */
export class Signal<T = void> implements Waitable<T> {
  /** The kernel used to deliver wake-ups. */
  private readonly kernel: Clock;
  /** Waiting callbacks; null once triggered. */
  private waiters: ((value: T) => void)[] | null = [];
  /** The value delivered, once triggered. */
  value: T | undefined;

  constructor(kernel: Clock) {
    this.kernel = kernel;
  }

  get triggered(): boolean {
    return this.waiters === null;
  }

  trigger(value: T): void {
    if (this.waiters === null) throw new SimulationError('signal triggered twice');
    const waiters = this.waiters;
    this.waiters = null;
    this.value = value;
    for (const w of waiters) this.kernel.after(0, w as (arg: unknown) => void, value);
  }

  onSettled(resume: (value: T) => void): void {
    if (this.waiters === null) this.kernel.after(0, resume as (arg: unknown) => void, this.value);
    else this.waiters.push(resume);
  }
}

/** Settles when every Waitable has settled, with their values in order. */
export function allOf<T>(kernel: Clock, items: readonly Waitable<T>[]): Waitable<T[]> {
  const out = new Signal<T[]>(kernel);
  const values: T[] = new Array<T>(items.length);
  let left = items.length;
  if (left === 0) out.trigger(values);
  items.forEach((w, i) =>
    w.onSettled((v) => {
      values[i] = v;
      if (--left === 0) out.trigger(values);
    }),
  );
  return out;
}
