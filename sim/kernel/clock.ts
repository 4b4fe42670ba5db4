// clock.ts — the part of the kernel that processes and signals need: the simulated time and a way
// to run a callback later. The kernel implements it; process.ts depends on it, not on the kernel.

import type { QueuedEvent } from './eventQueue.js';

/** A callback the kernel runs at an event's time, with the event's argument. */
export type EventFn = (arg: unknown) => void;

export interface Clock {
  /** Simulated time, integer nanoseconds. */
  readonly now: number;
  /** Runs `fn(arg)` after `delay` ns (>= 0); lower priority (an integer within ±1023) first on ties. */
  after(delay: number, fn: EventFn, arg?: unknown, priority?: number): QueuedEvent;
  /** Marks the start of a process step; returns the mark it replaces (Kernel.enterStep). */
  enterStep(resume: EventFn): EventFn | null;
  /** Ends a process step (Kernel.leaveStep). */
  leaveStep(outer: EventFn | null): void;
  /** A process body's wait of `delay` ns done without an event when its own would fire next (Kernel.advanceIfNext). */
  advanceIfNext(delay: number): boolean;
}
