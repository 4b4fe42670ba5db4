// scheduler.ts — an RxJS SchedulerLike on the kernel's heap, so RxJS time operators
// (timer, delay, interval, bufferTime, …) run on simulated time. Units are nanoseconds:
// `timer(1_000_000, simScheduler)` fires 1 ms of simulated time later.
// RxJS's VirtualTimeScheduler is not used: it re-sorts all actions on every schedule.

import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Kernel } from './kernel.js';
import type { QueuedEvent } from './eventQueue.js';

type Work<T> = (this: SchedulerAction<T>, state?: T) => void;

/** One scheduled unit of RxJS work; rescheduling reuses the action, as RxJS expects. */
class SimAction<T> extends Subscription implements SchedulerAction<T> {
  /** The scheduler that created this action. */
  private readonly scheduler: SimScheduler;
  /** The RxJS work function. */
  private readonly work: Work<T>;
  /** State passed to the next execution. */
  private state: T | undefined;
  /** The kernel event for the next execution, if one is pending. */
  private event: QueuedEvent | null = null;

  constructor(scheduler: SimScheduler, work: Work<T>) {
    super();
    this.scheduler = scheduler;
    this.work = work;
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    const kernel = this.scheduler.kernel;
    if (this.event !== null) kernel.cancel(this.event);
    this.event = kernel.after(delay, SimAction.fire as (a: unknown) => void, this);
    return this;
  }

  private static fire(this: void, action: SimAction<unknown>): void {
    action.event = null;
    if (action.closed) return;
    try {
      action.work.call(action, action.state);
    } catch (err) {
      action.unsubscribe();
      throw err;
    }
  }

  override unsubscribe(): void {
    if (this.closed) return;
    if (this.event !== null) {
      this.scheduler.kernel.cancel(this.event);
      this.event = null;
    }
    super.unsubscribe();
  }
}

/** RxJS scheduler whose clock is the kernel's (ns) and whose queue is the kernel's heap. */
export class SimScheduler implements SchedulerLike {
  /** The kernel providing time and the queue. */
  readonly kernel: Kernel;

  constructor(kernel: Kernel) {
    this.kernel = kernel;
  }

  now(): number {
    return this.kernel.now;
  }

  schedule<T>(work: Work<T>, delay = 0, state?: T): Subscription {
    return new SimAction<T>(this, work).schedule(state, delay);
  }
}
