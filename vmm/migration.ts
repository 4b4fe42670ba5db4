// migration.ts — the live migration timeline of a VM with vhost-vdpa net devices, as upstream
// QEMU runs it: boot in passthrough; destination init; at migration start the SVQ switch
// (downtime #1: every device stopped and restarted with shadow virtqueues); pre-copy; then
// stop-and-copy (downtime #2: VM stop, source devices stopped, remaining RAM and device state
// sent, destination devices started in passthrough with the migrated state).

import { Signal, allOf, wait, type Kernel, type Proc } from '../sim/kernel/index.js';
import type { EventBus } from '../sim/events/events.js';
import { err, type Result } from '../device/uapi/errno.js';
import type { NetClient } from './netClient.js';
import type { NetCtrlState } from './cvqState.js';
import type { GuestMemory } from './guestMemory.js';
import type { CpuDirtying, DirtyLog, DirtyRange } from './dirtyLog.js';
import { precopy, transferNs, type PrecopyPass, type PrecopyTotals } from './precopy.js';
import { PAGE_SIZE } from './guestMemory.js';
import type { VmmCosts } from './vmmCosts.js';

/** One migrated NIC: its source and destination clients and the control state QEMU tracks. */
export interface NetPair {
  name: string;
  src: NetClient;
  dst: NetClient;
  ctrl: NetCtrlState;
}

interface MigrationPolicy {
  /** Bytes/s. */
  bandwidth: number;
  downtimeLimitNs: number;
  maxIterations: number;
  /** How long the VM runs in passthrough after boot before the migration starts. */
  startAtNs: number;
}

export interface MigrationWorld {
  kernel: Kernel;
  bus: EventBus;
  memory: GuestMemory;
  log: DirtyLog;
  model?: CpuDirtying;
  devices: NetPair[];
  policy: MigrationPolicy;
  costs: VmmCosts;
  /** Pages devices wrote, as seen by SVQ since the previous call (the data plane supplies it). */
  deviceDirty?: () => Iterable<DirtyRange>;
  /** Called as each pre-copy pass starts, with the time it ends (the data plane plans its detail windows). */
  onPrecopyPass?: (pass: PrecopyPass) => void;
  /** Called once the first pre-copy pass has sent all guest RAM (destination pages now resident). */
  onRamSent?: () => void;
  /** Called when the source data plane stops for good (VM stop) and when the destination starts. */
  onSwitchover?: (edge: 'sourceStopped' | 'destinationStarted' | 'sourceResumed') => void;
  /** migrate_cancel after this pre-copy pass (an injected cancel); absent: never. */
  cancelAfterPass?: number;
}

/** The step of the timeline a failed migration failed in. */
export type MigrationStep = 'boot' | 'destinationInit' | 'migrate' | 'svqSwitch' | 'precopy' | 'sourceStop' | 'destinationStart' | 'stalled' | 'dataPlane';

/** Why and where a migration failed, and where the VM runs afterwards. */
export interface MigrationFailure {
  step: MigrationStep;
  /** The device whose call failed (absent for a cancel). */
  device?: string;
  errno: string;
  reason: string;
  /** When it failed, ns of simulated time. */
  atNs: number;
  /** Where the guest runs once QEMU has recovered (the destination when only its data plane is down). */
  vmRunsOn: 'source' | 'destination' | 'nowhere';
  /** The source's NICs forward again after QEMU's recovery (back to passthrough, or the VM restarted there). */
  recovered: boolean;
  /** Why the recovery did not bring a NIC back, when it did not. */
  recoveryFailure?: string;
}

export interface MigrationOutcome {
  precopy: PrecopyTotals | null;
  /** Bytes sent during stop-and-copy (RAM + device state). */
  stopCopyBytes: number;
  /** From migration start to the destination running (or to the failure), ns. */
  totalNs: number;
  /** Present when the migration failed: the run is still a result. */
  failure?: MigrationFailure;
}

/** A failed step, with the device and the step's error. */
function fail(device: string, step: string, r: Result<unknown>): Result<never> {
  if (r.ok) return err('EIO', `${device}: ${step} failed`);
  return err(r.errno, `${device}: ${step}: ${r.reason}`);
}

