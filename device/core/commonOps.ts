// commonOps.ts — the ops every device model shares: features, status, reset, vq setup, kicks and
// callbacks, groups, suspend/resume. Costs come from the profile; device-specific map handling is
// added by device/parents/createConfigOps.ts on top of this. The ops tell the vq worker what
// changed (a new address or base, DRIVER_OK, an enable, a suspend, a reset).

/* eslint-disable require-yield -- an op is a process even when it takes no time */

import { Resource, allOf, sleep, type Proc } from '../../sim/kernel/index.js';
import type { NetConfig, ResetFlags, VdpaConfigOps } from './configOps.js';
import { OK, err, ok, type Result } from '../uapi/errno.js';
import type { DeviceCore } from './deviceCore.js';
import type { VqWorker } from './vqWorker.js';
import { Status, type VringAddr, type VringBase } from '../uapi/uapi.js';

/** The default of cleanMaps: a device whose maps a reset leaves alone has nothing to clean. */
function* noMapsToClean(): Proc<void> {}

export class CommonOps implements VdpaConfigOps {
  /** The device core these ops drive. */
  protected readonly dev: DeviceCore;
  /** The device's vq worker (ring processing). */
  protected readonly worker: VqWorker;
  /** Firmware slots for per-vq suspend/resume commands (suspendParallelism). */
  private readonly vqCommands: Resource;
  /** Device-specific part of a reset that cleans maps (set by createConfigOps). */
  cleanMaps: () => Proc<void> = noMapsToClean;
  /** Blank hardware vqs exist, created at device add or at the last reset (vqCreateAt devAdd). */
  private blankVqs: boolean;

  constructor(dev: DeviceCore, worker: VqWorker) {
    this.dev = dev;
    this.worker = worker;
    this.vqCommands = new Resource(dev.kernel, dev.costs.suspendParallelism);
    this.blankVqs = dev.costs.vqCreateAt === 'devAdd';
  }

  get ngroups(): number {
    return this.dev.caps.ngroups;
  }
  get nas(): number {
    return this.dev.caps.nas;
  }
  get nvqs(): number {
    return this.dev.nvqs;
  }

  /** A running vq's addresses, size and indices are owned by the device. */
  private busy(vq: number, what: string): Result | null {
    if (this.dev.running) return err('EINVAL', `can't modify ${what} of vq ${vq} while the device runs it (DRIVER_OK, not suspended)`);
    return null;
  }

  *setVqAddress(vq: number, addr: VringAddr): Proc<Result> {
    const b = this.busy(vq, 'the address');
    if (b) return b;
    this.dev.setVqAddr(vq, addr.desc, addr.avail, addr.used);
    this.worker.addrSet(vq);
    return OK;
  }

  *setVqNum(vq: number, num: number): Proc<Result> {
    const b = this.busy(vq, 'the size');
    if (b) return b;
    if (!Number.isInteger(num) || num < 1 || (num & (num - 1)) !== 0 || num > this.dev.caps.maxQueueSize) {
      return err('EINVAL', `vq size ${num} is not a power of two in [1, ${this.dev.caps.maxQueueSize}]`);
    }
    this.dev.setVqNum(vq, num);
    return OK;
  }

  *setVqReady(vq: number, ready: boolean): Proc<Result> {
    yield this.dev.costs.vringEnableNs;
    this.dev.setVqReady(vq, ready);
    if (ready) this.worker.maybeLive(vq);
    return OK;
  }

  getVqReady(vq: number): boolean {
    return this.dev.vqs[vq]!.ready;
  }

  *setVqState(vq: number, state: VringBase): Proc<Result> {
    const b = this.busy(vq, 'the available index');
    if (b) return b;
    const availWrap = state.availWrap ?? true;
    this.dev.setVqIndices(vq, state.lastAvailIdx, state.lastUsedIdx ?? state.lastAvailIdx, availWrap, state.usedWrap ?? availWrap);
    this.worker.baseSet(vq);
    return OK;
  }

  getVqState(vq: number): Result<VringBase> {
    const q = this.dev.vqs[vq]!;
    if (this.dev.packed) {
      return ok({ lastAvailIdx: q.lastAvailIdx, availWrap: q.availWrap, lastUsedIdx: q.lastUsedIdx, usedWrap: q.usedWrap });
    }
    return ok({ lastAvailIdx: q.lastAvailIdx });
  }

  kickVq(vq: number): void {
    this.worker.kick(vq);
  }

  setVqCb(vq: number, cb: ((vq: number) => void) | null): void {
    this.worker.setCall(vq, cb);
  }

  getVqGroup(vq: number): number {
    return this.dev.vqGroup(vq);
  }

