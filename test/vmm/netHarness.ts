// netHarness.ts — a source host with one vDPA NIC and QEMU's vhost-vdpa net client on top, for
// tests of the client's sequences (the CVQ replay is answered by a stand-in channel).

import { EventBus } from '../../sim/events/events.js';
import { Kernel, type Proc } from '../../sim/kernel/index.js';
import { openDevice } from '../device/helpers.js';
import { HostMemory } from '../../device/shared/hostMemory.js';
import type { Profile } from '../../device/profiles/profile.js';
import { featureBit } from '../../device/uapi/uapi.js';
import { ringAreaSizes } from '../../device/shared/ring/ringSizes.js';
import { GuestMemory } from '../../vmm/guestMemory.js';
import { QemuHeap } from '../../vmm/qemuHeap.js';
import { TreeIovaAllocator } from '../../vmm/iovaAllocator.js';
import { VhostIovaTree } from '../../vmm/iovaTree.js';
import { VhostVdpaNet, type NetStrategies } from '../../vmm/vhostVdpaNet.js';
import { NetCtrlState } from '../../vmm/cvqState.js';
import { Tally } from '../device/helpers.js';

const GiB = 1024 ** 3;

export interface NetHarnessOptions {
  profile: Profile;
  memory?: number;
  queuePairs?: number;
  strategies?: Partial<NetStrategies>;
  /** Per replayed command, the stand-in CVQ channel's time (ns). */
  cvqCommandNs?: number;
}

export function netHarness(o: NetHarnessOptions) {
  const kernel = new Kernel();
  const bus = new EventBus();
  const tally = new Tally(bus);
  const mem = GuestMemory.create({ layout: 'q35', ramBytes: o.memory ?? 16 * GiB });
  if (!mem.ok) throw new Error(mem.reason);
  const host = new HostMemory();
  for (const b of mem.value.blocks) host.map(b.idstr, b.hva, b.usedLength, 'guestRam');
  const qp = o.queuePairs ?? 1;
  const { device, fd } = openDevice({ kernel, bus, hostMemory: host }, o.profile, 'src:net0', qp);
  const sizes = ringAreaSizes('split', 256);
  const net = new VhostVdpaNet(
    kernel,
    bus,
    fd,
    {
      name: 'src:net0',
      queuePairs: qp,
      queueSize: 256,
      features: featureBit('VERSION_1') | featureBit('ACCESS_PLATFORM') | featureBit('NET_F_CTRL_VQ') | (qp > 1 ? featureBit('NET_F_MQ') : 0n),
      strategies: { descGroup: false, iotlbPersist: false, earlyMap: false, batchMaps: false, pageFaults: false, svqPacked: false, ...o.strategies },
      svqSizes: { descBytes: sizes.descArea, driverAreaBytes: sizes.svqDriverArea, deviceAreaBytes: sizes.svqDeviceArea },
      cvqBufferBytes: 4096,
      guestRingGpa: 0x100000,
    },
    mem.value.listenerSections(),
    () => new TreeIovaAllocator(new VhostIovaTree()),
    new QemuHeap(host),
  );
  const replayed: number[] = [];
  net.attachDataPath(null, {
    *sendAll(commands) {
      replayed.push(commands.length);
      yield commands.length * (o.cvqCommandNs ?? 1000);
      return { ok: true, value: commands.map(() => 0) };
    },
  });
  const ctrl = new NetCtrlState(qp, qp);
  /** When the last process run by `run` returned (background work, such as the MR GC, may run on). */
  let endedAt = 0;
  /** Runs a process to completion and returns its value. */
  const run = <T>(body: Proc<T>): T => {
    const p = kernel.spawn(
      (function* (): Proc<T> {
        const v = yield* body;
        endedAt = kernel.now;
        return v;
      })(),
    );
    kernel.run();
    if (!p.done) throw new Error('process did not finish');
    return p.result as T;
  };
  return { kernel, bus, tally, memory: mem.value, host, device, fd, net, ctrl, run, replayed, endedAt: () => endedAt };
}
