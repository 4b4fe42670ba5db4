// ringError.ts — the error thrown when a ring invariant breaks (a buffer used twice, an index going backward).

/**
 * A protocol violation between driver and device: it names the ring and the index or buffer id
 * involved, never the simulated time (the caller adds it when it reports the failure).
 */
export class RingInvariantError extends Error {
  /** The ring the violation happened on (its configured name). */
  readonly ring: string;

  constructor(ring: string, message: string) {
    super(`${ring}: ${message}`);
    this.name = 'RingInvariantError';
    this.ring = ring;
  }
}
