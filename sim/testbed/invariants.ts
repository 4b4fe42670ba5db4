// invariants.ts — the data-plane invariants every run checks (DESIGN.md §5): every buffer the
// guest made available is used exactly once, used indices never go backward, the destination
// resumes at the source's indices, and no DMA faults unless one was injected. Each check counts;
// each violation is kept with the simulated time and the object it concerns.

import type { Virtqueue } from '../../device/shared/ring/index.js';

export class InvariantLog {
  /** Clock for time stamps. */
  private readonly now: () => number;
  /** Checks evaluated. */
  private count = 0;
  /** One line per violation: time, object, what broke. */
  readonly violations: string[] = [];
  /** Last used position seen per ring (split: used.idx; packed: slot + wrap), for monotonicity. */
  private readonly lastUsed = new Map<Virtqueue<number>, number>();

  constructor(now: () => number) {
    this.now = now;
  }

  /** Checks evaluated so far. */
  get checked(): number {
    return this.count;
  }

  /** Counts a check that holds by construction (a start that succeeded). */
  passed(): void {
    this.count++;
  }

  /** Records a violation now. */
  violation(object: string, message: string): void {
    this.violations.push(`t=${this.now()} ns ${object}: ${message}`);
  }

  /** Counts a check; records a violation when it fails. */
  check(ok: boolean, object: string, message: () => string): boolean {
    this.count++;
    if (!ok) this.violation(object, message());
    return ok;
  }

  /** Used indices never go backward: the published used position moved forward by at most num. */
  usedForward(ring: Virtqueue<number>): void {
    const s = ring.getDeviceState();
    const pos = s.layout === 'split' ? s.usedIdx : s.usedIdx + (s.usedWrapCounter ? 0 : ring.num);
    const mod = s.layout === 'split' ? 0x10000 : 2 * ring.num;
    const prev = this.lastUsed.get(ring);
    this.lastUsed.set(ring, pos);
    if (prev === undefined) return;
    const ahead = (((pos - prev) % mod) + mod) % mod;
    this.check(ahead <= ring.num, ring.name, () => `used index went from ${prev} to ${pos} (backward or past the ring)`);
  }
}
