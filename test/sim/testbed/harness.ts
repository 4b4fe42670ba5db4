// harness.ts — one NIC on a source and a destination host with the data plane attached, as the
// run engine builds it, but with every object in reach of the tests.

import { EventBus, type ModelEvent } from '../../../sim/events/events.js';
import { Kernel, Rng, type Proc } from '../../../sim/kernel/index.js';
import { HostMemory } from '../../../device/shared/hostMemory.js';
import { openDevice } from '../../device/helpers.js';
import { featureBit } from '../../../device/uapi/uapi.js';
import { ringAreaSizes } from '../../../device/shared/ring/ringSizes.js';
import { GuestMemory, PAGE_SIZE } from '../../../vmm/guestMemory.js';
import { QemuHeap } from '../../../vmm/qemuHeap.js';
import { TreeIovaAllocator } from '../../../vmm/iovaAllocator.js';
import { VhostIovaTree } from '../../../vmm/iovaTree.js';
import { VhostVdpaNet } from '../../../vmm/vhostVdpaNet.js';
import { NetCtrlState } from '../../../vmm/cvqState.js';
import { DirtyLog } from '../../../vmm/dirtyLog.js';
import { migrate } from '../../../vmm/migration.js';
import { defaultVmmCosts } from '../../../vmm/vmmCosts.js';
import { wireNic } from '../../../sim/testbed/nicWiring.js';
import { DirtyModel } from '../../../sim/guest/dirtyModel.js';
import type { DetailMode } from '../../../sim/testbed/detailWindows.js';
import { scenario, type ScenarioOpts } from './helpers.js';

export interface HarnessOpts extends ScenarioOpts {
  expectFaults?: boolean;
  /** How the data plane runs during pre-copy (default: observation windows). */
  detail?: DetailMode;
  /** Guest CPU dirtying during the migration (bytes/s over a hot set); none by default. */
  cpuDirty?: { dirtyRate: number; hotBytes: number };
}

export function harness(o: HarnessOpts = {}) {
  const sc = scenario(o);
  const d = sc.devices[0];
  if (d === undefined) throw new Error('harness: the scenario has no device');
  const kernel = new Kernel();
  const bus = new EventBus();
  const events: ModelEvent[] = [];
  bus.stream.subscribe((e) => events.push(e));
  const mem = GuestMemory.create({ layout: 'q35', ramBytes: sc.vm.memory });
  if (!mem.ok) throw new Error(mem.reason);
  const memory = mem.value;
  const sizes = ringAreaSizes(d.ring, d.queueSize);
  const side = (role: 'src' | 'dst') => {
    const host = new HostMemory();
    for (const b of memory.blocks) host.map(b.idstr, b.hva, b.usedLength, 'guestRam');
    const { added: dev, fd } = openDevice({ kernel, bus, hostMemory: host }, d.profile, `${role}:${d.name}`, d.queuePairs);
    const net = new VhostVdpaNet(
      kernel,
      bus,
      fd,
      {
        name: `${role}:${d.name}`,
        queuePairs: d.queuePairs,
        queueSize: d.queueSize,
        features: featureBit('VERSION_1') | featureBit('ACCESS_PLATFORM') | featureBit('NET_F_CTRL_VQ') | (d.queuePairs > 1 ? featureBit('NET_F_MQ') : 0n),
        strategies: { ...sc.migration.strategies },
        svqSizes: { descBytes: sizes.descArea, driverAreaBytes: sizes.svqDriverArea, deviceAreaBytes: sizes.svqDeviceArea },
        cvqBufferBytes: PAGE_SIZE,
        guestRingGpa: 0x100000,
      },
      memory.listenerSections(),
      () => new TreeIovaAllocator(new VhostIovaTree()),
      new QemuHeap(host),
    );
    return { host, dev, net };
  };
  const src = side('src');
  const dst = side('dst');
  const ctrl = new NetCtrlState(d.queuePairs, d.queuePairs);
  const dp = wireNic({
    kernel,
    bus,
    rng: Rng.fromSeed(5),
    device: d,
    scenario: sc,
    src,
    dst,
    ctrl,
    memory,
    expectFaults: o.expectFaults,
    detail: o.detail,
  });
  /** Runs a process to completion (the traffic is halted when it returns). */
  const run = <T>(body: Proc<T>): T => {
    const p = kernel.spawn(body);
    p.onSettled(() => dp.halt());
    kernel.run();
    if (!p.done) throw new Error('process did not finish');
    return p.result as T;
  };
  /** The whole migration, as the run engine drives it. */
  const migration = () =>
    migrate({
      kernel,
      bus,
      memory,
      log: new DirtyLog(memory),
      model: o.cpuDirty && new DirtyModel({ ramBytes: sc.vm.memory, hotBytes: o.cpuDirty.hotBytes, dirtyRate: o.cpuDirty.dirtyRate }, Rng.fromSeed(9)),
      devices: [{ name: d.name, src: src.net, dst: dst.net, ctrl }],
      costs: defaultVmmCosts,
      policy: { bandwidth: sc.migration.bandwidth, downtimeLimitNs: sc.migration.downtimeLimit, maxIterations: sc.migration.maxIterations, startAtNs: sc.migration.startAt },
      deviceDirty: () => dp.deviceDirty(),
      onPrecopyPass: (pass) => dp.onPrecopyPass(pass),
      onSwitchover: (edge) => dp.onSwitchover(edge),
    });
  return { sc, kernel, bus, events, memory, src, dst, ctrl, dp, run, migration };
}

/** Duration of the first complete phase `name` of `device`. */
export function phaseNs(events: readonly ModelEvent[], name: string, device: string, nth = 0): number {
  let begin = -1;
  let seen = 0;
  for (const e of events) {
    if (e.kind !== 'phase' || e.name !== name || e.device !== device) continue;
    if (e.edge === 'begin') begin = e.t;
    else if (seen++ === nth) return e.t - begin;
  }
  throw new Error(`no phase ${name} #${nth} of ${device}`);
}
