// managementDevice.ts — the management device of seed 004: it offers the admin virtqueue
// (adminQueue.ts), creates and destroys virtual devices (VDEV_CREATE/DESTROY) and carries out
// every basic facility of theirs as an admin command, with the seed's device-normative rules:
// device_id 0 names the management device itself (CAP and VDEV_CREATE only; every other class
// fails for it), config accesses outside the config space fail, a reset (STATUS_SET 0) clears
// the status, the vq enables (VQ_ENABLE_GET reads 0), the vq sizes (VQ_SIZE_GET reads the maximum),
// the MSI entries and the device MMU (off, every vq in ASID 0). It also answers the virtio 1.4
// device-parts commands for a member device (vfio/virtio's migrate.c sends them): DEV_MODE_SET,
// RESOURCE_OBJ_CREATE/DESTROY, DEV_PARTS_METADATA_GET, DEV_PARTS_GET and DEV_PARTS_SET.
//
// A failed command is the seed's VIRTIO_ADMIN_ERR ack, returned with the errno its status would map to.

import type { Proc } from '../../sim/kernel/index.js';
import { err, ok, OK, type Err, type Result } from '../uapi/errno.js';
import { Status, type VringBase } from '../uapi/uapi.js';
import { ADMIN_F_CAP_VDEV, VIRTIO_ID_NET, type AdminCommand, type AdminValue, type DevParts, type DevPartsState } from '../uapi/adminVq.js';
import type { Profile } from '../profiles/profile.js';
import { buildDevice, type AddedDevice, type DeviceEnv } from '../parents/vdpaDevAdd.js';
import type { DeviceCore } from '../core/deviceCore.js';
import { AdminQueue } from './adminQueue.js';
import { adminCosts, type AdminCosts } from './adminCosts.js';
import { devPartsOf } from './devParts.js';
import { VirtualDevice } from './virtualDevice.js';

/** Bytes of the virtio-net config space the model exposes (mac, status, max_virtqueue_pairs, mtu). */
const NET_CONFIG_BYTES = 12;

/** Choices the seed leaves open, as the scenario makes them. */
export interface ManagementOptions {
  /** Whether the device MMU's maps survive a virtual device's reset (the seed only says the MMU is disabled). */
  keepMapsAtReset: boolean;
}

export class ManagementDevice {
  /** Device name, e.g. "src:net0 mgmt". */
  readonly name: string;
  /** What the virtual devices are built from. */
  private readonly env: DeviceEnv;
  /** The profile of every virtual device this management device creates. */
  private readonly profile: Profile;
  /** Admin-vq costs of the profile. */
  readonly costs: AdminCosts;
  /** Open choices. */
  private readonly opts: ManagementOptions;
  /** The admin virtqueue. */
  readonly queue: AdminQueue;
  /** Virtual devices by id. */
  private readonly vdevs = new Map<number, VirtualDevice>();
  /** Next virtual device id (ids start at 1). */
  private nextId = 1;
  /** Next resource object id. */
  private nextObj = 0;
  /** Devices built ahead of their VDEV_CREATE (the testbed wires their ports before the run). */
  private readonly provisioned: { added: AddedDevice; core: DeviceCore; queuePairs: number }[] = [];

  constructor(env: DeviceEnv, profile: Profile, name: string, opts: ManagementOptions) {
    this.env = env;
    this.profile = profile;
    this.name = name;
    this.opts = opts;
    this.costs = adminCosts(profile.costs);
    this.queue = new AdminQueue(env.kernel, this.costs, (cmd) => this.execute(cmd));
  }

  /**
   * Builds the device the next VDEV_CREATE of `queuePairs` pairs will bring up (named `name`), so
   * what surrounds it (its network port, the run's checks) can be wired before the run; it takes
   * no command before that VDEV_CREATE. EINVAL when the profile cannot build it.
   */
  provision(name: string, queuePairs: number): Result<AddedDevice> {
    const b = buildDevice({ ...this.env, rng: this.env.rng?.fork(`vdev:${name}`) }, this.profile, name, queuePairs);
    if (!b.ok) return b;
    this.provisioned.push({ added: b.value.device, core: b.value.core, queuePairs });
    return ok(b.value.device);
  }

  /** A virtual device by id (the driver routes notifications and interrupts through it). */
  vdev(id: number): VirtualDevice | undefined {
    return this.vdevs.get(id);
  }

