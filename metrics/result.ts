// result.ts — the versioned result document written by `svqsim run` (and read by compare,
// gate, report, merge). Bump RESULT_VERSION on any incompatible change.

export const RESULT_VERSION = 1;

/** Message and work counts for one phase (or a whole run). */
export interface Counts {
  update: number;
  invalidate: number;
  /** BATCH_BEGIN/BATCH_END pairs completed. */
  batches: number;
  setMapRebuilds: number;
  mkeysCreated: number;
  mkeysDestroyed: number;
  pagesPinned: number;
  pagesUnpinned: number;
  faults: number;
  /** Every ioctl / IOTLB message by type name. */
  ioctls: Record<string, number>;
}

/** One phase of a downtime window. */
export interface PhaseSpan {
  name: string;
  device?: string;
  startNs: number;
  durNs: number;
}

/** One downtime window (#1 the SVQ switch, #2 the switchover). */
export interface Downtime {
  /** From the first SUSPEND (or VM stop) to the data plane forwarding again, in ns. */
  totalNs: number;
  startNs: number;
  phases: PhaseSpan[];
  /** Longest gap of the probe flow inside this window, when a probe runs. */
  observedNs?: number;
  counts: Counts;
}

/** Pre-copy and migration totals. */
interface MigrationTotals {
  iterations: number;
  bytesSent: number;
  precopyNs: number;
  totalNs: number;
  converged: boolean;
}

/** One simulated migration. */
/** A failed migration: the step, the errno, where the VM runs after QEMU's recovery. */
export interface RunOutcome {
  status: 'failed';
  /** boot, destinationInit, migrate (a migration blocker refused the command), svqSwitch, precopy (a cancel), sourceStop, destinationStart, stalled, or dataPlane (a NIC left down). */
  step: string;
  /** The device whose call failed, when one did. */
  device?: string;
  errno: string;
  reason: string;
  /** When it failed (ns of simulated time). */
  atNs: number;
  vmRunsOn: 'source' | 'destination' | 'nowhere';
  /** The source's NICs forward again after the recovery. */
  recovered: boolean;
  /** Why the recovery did not bring a NIC back, when it did not. */
  recoveryFailure?: string;
  /** QEMU's recovery window: the source's NICs stopped and started again in passthrough. */
  recovery?: Downtime;
}

export interface RunRecord {
  scenario: string;
  variant: string;
  /** The sweep values that define the variant. */
  params: Record<string, unknown>;
  replication: number;
  /** The seed of the replication stream (scenario seed + replication index by jump-ahead). */
  seed: number;
  downtime1: Downtime;
  downtime2: Downtime;
  /** Longest gap of the probe flow over the whole migration. */
  observedNs?: number;
  migration: MigrationTotals;
  /** Counts for the whole run by phase name (e.g. "downtime1", "precopy", "downtime2", "init"). */
  countsByPhase: Record<string, Counts>;
  /** The same counts per device ("src:net0", "dst:net0", …), then per phase. */
  countsByDevice?: Record<string, Record<string, Counts>>;
  invariants: { checked: number; violations: string[] };
  /** Present when the migration failed; its downtime windows are those reached (empty otherwise). */
  outcome?: RunOutcome;
  /** Present when the run used the pageFaults strategy: the devices' page faults and what they cost. */
  pageFaults?: PageFaultRecord;
}

/** Summary of fault latencies (ns): percentiles and a power-of-two histogram. */
export interface FaultLatency {
  count: number;
  meanNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  maxNs: number;
  /** log2Counts[i]: faults whose latency is in [2^i, 2^(i+1)) ns (index 0 also holds 0 ns). */
  log2Counts: number[];
}

/** The devices' page faults of one run (pageFaults strategy; device/core/iopf.ts). */
export interface PageFaultRecord {
  /** Faults (one per faulting buffer) by top-level phase; those after downtime #2 ended under "postSwitchover". */
  faultsByPhase: Record<string, number>;
  /** The same per device, then per phase. */
  faultsByDevice: Record<string, Record<string, number>>;
  /** 4 KiB pages the faults requested. */
  pages: number;
  /** From each faulting access to the buffer's use. */
  latency: FaultLatency;
  /** Time vqs spent stopped behind a fault (in-order devices, synchronous `va` faults), summed over vqs. */
  stallNs: number;
  /** Buffers the devices used while an earlier one was still in flight. */
  outOfOrder: number;
  /** Used entries that folded several buffers (PARTIAL_ORDER batches between FLUSH entries). */
  flushBatches: number;
  /** Invalidations that reached a device taking faults: unmaps by vhost-vdpa, the mm notifier of discards. */
  invalidations: { unmap: number; mmNotifier: number };
  /** The data plane after the switchover (destination start to the end of the run), summed over NICs. */
  postSwitchover: {
    windowNs: number;
    /** RX frames the destination devices took, and those they dropped (no buffer, or a vq stopped behind a fault). */
    rxFrames: number;
    rxDropped: number;
  };
}

/** Summary statistics of one metric over a variant's runs (values in ns). */
export interface Stats {
  count: number;
  min: number;
  max: number;
  mean: number;
  stdev: number;
  /** 95% confidence interval of the mean. */
  ci95: [number, number];
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

/** Aggregate of one variant. */
export interface VariantAggregate {
  scenario: string;
  variant: string;
  params: Record<string, unknown>;
  runs: number;
  metrics: Record<string, Stats>;
  /** Base64 compressed HDR histograms (hdr-histogram-js encodeIntoCompressedBase64), by metric. */
  histograms: Record<string, string>;
  /** Mean counts per run, by phase. */
  meanCounts: Record<string, Counts>;
}

export interface ResultDocument {
  resultVersion: typeof RESULT_VERSION;
  tool: { name: 'svqsim'; version: string };
  scenarios: {
    file: string;
    name: string;
    hash: string;
    seed: number;
    /** The scenario's `gates:` thresholds ("downtime2.p99 < 300ms"), checked by `svqsim gate`. */
    gates?: string[];
    /** Variant ids in the scenario's own order (variants, then sweep points): how reports list them. */
    variants?: string[];
    /**
     * The strategies some variant enables, none of them upstream QEMU, with the proposal each
     * comes from (absent when every variant runs the upstream sequence).
     */
    strategies?: { name: string; source: string }[];
  }[];
  /** Set when only part of the runs were executed (--shard) */
  shard?: { index: number; count: number };
  /** True when the run was interrupted and these are the runs finished before. */
  partial?: boolean;
  runs: RunRecord[];
  /** Keyed by "<scenario>/<variant>". */
  aggregates: Record<string, VariantAggregate>;
}

export function emptyCounts(): Counts {
  return {
    update: 0,
    invalidate: 0,
    batches: 0,
    setMapRebuilds: 0,
    mkeysCreated: 0,
    mkeysDestroyed: 0,
    pagesPinned: 0,
    pagesUnpinned: 0,
    faults: 0,
    ioctls: {},
  };
}