/** A failed step's error, tagged with the step (the reason keeps the device and call). */
function stepFail(step: MigrationStep, e: Result<never>): Result<never> {
  return e.ok ? e : { ok: false, errno: e.errno, reason: `${step}|${e.reason}` };
}

/** Emits a phase edge (global, or of one device). */
type PhaseFn = (name: string, edge: 'begin' | 'end', device?: string) => void;

function phaseEmitter(w: MigrationWorld): PhaseFn {
  const { kernel, bus } = w;
  return (name, edge, device) =>
    bus.emit(device === undefined ? { kind: 'phase', t: kernel.now, edge, name } : { kind: 'phase', t: kernel.now, edge, name, device });
}

/**
 * The destination QEMU (-incoming) creates its netdevs while it starts, before the source is
 * asked to migrate: its devices initialise (and, with the listener at init, map guest RAM)
 * meanwhile. The signal settles when every device is ready, or with the first failure.
 */
function startDestination(w: MigrationWorld, phase: PhaseFn): Signal<Result> {
  const { kernel } = w;
  const destReady = new Signal<Result>(kernel);
  kernel.spawn(initDestination(w, phase, destReady), 'destination init');
  return destReady;
}

/** Every destination device initialised at once; `ready` settles when all are, or with the first failure. */
function* initDestination(w: MigrationWorld, phase: PhaseFn, ready: Signal<Result>): Proc {
  const inits = w.devices.map((d) => w.kernel.spawn(initDestDevice(d, phase), `destInit ${d.name}`));
  const results = yield* wait(allOf(w.kernel, inits));
  ready.trigger(results.find((r) => !r.ok) ?? { ok: true, value: undefined });
}

/** One destination device's init and machine reset (net_init_vhost_vdpa, then the reset before the incoming VM starts). */
function* initDestDevice(d: MigrationWorld['devices'][number], phase: PhaseFn): Proc<Result> {
  phase('destInit', 'begin', d.dst.cfg.name);
  let r = yield* d.dst.init();
  if (r.ok) r = yield* d.dst.machineReset();
  phase('destInit', 'end', d.dst.cfg.name);
  return r.ok ? r : fail(d.dst.cfg.name, 'init', r);
}

/** Boot: every source device initialises and starts in passthrough mode. */
function* boot(w: MigrationWorld, phase: PhaseFn): Proc<Result> {
  phase('boot', 'begin');
  try {
    for (const d of w.devices) {
      const i = yield* d.src.init();
      if (!i.ok) return fail(d.src.cfg.name, 'init', i);
      const m = yield* d.src.machineReset();
      if (!m.ok) return fail(d.src.cfg.name, 'machine reset', m);
      const s = yield* d.src.start(false, [], d.ctrl);
      if (!s.ok) return fail(d.src.cfg.name, 'start', s);
    }
    return { ok: true, value: undefined };
  } finally {
    phase('boot', 'end');
  }
}

/** Downtime #1: every device's data vqs switch to SVQ (a full stop and start, vhost_vdpa_net_log_global_enable). */
function* svqSwitch(w: MigrationWorld, phase: PhaseFn): Proc<Result> {
  // A migration without SVQ (device parts): dirty tracking goes on, the data plane keeps running.
  if (w.devices.every((d) => d.src.beginDirtyTracking !== undefined)) return yield* dirtyTrackingStart(w, phase);
  phase('downtime1', 'begin');
  try {
    for (const d of w.devices) {
      const s = yield* d.src.stop();
      if (!s.ok) return fail(d.src.cfg.name, 'stop for the SVQ switch', s);
      const r = yield* d.src.start(true, d.src.vringBases, d.ctrl);
      if (!r.ok) return fail(d.src.cfg.name, 'start in SVQ mode', r);
    }
    return { ok: true, value: undefined };
  } finally {
    phase('downtime1', 'end');
  }
}

/** Migration start without an SVQ switch: every device's dirty tracking switched on (no downtime window). */
function* dirtyTrackingStart(w: MigrationWorld, phase: PhaseFn): Proc<Result> {
  phase('dirtyTrackingStart', 'begin');
  try {
    for (const d of w.devices) {
      const r = yield* d.src.beginDirtyTracking!();
      if (!r.ok) return fail(d.src.cfg.name, 'dirty tracking start', r);
    }
    return { ok: true, value: undefined };
  } finally {
    phase('dirtyTrackingStart', 'end');
  }
}

