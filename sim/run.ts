// run.ts — one simulated migration: builds the kernel, the source and destination hosts (guest
// memory, QEMU heaps, vDPA devices behind vhost-vdpa), the VMM clients and the workload, runs
// the migration timeline to completion and returns the run's record.

import { Kernel, Rng } from './kernel/index.js';
import { EventBus, type ModelEvent } from './events.js';
import type { Scenario, ResolvedDevice } from './scenario/scenario.js';
import { RunRecorder } from '../metrics/recorder.js';
import type { RunRecord } from '../metrics/result.js';
import { HostMemory } from '../device/hostMemory.js';
import { VdpaDevice } from '../device/vdpaDevice.js';
import { VhostVdpa } from '../device/vhostVdpa.js';
import { featureBit, type VirtioFeatureName } from '../device/uapi.js';
import { ringAreaSizes } from '../device/ring/ringSizes.js';
import { GuestMemory, PAGE_SIZE } from '../vmm/guestMemory.js';
import { DirtyLog } from '../vmm/dirtyLog.js';
import { DirtyModel } from '../vmm/dirtyModel.js';
import { VhostIovaTree } from '../vmm/iovaTree.js';
import { TreeIovaAllocator } from '../vmm/iovaAllocator.js';
import { QemuHeap } from '../vmm/qemuHeap.js';
import { NetCtrlState } from '../vmm/cvqState.js';
import { VhostVdpaNet, type NetClientConfig } from '../vmm/vhostVdpaNet.js';
import { migrate, type NetPair } from '../vmm/migration.js';
import { defaultVmmCosts } from '../vmm/vmmCosts.js';
import { attachDataPlane, type DataPlane } from './dataPlaneWiring.js';

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
}

export interface RunOutput {
  record: RunRecord;
  events?: ModelEvent[];
}

/** A run that could not complete: a device call failed or an invariant broke. */
export class RunFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailure';
  }
}

/** The virtio-net features the guest driver asks for on this device. */
function wantedFeatures(d: ResolvedDevice): bigint {
  const names: VirtioFeatureName[] = ['VERSION_1', 'ACCESS_PLATFORM', 'NET_F_MAC', 'NET_F_STATUS', 'NET_F_CTRL_VQ', 'NET_F_CTRL_RX', 'NET_F_CTRL_VLAN', 'NET_F_CTRL_MAC_ADDR', 'NET_F_MRG_RXBUF', 'NET_F_CSUM'];
  if (d.queuePairs > 1) names.push('NET_F_MQ');
  if (d.ring === 'packed') names.push('RING_PACKED');
  if (d.inOrder) names.push('IN_ORDER');
  if (d.partialOrder) names.push('PARTIAL_ORDER');
  return names.reduce((f, n) => f | featureBit(n), 0n);
}

/**
 * One host: its QEMU process memory, heap and the guest RAM mapped into it. On the destination
 * the guest RAM is not resident until the first pre-copy pass has written it.
 */
function makeHost(memory: GuestMemory, ramResident: boolean): { mem: HostMemory; heap: QemuHeap } {
  const mem = new HostMemory();
  for (const b of memory.blocks) {
    const r = mem.map(b.idstr, b.hva, b.usedLength, 'guestRam', ramResident);
    if (!r.ok) throw new RunFailure(`mapping guest RAM block ${b.idstr}: ${r.reason}`);
  }
  return { mem, heap: new QemuHeap(mem) };
}

