// faultPlan.ts — injected faults of one run, in the spirit of the kernel's fault-injection
// framework (lib/fault-inject.c): each fault names a point (an IOTLB UPDATE in vhost-vdpa's
// handler, a control command at the device, DRIVER_OK at the device), a device, the window it
// applies in and which occurrence fails. The points ask `hit`; the run tells the plan the window.

/** Where a fault fires. */
export type FaultPoint = 'iotlbUpdate' | 'cvqCommand' | 'driverOk';

/** One injected fault. */
export interface FaultSpec {
  readonly point: FaultPoint;
  /** Device name as the host sees it ("src:net0", "dst:net0"). */
  readonly device: string;
  /** The top-level window it applies in ("downtime1", "precopy", "downtime2", …), or any. */
  readonly during: string;
  /** Which occurrence in that window fails (1 = the first). */
  readonly nth: number;
  /** The errno the failing call returns (iotlbUpdate), or a label for the others. */
  readonly errno: string;
}

export class FaultPlan {
  /** The faults, in scenario order. */
  private readonly specs: readonly FaultSpec[];
  /** Occurrences seen per fault in its current window. */
  private readonly seen: number[];
  /** Whether each fault has fired already (each fires once). */
  private readonly fired: boolean[];
  /** The top-level window the run is in. */
  private window = 'boot';

  constructor(specs: readonly FaultSpec[]) {
    this.specs = specs;
    this.seen = specs.map(() => 0);
    this.fired = specs.map(() => false);
  }

  /** The run entered a top-level window: occurrence counts restart there. */
  enter(window: string): void {
    this.window = window;
    for (let i = 0; i < this.specs.length; i++) if (this.specs[i]!.during === window) this.seen[i] = 0;
  }

  /** An occurrence of `point` on `device`: the errno to fail it with, or null. */
  hit(point: FaultPoint, device: string): string | null {
    for (let i = 0; i < this.specs.length; i++) {
      const f = this.specs[i]!;
      if (this.fired[i] || f.point !== point || f.device !== device) continue;
      if (f.during !== 'any' && f.during !== this.window) continue;
      this.seen[i] = this.seen[i]! + 1;
      if (this.seen[i] === f.nth) {
        this.fired[i] = true;
        return f.errno;
      }
    }
    return null;
  }
}

/** A plan with no faults: every point passes. */
export const NO_FAULTS = new FaultPlan([]);
