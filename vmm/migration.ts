// migration.ts — the live migration timeline of a VM with vhost-vdpa net devices, as upstream
// QEMU runs it: boot in passthrough; destination init; at migration start the SVQ switch
// (downtime #1: every device stopped and restarted with shadow virtqueues); pre-copy; then
// stop-and-copy (downtime #2: VM stop, source devices stopped, remaining RAM and device state
// sent, destination devices started in passthrough with the migrated state).

import { Signal, allOf, wait, type Kernel, type Proc } from '../sim/kernel/index.js';
import type { EventBus } from '../sim/events/events.js';
import { err, type Result } from '../device/uapi/errno.js';
import type { VhostVdpaNet } from './vhostVdpaNet.js';
import type { NetCtrlState } from './cvqState.js';
import type { GuestMemory } from './guestMemory.js';
import type { CpuDirtying, DirtyLog, DirtyRange } from './dirtyLog.js';
import { precopy, transferNs, type PrecopyPass, type PrecopyTotals } from './precopy.js';
import { PAGE_SIZE } from './guestMemory.js';
import type { VmmCosts } from './vmmCosts.js';

/** One migrated NIC: its source and destination clients and the control state QEMU tracks. */
export interface NetPair {
  name: string;
  src: VhostVdpaNet;
  dst: VhostVdpaNet;
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
  onSwitchover?: (edge: 'sourceStopped' | 'destinationStarted') => void;
}

export interface MigrationOutcome {
  precopy: PrecopyTotals;
  /** Bytes sent during stop-and-copy (RAM + device state). */
  stopCopyBytes: number;
  /** From migration start to the destination running, ns. */
  totalNs: number;
}

/** A failed step, with the device and the step's error. */
function fail(device: string, step: string, r: Result<unknown>): Result<never> {
  if (r.ok) return err('EIO', `${device}: ${step} failed`);
  return err(r.errno, `${device}: ${step}: ${r.reason}`);
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
  kernel.spawn(
    (function* (): Proc {
      const inits = w.devices.map((d) =>
        kernel.spawn(
          (function* (): Proc<Result> {
            phase('destInit', 'begin', d.dst.cfg.name);
            let r = yield* d.dst.init();
            if (r.ok) r = yield* d.dst.machineReset();
            phase('destInit', 'end', d.dst.cfg.name);
            return r.ok ? r : fail(d.dst.cfg.name, 'init', r);
          })(),
          `destInit ${d.name}`,
        ),
      );
      const results = yield* wait(allOf(kernel, inits));
      destReady.trigger(results.find((r) => !r.ok) ?? { ok: true, value: undefined });
    })(),
    'destination init',
  );
  return destReady;
}

/** Boot: every source device initialises and starts in passthrough mode. */
function* boot(w: MigrationWorld, phase: PhaseFn): Proc<Result> {
  phase('boot', 'begin');
  for (const d of w.devices) {
    const i = yield* d.src.init();
    if (!i.ok) return fail(d.src.cfg.name, 'init', i);
    const m = yield* d.src.machineReset();
    if (!m.ok) return fail(d.src.cfg.name, 'machine reset', m);
    const s = yield* d.src.start(false, [], d.ctrl);
    if (!s.ok) return fail(d.src.cfg.name, 'start', s);
  }
  phase('boot', 'end');
  return { ok: true, value: undefined };
}

/** Downtime #1: every device's data vqs switch to SVQ (a full stop and start, vhost_vdpa_net_log_global_enable). */
function* svqSwitch(w: MigrationWorld, phase: PhaseFn): Proc<Result> {
  phase('downtime1', 'begin');
  for (const d of w.devices) {
    const s = yield* d.src.stop();
    if (!s.ok) return fail(d.src.cfg.name, 'stop for the SVQ switch', s);
    const r = yield* d.src.start(true, d.src.vringBases, d.ctrl);
    if (!r.ok) return fail(d.src.cfg.name, 'start in SVQ mode', r);
  }
  phase('downtime1', 'end');
  return { ok: true, value: undefined };
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
    if (!s.ok) return fail(d.src.cfg.name, 'stop at switchover', s);
  }

  phase('transfer', 'begin');
  // Whatever is still dirty: the final sync counts CPU pages over the whole round since the last
  // pass started (a sync replaces the round's CPU count), plus device pages since the last sync.
  const cpu = w.model ? w.model.sample(kernel.now - lastRoundStart).pages : 0;
  const last = w.log.sync(cpu, w.deviceDirty?.() ?? []);
  const ramBytes = last.dirtyPages * PAGE_SIZE;
  const stateBytes = w.devices.length * w.costs.deviceStateBytes;
  yield transferNs(ramBytes + stateBytes, w.policy.bandwidth);
  phase('transfer', 'end');

  phase('stateLoad', 'begin');
  yield w.costs.vmStartNs + w.devices.length * w.costs.deviceStateLoadNs;
  phase('stateLoad', 'end');

  for (const d of w.devices) {
    // The destination resumes at the source's vring indices, with the source's control state.
    const r = yield* d.dst.start(false, d.src.vringBases, d.ctrl.clone());
    if (!r.ok) return fail(d.dst.cfg.name, 'start at the destination', r);
  }
  w.onSwitchover?.('destinationStarted');
  phase('downtime2', 'end');
  return { ok: true, value: ramBytes + stateBytes };
}

export function* migrate(w: MigrationWorld): Proc<Result<MigrationOutcome>> {
  const { kernel, bus } = w;
  const phase = phaseEmitter(w);
  const destReady = startDestination(w, phase);
  const booted = yield* boot(w, phase);
  if (!booted.ok) return booted;
  // The guest runs (configures its NIC, moves traffic) for a while before the migration starts.
  yield w.policy.startAtNs;
  // `migrate` is sent once the destination is up (with early map, once it has pinned guest RAM).
  if (!destReady.triggered) {
    phase('destInitWait', 'begin');
    yield* wait(destReady);
    phase('destInitWait', 'end');
  }
  const ready = yield* wait(destReady);
  if (!ready.ok) return ready;
  const migrationStart = kernel.now;

  const switched = yield* svqSwitch(w, phase);
  if (!switched.ok) return switched;

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
  });

  const sent = yield* switchover(w, phase, lastRoundStart);
  if (!sent.ok) return sent;
  return { ok: true, value: { precopy: totals, stopCopyBytes: sent.value, totalNs: kernel.now - migrationStart } };
}