/**
 * QEMU's recovery on the source once the migration failed (vdpa_net_migration_state_notifier on
 * MIG_EVENT_PRECOPY_FAILED: vhost_vdpa_net_log_global_enable(false); after a failed switchover
 * the source VM is started again): every NIC stopped if it still runs, then started in
 * passthrough from the bases it stopped at. Reported as the "recovery" window.
 */
function* backToPassthrough(w: MigrationWorld, phase: PhaseFn): Proc<string | null> {
  phase('recovery', 'begin');
  let problem: string | null = null;
  for (const d of w.devices) {
    // A device whose start failed went through vhost_net_start's error path first.
    const s = d.src.started ? yield* d.src.stop() : yield* d.src.abortStart();
    const r = s.ok ? yield* d.src.start(false, d.src.vringBases, d.ctrl) : s;
    if (!r.ok) problem ??= `${d.src.cfg.name}: ${r.errno}: ${r.reason}`;
  }
  phase('recovery', 'end');
  return problem;
}

/** Downtime #2: VM stop, the source devices stopped, the last dirty RAM and device state sent, the destination started. */
function* switchover(w: MigrationWorld, phase: PhaseFn, lastRoundStart: number): Proc<Result<number>> {
  const { kernel } = w;
  phase('downtime2', 'begin');
  phase('vmStop', 'begin');
  yield w.costs.vmStopNs;
  w.onSwitchover?.('sourceStopped');
  phase('vmStop', 'end');
  // vm_stop stops the vhost devices too: each reports its own phases.
  for (const d of w.devices) {
    const s = yield* d.src.stop();
    if (!s.ok) {
      phase('downtime2', 'end');
      return stepFail('sourceStop', fail(d.src.cfg.name, 'stop at switchover', s));
    }
  }

  phase('transfer', 'begin');
  // Whatever is still dirty: the final sync counts CPU pages over the whole round since the last
  // pass started (a sync replaces the round's CPU count), plus device pages since the last sync.
  const cpu = w.model ? w.model.sample(kernel.now - lastRoundStart).pages : 0;
  const last = w.log.sync(cpu, w.deviceDirty?.() ?? []);
  const ramBytes = last.dirtyPages * PAGE_SIZE;
  // Device state: QEMU's per device, plus what a device-parts migration reads from the device.
  const stateBytes = w.devices.reduce((n, d) => n + w.costs.deviceStateBytes + (d.src.migratedStateBytes?.() ?? 0), 0);
  yield transferNs(ramBytes + stateBytes, w.policy.bandwidth);
  phase('transfer', 'end');

  phase('stateLoad', 'begin');
  yield w.costs.vmStartNs + w.devices.length * w.costs.deviceStateLoadNs;
  phase('stateLoad', 'end');

  for (const d of w.devices) {
    // The destination resumes at the source's vring indices, with the source's control state.
    const r = yield* d.dst.start(false, d.src.vringBases, d.ctrl.clone());
    if (!r.ok) {
      phase('downtime2', 'end');
      return stepFail('destinationStart', fail(d.dst.cfg.name, 'start at the destination', r));
    }
  }
  w.onSwitchover?.('destinationStarted');
  phase('downtime2', 'end');
  return { ok: true, value: ramBytes + stateBytes };
}

/**
 * qmp_migrate → migrate_prepare → migration_is_blocked: a blocker a device added at init refuses
 * the command before anything starts — no SVQ switch, no downtime, the VM runs on at the source
 * with its NICs untouched. QEMU reports it as an Error with no errno; the run records EPERM (the
 * command is not permitted while the blocker stands).
 */
function migrationBlocked(w: MigrationWorld): MigrationFailure | null {
  const d = w.devices.find((p) => (p.src.migrationBlocker ?? null) !== null);
  if (d === undefined) return null;
  return { step: 'migrate', device: d.src.cfg.name, errno: 'EPERM', reason: d.src.migrationBlocker!, atNs: w.kernel.now, vmRunsOn: 'source', recovered: true };
}

/** The failure with the recovery's result. */
function recoveredBy(f: MigrationFailure, problem: string | null): MigrationFailure {
  return problem === null ? { ...f, recovered: true } : { ...f, recovered: false, recoveryFailure: problem };
}