  /** Carries out one command taken off the admin virtqueue. */
  *execute(cmd: AdminCommand): Proc<Result<AdminValue>> {
    if (cmd.op === 'CAP_GET' || cmd.op === 'VDEV_CREATE') {
      // CAP: "MUST fail ... when the device_id is not zero"; VDEV_CREATE likewise.
      if (cmd.deviceId !== 0) return err('EINVAL', `${cmd.op} names device_id ${cmd.deviceId}, not the management device (0)`);
      return cmd.op === 'VDEV_CREATE' ? yield* this.create(cmd.queuePairs, cmd.virtioId) : ok(ADMIN_F_CAP_VDEV);
    }
    // Every other class: "MUST fail ... if device_id is zero".
    if (cmd.deviceId === 0) return err('EINVAL', `${cmd.op} names device_id 0 (the management device)`);
    const v = this.vdevs.get(cmd.deviceId);
    if (v === undefined) return err('ENOENT', `${cmd.op}: no virtual device ${cmd.deviceId}`);
    if (cmd.op === 'VDEV_DESTROY') {
      this.vdevs.delete(v.id);
      return ok(null);
    }
    return yield* this.vdevCommand(v, cmd);
  }

  /** VDEV_CREATE: a virtual device of the profile; returns its identifier. */
  private *create(queuePairs: number, virtioId: number): Proc<Result<AdminValue>> {
    if (virtioId !== VIRTIO_ID_NET) return err('EOPNOTSUPP', `virtio device id ${virtioId}: only network devices (1) are modelled`);
    const id = this.nextId;
    const at = this.provisioned.findIndex((p) => p.queuePairs === queuePairs);
    let built: { added: AddedDevice; core: DeviceCore };
    if (at >= 0) {
      built = this.provisioned.splice(at, 1)[0]!;
    } else {
      const b = buildDevice({ ...this.env, rng: this.env.rng?.fork(`vdev${id}`) }, this.profile, `${this.name}.vdev${id}`, queuePairs);
      if (!b.ok) return b;
      built = { added: b.value.device, core: b.value.core };
    }
    yield this.costs.vdevCreateNs;
    this.nextId++;
    const v = new VirtualDevice(id, built.added, built.core, this.opts.keepMapsAtReset);
    this.vdevs.set(id, v);
    return ok(id);
  }

  /** A vq index check: EINVAL outside the device's vqs. */
  private static vq(v: VirtualDevice, vq: number): Err | null {
    return v.core.validVq(vq) ? null : err('EINVAL', `no vq ${vq} on virtual device ${v.id}`);
  }

  /** The commands of one virtual device (every class but CAP and VDEV). */
  private *vdevCommand(v: VirtualDevice, cmd: Exclude<AdminCommand, { op: 'CAP_GET' | 'VDEV_CREATE' | 'VDEV_DESTROY' }>): Proc<Result<AdminValue>> {
    const ops = v.dev.ops;
    switch (cmd.op) {
      case 'FEAT_DEVICE_GET':
        // The virtual device never offers VIRTIO_F_ADMIN_VQ (the seed's MUST): the core offers no such bit.
        return ok(ops.getDeviceFeatures());
      case 'FEAT_DRIVER_GET':
        return ok(ops.getDriverFeatures());
      case 'FEAT_DRIVER_SET':
        return nothing(yield* ops.setDriverFeatures(cmd.features));
      case 'STATUS_GET':
        return ok(ops.getStatus());
      case 'STATUS_SET':
        return yield* this.setStatus(v, cmd.status);
      case 'GENERATION_GET':
        return ok(v.generation);
      case 'CONFIG_GET':
      case 'CONFIG_SET':
        // "MUST fail the device configuration space access if ... out of the config space."
        if (cmd.offset < 0 || cmd.size <= 0 || cmd.offset + cmd.size > NET_CONFIG_BYTES) {
          return err('EINVAL', `config ${cmd.op === 'CONFIG_GET' ? 'read' : 'write'} [${cmd.offset}, ${cmd.offset + cmd.size}) outside the ${NET_CONFIG_BYTES}-byte config space`);
        }
        if (cmd.op === 'CONFIG_SET') v.configWritten();
        return ok(ops.getConfig().maxVirtqueuePairs);
      case 'MSI_CONFIG_SET':
        v.setMsi(-1, cmd.addr, cmd.data);
        return ok(null);
      case 'MSI_CONFIG_ENABLE':
        v.enableMsi(-1, cmd.on);
        return ok(null);
      case 'MSI_CONFIG_MASK':
        v.maskConfig(cmd.on);
        return ok(null);
      default:
        return yield* this.vqCommand(v, cmd);
    }
  }

