// errors.ts — the kernel's own error type: misuse of the clock or the queue.

/** Thrown on a kernel contract violation (negative delay, clock regression, non-integer time). */
export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}
