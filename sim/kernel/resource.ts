// resource.ts — a counted resource with a FIFO wait queue, for serialized work
// (e.g. a device's firmware command queue with a concurrency limit).

import type { Kernel } from './kernel.js';
import { SimulationError } from './errors.js';
import type { Proc, Waitable } from './process.js';

export class Resource {
  /** The kernel used to deliver grants. */
  private readonly kernel: Kernel;
  /** How many holders may hold the resource at once. */
  readonly capacity: number;
  /** Current holders. */
  private holders = 0;
  /** Processes waiting for a slot, first come first served. */
  private readonly waiting: ((v: void) => void)[] = [];
  /** Head index into `waiting` (avoids shift()). */
  private head = 0;
  /** Integral of holders over time, for utilisation. */
  private busyIntegral = 0;
  /** Time of the last change of `holders`. */
  private lastChange = 0;
  /** Largest queue length seen. */
  maxQueue = 0;
  /** The Waitable acquire() hands out: stateless, so one serves every caller. */
  private readonly grant: Waitable<void>;

  constructor(kernel: Kernel, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new SimulationError(`resource capacity must be a positive integer, got ${capacity}`);
    }
    this.kernel = kernel;
    this.capacity = capacity;
    this.grant = { onSettled: (resume) => this.enqueue(resume) };
  }

  get inUse(): number {
    return this.holders;
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Mean number of holders between t=0 and now. */
  utilisation(): number {
    const now = this.kernel.now;
    const integral = this.busyIntegral + this.holders * (now - this.lastChange);
    return now === 0 ? 0 : integral / now / this.capacity;
  }

  private account(delta: number): void {
    const now = this.kernel.now;
    this.busyIntegral += this.holders * (now - this.lastChange);
    this.lastChange = now;
    this.holders += delta;
  }

  /** No slot held and nobody waiting. */
  get idle(): boolean {
    return this.holders === 0 && this.queued === 0;
  }

  /**
   * Accounts `slotNs` of slot-time that work scheduled directly (never through acquire/release)
   * used up to now, so utilisation() stays the same as if it had held the slots.
   */
  addBusy(slotNs: number): void {
    this.account(0);
    this.busyIntegral += slotNs;
  }

  /** A Waitable that settles when the caller holds one slot. */
  acquire(): Waitable<void> {
    return this.grant;
  }

  /**
   * Fast path of `yield acquire()` for a process body: takes a free slot without yielding when
   * the grant's 0 ns event would be the next to fire (Kernel.advanceIfNext), so the state and
   * the order of everything else are those of the yield. False: nothing taken, yield acquire().
   */
  acquireNow(): boolean {
    if (this.holders >= this.capacity || !this.kernel.advanceIfNext(0)) return false;
    this.account(1);
    return true;
  }

  /** Grants a slot now if one is free, else queues the caller. */
  private enqueue(resume: (v: void) => void): void {
    if (this.holders < this.capacity) {
      this.account(1);
      this.kernel.after(0, resume as (arg: unknown) => void, undefined);
    } else {
      this.waiting.push(resume);
      this.maxQueue = Math.max(this.maxQueue, this.queued);
    }
  }

  /** Gives a slot back; the longest waiter, if any, gets it. */
  release(): void {
    if (this.holders === 0) throw new SimulationError('resource released more often than acquired');
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head++];
      if (this.head === this.waiting.length) {
        // Drained: start the array over instead of letting it grow for the resource's lifetime.
        this.waiting.length = 0;
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.kernel.after(0, next as (arg: unknown) => void, undefined);
    } else {
      this.account(-1);
    }
  }

  /** Runs `body` while holding one slot. */
  *use<T>(body: Proc<T>): Proc<T> {
    if (!this.acquireNow()) yield this.acquire();
    try {
      return yield* body;
    } finally {
      this.release();
    }
  }
}