  /** STATUS_SET: 0 resets (and the command's success is the reset's); other values are written as the driver sets them. */
  private *setStatus(v: VirtualDevice, status: number): Proc<Result<AdminValue>> {
    const ops = v.dev.ops;
    if (status === 0) {
      const r = yield* ops.reset({ cleanMap: false });
      if (!r.ok) return r;
      v.reset();
      return ok(null);
    }
    return nothing(yield* ops.setStatus(status));
  }

  /** The vq, MSI, MMU and device-parts commands. */
  private *vqCommand(v: VirtualDevice, cmd: Exclude<AdminCommand, { op: 'CAP_GET' | 'VDEV_CREATE' | 'VDEV_DESTROY' }>): Proc<Result<AdminValue>> {
    const ops = v.dev.ops;
    if ('vq' in cmd) {
      const bad = ManagementDevice.vq(v, cmd.vq);
      if (bad !== null) return bad;
    }
    switch (cmd.op) {
      case 'MSI_VQ_SET':
        v.setMsi(cmd.vq, cmd.addr, cmd.data);
        return ok(null);
      case 'MSI_VQ_ENABLE':
        v.enableMsi(cmd.vq, cmd.on);
        return ok(null);
      case 'MSI_VQ_MASK':
        v.maskVq(cmd.vq, cmd.on);
        return ok(null);
      case 'VQ_ADDR_SET':
        return nothing(yield* ops.setVqAddress(cmd.vq, { desc: cmd.desc, avail: cmd.driver, used: cmd.device }));
      case 'VQ_ENABLE_SET':
        return nothing(yield* ops.setVqReady(cmd.vq, cmd.enable));
      case 'VQ_ENABLE_GET':
        return ok(ops.getVqReady(cmd.vq) ? 1 : 0);
      case 'VQ_SIZE_SET':
        return nothing(yield* ops.setVqNum(cmd.vq, cmd.size));
      case 'VQ_SIZE_GET': {
        // "On reset, the maximum queue size supported by the device is returned."
        const n = v.core.vqs[cmd.vq]!.num;
        return ok(n === 0 ? v.core.caps.maxQueueSize : n);
      }
      case 'VQ_NOTIFY_GET':
        return ok(v.notifyArea(cmd.vq));
      case 'VQ_STATE_SET':
        return nothing(yield* ops.setVqState(cmd.vq, cmd.state));
      case 'VQ_STATE_GET':
        return ops.getVqState(cmd.vq);
      default:
        return yield* this.mmuOrParts(v, cmd);
    }
  }

  /** The device MMU class and the device-parts commands. */
  private *mmuOrParts(v: VirtualDevice, cmd: AdminCommand): Proc<Result<AdminValue>> {
    const c = this.costs;
    switch (cmd.op) {
      case 'MMU_ENABLE':
        return nothing(v.mmu.enable(cmd.enable));
      case 'MMU_ASID_SET':
        return nothing(v.mmu.asidSet(cmd.vq, cmd.asid));
      case 'MMU_MAP': {
        const pages = Math.ceil((cmd.iovaEnd - cmd.iovaStart + 1) / 4096);
        yield v.dev.jittered(c.mmuMapNs + Math.round(pages * c.mmuMapPerPageNs));
        return nothing(v.mmu.map(cmd.asid, cmd.iovaStart, cmd.iovaEnd, cmd.uaddr, cmd.flags));
      }
      case 'MMU_UNMAP': {
        yield v.dev.jittered(c.mmuMapNs);
        const r = v.mmu.unmap(cmd.asid, cmd.iovaStart, cmd.iovaEnd);
        return r.ok ? ok(r.value) : r;
      }
      case 'MMU_ERR_GET':
        return v.mmu.errGet();
      default:
        return yield* this.parts(v, cmd);
    }
  }