export function runOnce(spec: RunInput, opts: RunOptions = {}): RunOutput {
  const sc = spec.scenario;
  const kernel = new Kernel();
  const bus = new EventBus();
  const recorder = new RunRecorder(bus.stream);
  const events: ModelEvent[] = [];
  if (opts.keepEvents) bus.stream.subscribe((e) => events.push(e));
  const rng = Rng.forReplication(spec.seed, spec.stream);

  const mem = GuestMemory.create({ layout: sc.vm.layout, ramBytes: sc.vm.memory });
  if (!mem.ok) throw new RunFailure(`guest memory: ${mem.reason}`);
  const memory = mem.value;
  const sections = memory.listenerSections();
  const src = makeHost(memory, true);
  const dst = makeHost(memory, false);

  const planes: DataPlane[] = [];
  const pairs: NetPair[] = sc.devices.map((d) => {
    const sizes = ringAreaSizes(d.ring, d.queueSize);
    const cfg = (role: 'src' | 'dst'): NetClientConfig => ({
      name: `${role}:${d.name}`,
      queuePairs: d.queuePairs,
      queueSize: d.queueSize,
      features: wantedFeatures(d),
      strategies: { ...sc.migration.strategies, earlyMap: role === 'dst' && sc.migration.strategies.earlyMap },
      svqSizes: { descBytes: sizes.descArea, driverAreaBytes: sizes.svqDriverArea, deviceAreaBytes: sizes.svqDeviceArea },
      cvqBufferBytes: PAGE_SIZE,
    });
    const client = (role: 'src' | 'dst', host: { mem: HostMemory; heap: QemuHeap }) => {
      const dev = new VdpaDevice({ kernel, bus, hostMemory: host.mem, rng: rng.fork(`device:${role}:${d.name}`) }, d.profile, `${role}:${d.name}`, d.queuePairs);
      const fd = new VhostVdpa(dev);
      return { dev, net: new VhostVdpaNet(kernel, bus, fd, cfg(role), sections, () => new TreeIovaAllocator(new VhostIovaTree()), host.heap) };
    };
    const s = client('src', src);
    const t = client('dst', dst);
    const ctrl = new NetCtrlState(d.queuePairs);
    ctrl.curQueuePairs = d.queuePairs;
    planes.push(attachDataPlane({ kernel, bus, rng: rng.fork(`dataplane:${d.name}`), device: d, scenario: sc, src: s, dst: t, srcHost: src.mem, dstHost: dst.mem, ctrl, memory }));
    return { name: d.name, src: s.net, dst: t.net, ctrl };
  });

  const log = new DirtyLog(memory);
  const model =
    sc.workload.dirtyRate > 0
      ? new DirtyModel({ ramBytes: sc.vm.memory, hotBytes: sc.workload.hotSet, dirtyRate: sc.workload.dirtyRate }, rng.fork('cpu-dirty'))
      : undefined;

  const proc = kernel.spawn(
    migrate({
      kernel,
      bus,
      memory,
      log,
      model,
      devices: pairs,
      costs: defaultVmmCosts,
      deviceDirty: () => planes.flatMap((p) => [...p.deviceDirty()]),
      onRamSent: () => {
        for (const b of memory.blocks) dst.mem.touch(b.hva, b.usedLength);
      },
      onPrecopyPass: (pass) => {
        for (const p of planes) p.onPrecopyPass(pass);
      },
      onSwitchover: (edge) => {
        for (const p of planes) p.onSwitchover(edge);
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
    for (const p of planes) p.halt();
  });
  kernel.run();
  const outcome = proc.result;
  recorder.stop();
  bus.complete();
  // A failed call leaves its phase open: report the failure itself, not the unbalanced phases.
  if (outcome === undefined) throw new RunFailure(`migration did not finish (simulated time ${kernel.now} ns)`);
  if (!outcome.ok) throw new RunFailure(`at ${kernel.now} ns: ${outcome.errno}: ${outcome.reason}`);
  recorder.check();
  const o = outcome.value;
  let checked = 0;
  const violations: string[] = [];
  for (const p of planes) {
    const f = p.finish();
    checked += f.checked;
    violations.push(...f.violations);
  }

  const record: RunRecord = {
    scenario: sc.name,
    variant: spec.variant,
    params: spec.params,
    replication: spec.replication,
    seed: spec.seed,
    downtime1: recorder.downtime('downtime1'),
    downtime2: recorder.downtime('downtime2'),
    migration: {
      iterations: o.precopy.iterations,
      bytesSent: o.precopy.bytesSent + o.stopCopyBytes,
      precopyNs: o.precopy.durationNs,
      totalNs: o.totalNs,
      converged: o.precopy.converged,
    },
    countsByPhase: recorder.countsByPhase,
    countsByDevice: recorder.countsByDevice,
    invariants: { checked, violations },
  };
  const gap = recorder.longestProbeGap();
  if (gap !== undefined) record.observedNs = gap;
  return opts.keepEvents ? { record, events } : { record };
}