  getDeviceFeatures(): bigint {
    return this.dev.deviceFeatures();
  }

  *setDriverFeatures(features: bigint): Proc<Result> {
    const extra = features & ~this.dev.deviceFeatures();
    if (extra !== 0n) return err('EINVAL', `features 0x${extra.toString(16)} not offered by the device`);
    yield this.dev.jittered(this.dev.costs.configureNs);
    this.dev.acceptFeatures(features);
    return OK;
  }

  getDriverFeatures(): bigint {
    return this.dev.driverFeatures;
  }

  getStatus(): number {
    return this.dev.status;
  }

  *setStatus(status: number): Proc<Result> {
    const dev = this.dev;
    const old = dev.status;
    if ((status & Status.DRIVER_OK) !== 0 && (old & Status.DRIVER_OK) === 0) {
      // Hardware vqs are created here (setup_vq_resources at DRIVER_OK) unless they were
      // pre-created blank at device add or at the last reset; either way each is configured and resumed.
      const c = dev.costs;
      const create = (c.vqCreateAt ?? 'driverOk') === 'driverOk' || !this.blankVqs ? c.vqCreateNs : 0;
      yield dev.jittered((create + (c.vqConfigNs ?? 0)) * dev.dataVqs);
      this.blankVqs = false;
      // An injected fault: the device fails to bring its vqs up and asks for a reset instead.
      if (dev.faults.hit('driverOk', dev.name) !== null) {
        dev.writeStatus((status & ~Status.DRIVER_OK) | Status.DEVICE_NEEDS_RESET);
        return OK;
      }
    }
    dev.writeStatus(status);
    if ((status & Status.DRIVER_OK) !== 0 && (old & Status.DRIVER_OK) === 0) this.worker.allMaybeLive();
    return OK;
  }

  *reset(flags: ResetFlags): Proc<Result> {
    const c = this.dev.costs;
    // Pre-created vqs (vqCreateAt devAdd): a reset after the vqs were used tears them down and
    // creates blank ones again (mlx5_vdpa_compat_reset: needs_vqs_reset, setup_vq_resources).
    const recreate = c.vqCreateAt === 'devAdd' && c.vqRecreateAtReset !== false && !this.blankVqs ? c.vqCreateNs * this.dev.dataVqs : 0;
    yield this.dev.jittered(c.resetNs + recreate);
    this.blankVqs = c.vqCreateAt === 'devAdd';
    this.dev.resetState();
    if (flags.cleanMap) yield* this.cleanMaps();
    this.worker.reset();
    return OK;
  }

  /** Runs one per-vq firmware command for every data vq, `suspendParallelism` at a time. */
  *perVq(ns: number, what: string): Proc<void> {
    const k = this.dev.kernel;
    const procs = [];
    for (let i = 0; i < this.dev.dataVqs; i++) procs.push(k.spawn(this.vqCommands.use(sleep(this.dev.jittered(ns))), `${this.dev.name}.${what}${i}`));
    yield allOf(k, procs);
  }

  getConfig(): NetConfig {
    return { maxVirtqueuePairs: this.dev.queuePairs, status: 1 };
  }

  *setGroupAsid(group: number, asid: number): Proc<Result> {
    if (!Number.isInteger(group) || group < 0 || group >= this.ngroups) return err('EINVAL', `group ${group} >= ngroups ${this.ngroups}`);
    if (!Number.isInteger(asid) || asid < 0 || asid >= this.nas) return err('EINVAL', `asid ${asid} >= nas ${this.nas}`);
    this.dev.bindGroup(group, asid);
    return OK;
  }
}

/** suspend op: stops every data vq (suspendPerVqNs each, suspendParallelism at a time). */
export function* suspendOp(ops: CommonOps, dev: DeviceCore, worker: VqWorker): Proc<Result> {
  // A device taking page faults first completes the buffers whose faults are outstanding.
  yield* worker.drainFaults();
  if ((dev.status & Status.DRIVER_OK) !== 0 && !dev.suspended) yield* ops.perVq(dev.costs.suspendPerVqNs, 'suspend');
  dev.setSuspended(true);
  worker.suspended();
  return OK;
}

/** resume op: restarts every data vq (resumePerVqNs each, suspendParallelism at a time). */
export function* resumeOp(ops: CommonOps, dev: DeviceCore, worker: VqWorker): Proc<Result> {
  if ((dev.status & Status.DRIVER_OK) !== 0 && dev.suspended) yield* ops.perVq(dev.costs.resumePerVqNs, 'resume');
  dev.setSuspended(false);
  worker.resumeFaults();
  worker.allMaybeLive();
  return OK;
}
