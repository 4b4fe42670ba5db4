// simulateMigration.ts — one simulated migration: builds the kernel, the source and destination
// hosts (host.ts), wires each NIC's data path (nicWiring.ts), runs the migration timeline to
// completion and returns the run's record.

import { Kernel, Rng } from '../kernel/index.js';
import { EventBus, type ModelEvent } from '../events/events.js';
import type { Scenario } from '../scenario/scenario.js';
import { RunRecorder } from '../../metrics/recorder.js';
import { emptyCounts, type Downtime, type RunRecord } from '../../metrics/result.js';
import { GuestMemory } from '../../vmm/guestMemory.js';
import { DirtyLog } from '../../vmm/dirtyLog.js';
import { NetCtrlState } from '../../vmm/cvqState.js';
import { migrate, type MigrationOutcome, type NetPair } from '../../vmm/migration.js';
import { PAGE_SIZE } from '../../device/shared/pinSet.js';
import type { Result } from '../../device/uapi/errno.js';
import { DirtyModel } from '../guest/dirtyModel.js';
import { buildHost, type HostContext } from './host.js';
import { wireNic, type NicWiring } from './nicWiring.js';
import type { DetailMode } from './detailWindows.js';
import { RunFailure } from './runFailure.js';
import { FaultPlan, type FaultSpec } from '../../device/shared/faultPlan.js';
import { PageFaultRun } from './pageFaultRun.js';
import { recycleSince, slabMark } from '../../device/shared/ring/ringSlab.js';


/** What identifies one run inside an invocation. */
export interface RunInput {
  scenario: Scenario;
  variant: string;
  params: Record<string, unknown>;
  /** Index among the variant's recorded (or warm-up) runs. */
  replication: number;
  /** Replication stream: the run's randomness is Rng.forReplication(seed, stream). */
  stream: number;
  /** The scenario seed. */
  seed: number;
}

export interface RunOptions {
  /** Keep every model event (for traces); costs memory. */
  keepEvents?: boolean;
  /**
   * The kernel's inline waits (default true); false schedules every wait as an event: the
   * reference the fast path is tested against (the same record, more events).
   */
  inlineWaits?: boolean;
  /**
   * 'windows' (default): the data plane in detail only where something changes; 'full': every
   * burst and probe in detail — the reference the windows are tested against.
   */
  detail?: DetailMode;
}

export interface RunOutput {
  record: RunRecord;
  events?: ModelEvent[];
  /** Kernel events the run fired (for the bench; not part of the result). */
  eventsFired: number;
}

/** The built testbed of one run: both hosts, every NIC's wiring, and the migration's inputs. */
interface Testbed {
  kernel: Kernel;
  bus: EventBus;
  memory: GuestMemory;
  pairs: NetPair[];
  nics: NicWiring[];
  dstMem: { touch(hva: number, len: number): void };
  model: DirtyModel | undefined;
  /** The pageFaults strategy's discards and record, when the scenario uses it. */
  pageFaults: PageFaultRun | null;
}

/** The top-level windows a fault may be limited to. */
const FAULT_WINDOWS = new Set(['boot', 'downtime1', 'precopy', 'downtime2', 'recovery']);

/** The scenario's device faults as the hosts name the devices; the plan follows the run's top-level windows. */
function faultPlan(sc: Scenario, bus: EventBus, kernel: Kernel, devices: Map<string, { injectNeedsReset(): void }>): FaultPlan {
  const specs: FaultSpec[] = [];
  // Device errors at a time: once the window begins, after the delay (each fires once).
  const timed = sc.faults.filter((f) => f.kind === 'needsReset');
  const armed = new Set<number>();
  if (timed.length > 0) {
    bus.stream.subscribe((e) => {
      if (e.kind !== 'phase' || e.edge !== 'begin' || e.device !== undefined) return;
      timed.forEach((f, i) => {
        if (f.during !== e.name || armed.has(i)) return;
        armed.add(i);
        kernel.after(f.after, () => devices.get(`${f.host === 'source' ? 'src' : 'dst'}:${f.device}`)?.injectNeedsReset());
      });
    });
  }
  for (const f of sc.faults) {
    if (f.kind === 'cancel' || f.kind === 'needsReset') continue;
    const point = f.kind === 'iotlbUpdate' ? 'iotlbUpdate' : f.kind === 'cvqNack' ? 'cvqCommand' : 'driverOk';
    specs.push({ point, device: `${f.host === 'source' ? 'src' : 'dst'}:${f.device}`, during: f.during, nth: f.nth, errno: f.errno });
  }
  const plan = new FaultPlan(specs);
  if (specs.length > 0) {
    bus.stream.subscribe((e) => {
      if (e.kind === 'phase' && e.edge === 'begin' && e.device === undefined && FAULT_WINDOWS.has(e.name)) plan.enter(e.name);
    });
  }
  return plan;
}

