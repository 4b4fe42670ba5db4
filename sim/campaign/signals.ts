// signals.ts — SIGINT, SIGTERM and SIGHUP as a stop request: the first one aborts, a second one
// exits at once with the signal's status (128 + its number).

/** The signals that stop a campaign. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** The exit status each stop signal gives. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Listens for the stop signals from its creation until `dispose()`. A command creates one before
 * it plans, so a signal that arrives before the first run starts stops the campaign too (without
 * a listener the signal's default action would end the process with no word).
 */
export class SignalWatch {
  /** The first stop signal received. */
  received: StopSignal | undefined;
  /** Aborted by the first stop signal. */
  readonly stop: AbortSignal;
  private readonly controller = new AbortController();
  private readonly onSignal = (s: StopSignal) => {
    if (this.received !== undefined) process.exit(SIGNAL_EXIT[s]);
    this.received = s;
    this.controller.abort();
  };

  constructor() {
    this.stop = this.controller.signal;
    for (const s of STOP_SIGNALS) process.on(s, this.onSignal);
  }

  dispose(): void {
    for (const s of STOP_SIGNALS) process.off(s, this.onSignal);
  }
}