/** A failure record from a failed step's error. */
function failure(w: MigrationWorld, step: MigrationStep, e: Result<unknown>, vmRunsOn: 'source' | 'nowhere', recovered: boolean): MigrationFailure {
  const reason = e.ok ? 'failed' : e.reason;
  const bar = reason.indexOf('|');
  const text = bar >= 0 && reason.slice(0, bar) === step ? reason.slice(bar + 1) : reason;
  const device = /^([a-z]+:[^:]+):/.exec(text)?.[1];
  return { step, ...(device === undefined ? {} : { device }), errno: e.ok ? 'EIO' : e.errno, reason: text, atNs: w.kernel.now, vmRunsOn, recovered };
}

/**
 * The whole migration. A failed step ends it as an outcome (QEMU reports the migration failed),
 * after QEMU's recovery: the VM keeps running at the source, its NICs back in passthrough.
 */
export function* migrate(w: MigrationWorld): Proc<Result<MigrationOutcome>> {
  const { kernel, bus } = w;
  const phase = phaseEmitter(w);
  const destReady = startDestination(w, phase);
  const booted = yield* boot(w, phase);
  const failed = (f: MigrationFailure, precopyTotals: PrecopyTotals | null, startNs: number): Result<MigrationOutcome> => ({
    ok: true,
    value: { precopy: precopyTotals, stopCopyBytes: 0, totalNs: kernel.now - startNs, failure: f },
  });
  if (!booted.ok) return failed(failure(w, 'boot', booted, 'nowhere', false), null, kernel.now);
  // The guest runs (configures its NIC, moves traffic) for a while before the migration starts.
  yield w.policy.startAtNs;
  // `migrate` is sent once the destination is up (with early map, once it has pinned guest RAM).
  if (!destReady.triggered) {
    phase('destInitWait', 'begin');
    yield* wait(destReady);
    phase('destInitWait', 'end');
  }
  const ready = yield* wait(destReady);
  if (!ready.ok) return failed(failure(w, 'destinationInit', ready, 'source', true), null, kernel.now);
  const migrationStart = kernel.now;
  const blocked = migrationBlocked(w);
  if (blocked !== null) return failed(blocked, null, migrationStart);

  const switched = yield* svqSwitch(w, phase);
  if (!switched.ok) {
    const f = failure(w, 'svqSwitch', switched, 'source', false);
    return failed(recoveredBy(f, yield* backToPassthrough(w, phase)), null, migrationStart);
  }

  // Pre-copy (reports its own "precopy" phase).
  let lastRoundStart = kernel.now;
  const totals = yield* precopy({
    onIteration: (it) => {
      lastRoundStart = it.startNs;
      // The first pass wrote every guest page at the destination: its RAM is resident from now.
      if (it.index === 1) w.onRamSent?.();
    },
    onPass: w.onPrecopyPass,
    kernel,
    memory: w.memory,
    log: w.log,
    model: w.model,
    deviceDirty: w.deviceDirty,
    bus,
    params: { bandwidth: w.policy.bandwidth, downtimeLimitNs: w.policy.downtimeLimitNs, maxIterations: w.policy.maxIterations },
    ...(w.cancelAfterPass === undefined ? {} : { cancelAfterPass: w.cancelAfterPass }),
  });
  if (totals.cancelled) {
    const f: MigrationFailure = { step: 'precopy', errno: 'ECANCELED', reason: `migrate_cancel after pre-copy pass ${totals.iterations}`, atNs: kernel.now, vmRunsOn: 'source', recovered: false };
    return failed(recoveredBy(f, yield* backToPassthrough(w, phase)), totals, migrationStart);
  }

  const sent = yield* switchover(w, phase, lastRoundStart);
  if (!sent.ok) {
    const step: MigrationStep = sent.reason.startsWith('sourceStop|') ? 'sourceStop' : 'destinationStart';
    // The destination gave up; the source VM is started again (its NICs in passthrough).
    const f = failure(w, step, sent, 'source', false);
    const problem = yield* backToPassthrough(w, phase);
    w.onSwitchover?.('sourceResumed');
    return failed(recoveredBy(f, problem), totals, migrationStart);
  }
  return { ok: true, value: { precopy: totals, stopCopyBytes: sent.value, totalNs: kernel.now - migrationStart } };
}