function buildTestbed(sc: Scenario, kernel: Kernel, bus: EventBus, rng: Rng, detail: DetailMode): Testbed {
  const mem = GuestMemory.create({ layout: sc.vm.layout, ramBytes: sc.vm.memory });
  if (!mem.ok) throw new RunFailure(`guest memory: ${mem.reason}`);
  const memory = mem.value;
  const byName = new Map<string, { injectNeedsReset(): void }>();
  const partsStreams = sc.devices.map(() => ({ parts: null }));
  const ctx: HostContext = { kernel, bus, rng, scenario: sc, memory, sections: memory.listenerSections(), faults: faultPlan(sc, bus, kernel, byName), partsStreams };
  // A fresh QEMU's guest RAM is populated as it is first touched: at boot, by the pinning itself (prealloc: at start).
  const src = buildHost(ctx, 'src', sc.vm.prealloc);
  const dst = buildHost(ctx, 'dst', false);

  const nics: NicWiring[] = [];
  const pairs = sc.devices.map((d, i): NetPair => {
    const ctrl = new NetCtrlState(d.queuePairs, d.queuePairs);
    const s = { ...src.nics[i]!, host: src.mem };
    const t = { ...dst.nics[i]!, host: dst.mem };
    // Devices taking page faults sleep only where nothing would fault (pageFaultWindows.ts).
    nics.push(wireNic({ kernel, bus, rng: rng.fork(`dataplane:${d.name}`), device: d, scenario: sc, src: s, dst: t, ctrl, memory, costs: sc.vmm, detail }));
    const wiring = nics[nics.length - 1]!;
    for (const dev of [s.dev, t.dev]) {
      byName.set(dev.name, {
        injectNeedsReset: () => {
          dev.injectNeedsReset();
          wiring.deviceError();
        },
      });
    }
    return { name: d.name, src: s.net, dst: t.net, ctrl };
  });
  const model =
    sc.workload.dirtyRate > 0
      ? new DirtyModel({ ramBytes: sc.vm.memory, hotBytes: sc.workload.hotSet, dirtyRate: sc.workload.dirtyRate }, rng.fork('cpu-dirty'))
      : undefined;
  const pageFaults = sc.migration.strategies.pageFaults ? new PageFaultRun(sc, bus, memory, nics, rng.fork('page-faults')) : null;
  return { kernel, bus, memory, pairs, nics, dstMem: dst.mem, model, pageFaults };
}

/** Runs the migration timeline on the testbed until the kernel is idle; its outcome. */
function runTimeline(sc: Scenario, tb: Testbed): Result<MigrationOutcome> | undefined {
  const { kernel, memory, nics } = tb;
  const proc = kernel.spawn(
    migrate({
      kernel,
      bus: tb.bus,
      memory,
      log: new DirtyLog(memory),
      model: tb.model,
      devices: tb.pairs,
      costs: sc.vmm,
      ...cancelOf(sc),
      deviceDirty: () => nics.flatMap((p) => [...p.deviceDirty()]),
      onRamSent: () => {
        // ram_handle_zero writes a page only if it is not zero: only what the guest ever wrote
        // (taken as the low part of each RAM block) is populated at the destination.
        for (const b of memory.blocks) {
          const written = Math.floor((b.usedLength * sc.workload.everWritten) / PAGE_SIZE) * PAGE_SIZE;
          if (written > 0) tb.dstMem.touch(b.hva, written);
        }
      },
      onPrecopyPass: (pass) => {
        for (const p of nics) p.onPrecopyPass(pass);
      },
      onSwitchover: (edge) => {
        for (const p of nics) p.onSwitchover(edge);
        tb.pageFaults?.onSwitchover(edge, kernel.now);
      },
      policy: {
        bandwidth: sc.migration.bandwidth,
        downtimeLimitNs: sc.migration.downtimeLimit,
        maxIterations: sc.migration.maxIterations,
        startAtNs: sc.migration.startAt,
      },
    }),
    'migration',
  );
  proc.onSettled(() => {
    for (const p of nics) p.halt();
  });
  kernel.run();
  return proc.result;
}