  /** The virtio 1.4 device-parts commands of a member device. */
  private *parts(v: VirtualDevice, cmd: AdminCommand): Proc<Result<AdminValue>> {
    const ops = v.dev.ops;
    switch (cmd.op) {
      case 'DEV_MODE_SET': {
        // Stopped: the device stops processing its vqs and keeps their state (its suspend).
        if (cmd.stopped === v.stopped) return ok(null);
        const op = cmd.stopped ? ops.suspend : ops.resume;
        if (op === undefined) return err('EOPNOTSUPP', `${v.dev.name} cannot ${cmd.stopped ? 'stop' : 'resume'} its vqs`);
        const r = yield* op.call(ops);
        if (!r.ok) return r;
        v.setStopped(cmd.stopped);
        return ok(null);
      }
      case 'RESOURCE_OBJ_CREATE': {
        const id = this.nextObj++;
        v.addObject(id, cmd.objType);
        return ok(id);
      }
      case 'RESOURCE_OBJ_DESTROY':
        return v.removeObject(cmd.objId) ? ok(null) : err('ENOENT', `no resource object ${cmd.objId}`);
      case 'DEV_PARTS_METADATA_GET':
      case 'DEV_PARTS_GET':
        return yield* this.partsGet(v, cmd.objId, cmd.op === 'DEV_PARTS_GET');
      case 'DEV_PARTS_SET':
        return yield* this.partsSet(v, cmd.objId, cmd.parts);
      default:
        return err('EOPNOTSUPP', `${cmd.op} is not a command of this device`);
    }
  }

  /** DEV_PARTS_METADATA_GET (the parts' size) or DEV_PARTS_GET (the parts), from a stopped device through a GET object. */
  private *partsGet(v: VirtualDevice, objId: number, read: boolean): Proc<Result<AdminValue>> {
    const o = v.object(objId);
    if (o === undefined || o.type !== 'get') return err('EINVAL', `resource object ${objId} is not a parts-get object`);
    if (!v.stopped) return err('EBUSY', `${v.dev.name}: device parts read while the device runs`);
    const parts = o.parts ?? devPartsOf(this.stateOf(v));
    v.captureParts(objId, parts);
    if (!read) return ok(parts.bytes);
    yield v.dev.jittered(Math.round(parts.bytes * this.costs.devPartsPerByteNs));
    return ok(parts);
  }

  /** The state the parts of `v` carry. */
  private stateOf(v: VirtualDevice): DevPartsState {
    const ops = v.dev.ops;
    const vqs = v.core.vqs.map((q, vq) => {
      const base = ops.getVqState(vq);
      return { num: q.num, desc: q.desc, driver: q.driver, device: q.device, ready: q.ready, base: base.ok ? base.value : { lastAvailIdx: q.lastAvailIdx } };
    });
    const net = v.dev.netState();
    return { features: ops.getDriverFeatures(), status: ops.getStatus(), vqs, net: { queuePairs: net.queuePairs, vlans: [...net.vlans].sort((a, b) => a - b) } };
  }

  /** DEV_PARTS_SET into a stopped device through a SET object: features, vqs, network state, then the status (the device stays stopped). */
  private *partsSet(v: VirtualDevice, objId: number, parts: DevParts): Proc<Result<AdminValue>> {
    const o = v.object(objId);
    if (o === undefined || o.type !== 'set') return err('EINVAL', `resource object ${objId} is not a parts-set object`);
    if (!v.stopped) return err('EBUSY', `${v.dev.name}: device parts written while the device runs`);
    const ops = v.dev.ops;
    yield v.dev.jittered(Math.round(parts.bytes * this.costs.devPartsPerByteNs));
    const s = parts.state;
    if (s.vqs.length !== v.core.nvqs) return err('EINVAL', `parts of ${s.vqs.length} vqs for a device of ${v.core.nvqs}`);
    let r: Result = yield* ops.setDriverFeatures(s.features);
    for (let vq = 0; r.ok && vq < s.vqs.length; vq++) r = yield* loadVq(v, vq, s.vqs[vq]!);
    if (!r.ok) return r;
    v.dev.loadNetState(s.net.queuePairs, s.net.vlans);
    r = yield* ops.setStatus(s.status & ~Status.DEVICE_NEEDS_RESET);
    return nothing(r);
  }
}

/** One vq's configuration and state from its parts. */
function* loadVq(v: VirtualDevice, vq: number, q: { num: number; desc: number; driver: number; device: number; ready: boolean; base: VringBase }): Proc<Result> {
  const ops = v.dev.ops;
  if (q.num === 0) return OK;
  let r = yield* ops.setVqNum(vq, q.num);
  if (r.ok) r = yield* ops.setVqAddress(vq, { desc: q.desc, avail: q.driver, used: q.device });
  if (r.ok) r = yield* ops.setVqState(vq, q.base);
  if (r.ok) r = yield* ops.setVqReady(vq, q.ready);
  return r;
}

/** A command with no command-in-data. */
function nothing(r: Result<unknown>): Result<AdminValue> {
  return r.ok ? ok(null) : r;
}