/** The scenario's migrate_cancel, if it has one. */
function cancelOf(sc: Scenario): { cancelAfterPass?: number } {
  const c = sc.faults.find((f) => f.kind === 'cancel');
  return c === undefined ? {} : { cancelAfterPass: c.afterPass };
}

export function simulateMigration(spec: RunInput, opts: RunOptions = {}): RunOutput {
  // The run's rings are carved after this mark; their memory goes to the next run when it ends.
  const rings = slabMark();
  try {
    return runOnce(spec, opts);
  } finally {
    recycleSince(rings);
  }
}

/** One run, its rings carved from the slab after the caller's mark. */
function runOnce(spec: RunInput, opts: RunOptions): RunOutput {
  const sc = spec.scenario;
  const kernel = new Kernel({ inlineWaits: opts.inlineWaits ?? true });
  const bus = new EventBus();
  const recorder = new RunRecorder(bus.stream);
  const events: ModelEvent[] = [];
  if (opts.keepEvents) bus.stream.subscribe((e) => events.push(e));
  const tb = buildTestbed(sc, kernel, bus, Rng.forReplication(spec.seed, spec.stream), opts.detail ?? 'windows');
  const outcome = runTimeline(sc, tb);
  recorder.stop();
  bus.complete();
  // Nothing left to run while the migration is unfinished: it cannot make progress (a lost
  // wake-up, a wait that never ends). That is a failed outcome saying where it stood.
  const stalled = outcome === undefined;
  if (!stalled && !outcome.ok) throw new RunFailure(`at ${kernel.now} ns: ${outcome.errno}: ${outcome.reason}`);
  if (!stalled) recorder.check();
  const o: MigrationOutcome = stalled
    ? {
        precopy: null,
        stopCopyBytes: 0,
        totalNs: 0,
        failure: { step: 'stalled', errno: 'ETIMEDOUT', reason: `no event left at ${kernel.now} ns with the migration unfinished${recorder.openPhases()}`, atNs: kernel.now, vmRunsOn: 'nowhere', recovered: false },
      }
    : outcome.value;
  // Every NIC must forward again where the VM ended: a data plane that stopped and was never
  // restarted (a device error nothing reset, a failed recovery) is a failed outcome too.
  if (o.failure === undefined || (o.failure.vmRunsOn !== 'nowhere' && o.failure.recovered)) {
    const down = tb.nics.map((p) => p.dataPlaneProblem()).find((x) => x !== null);
    if (down !== undefined && down !== null) {
      o.failure =
        o.failure === undefined
          ? { step: 'dataPlane', errno: 'EIO', reason: down, atNs: kernel.now, vmRunsOn: 'destination', recovered: false }
          : { ...o.failure, recovered: false, recoveryFailure: down };
    }
  }
  let checked = 0;
  const violations: string[] = [];
  for (const p of tb.nics) {
    const f = p.finish();
    checked += f.checked;
    violations.push(...f.violations);
  }
  const window = (name: 'downtime1' | 'downtime2'): Downtime =>
    recorder.hasWindow(name) ? recorder.downtime(name) : { totalNs: 0, startNs: o.failure?.atNs ?? kernel.now, phases: [], counts: emptyCounts() };

  const record: RunRecord = {
    scenario: sc.name,
    variant: spec.variant,
    params: spec.params,
    replication: spec.replication,
    seed: spec.seed,
    downtime1: window('downtime1'),
    downtime2: window('downtime2'),
    migration: {
      iterations: o.precopy?.iterations ?? 0,
      bytesSent: (o.precopy?.bytesSent ?? 0) + o.stopCopyBytes,
      precopyNs: o.precopy?.durationNs ?? 0,
      totalNs: o.totalNs,
      converged: o.precopy?.converged ?? false,
    },
    countsByPhase: recorder.countsByPhase,
    countsByDevice: recorder.countsByDevice,
    invariants: { checked, violations },
  };
  if (o.failure !== undefined) {
    record.outcome = { status: 'failed', ...o.failure };
    if (recorder.hasWindow('recovery')) record.outcome.recovery = recorder.downtime('recovery');
  }
  const gap = recorder.longestProbeGap();
  if (gap !== undefined) record.observedNs = gap;
  if (tb.pageFaults !== null) record.pageFaults = tb.pageFaults.record(kernel.now);
  return opts.keepEvents ? { record, events, eventsFired: kernel.processed } : { record, eventsFired: kernel.processed };
}
