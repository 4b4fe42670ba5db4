// host.ts — one host of the testbed: the QEMU process's memory with the guest RAM mapped in, QEMU's
// heap, and per NIC of the scenario the vDPA device (`vdpa dev add`), its open vhost-vdpa fd and
// QEMU's vhost-vdpa net client over it. The source and the destination are each built by buildHost.

import type { Kernel, Rng } from '../kernel/index.js';
import type { EventBus } from '../events/events.js';
import type { ResolvedDevice, Scenario } from '../scenario/scenario.js';
import { HostMemory } from '../../device/shared/hostMemory.js';
import { backingOf } from '../../device/shared/backing.js';
import type { FaultPlan } from '../../device/shared/faultPlan.js';
import { ringAreaSizes } from '../../device/shared/ring/ringSizes.js';
import { featureBit, type VirtioFeatureName } from '../../device/uapi/uapi.js';
import { vdpaDevAdd, type AddedDevice } from '../../device/parents/vdpaDevAdd.js';
import { VhostVdpa } from '../../device/vhost/vhostVdpa.js';
import { PAGE_SIZE, type GuestMemory } from '../../vmm/guestMemory.js';
import type { ListenerSection } from '../../vmm/memoryListener.js';
import { QemuHeap } from '../../vmm/qemuHeap.js';
import { VhostIovaTree } from '../../vmm/iovaTree.js';
import { TreeIovaAllocator } from '../../vmm/iovaAllocator.js';
import { VhostVdpaNet, type NetClientConfig } from '../../vmm/vhostVdpaNet.js';
import type { NetClient } from '../../vmm/netClient.js';
import type { DevPartsStream } from '../../vmm/adminVqNet.js';
import { buildAdminNic } from './adminHost.js';
import { guestRingAreas } from '../guest/virtioNet.js';
import { RunFailure } from './runFailure.js';

export type HostRole = 'src' | 'dst';

/** One NIC on one host: the device and QEMU's client driving it through vhost-vdpa. */
interface HostNic {
  readonly dev: AddedDevice;
  readonly net: NetClient;
}

export interface Host {
  readonly role: HostRole;
  /** The QEMU process's address space (guest RAM and QEMU's own allocations). */
  readonly mem: HostMemory;
  /** QEMU's allocations (shadow vrings, CVQ buffers). */
  readonly heap: QemuHeap;
  /** One per scenario device, in scenario order. */
  readonly nics: readonly HostNic[];
}

/** What building a host needs from the run. */
export interface HostContext {
  kernel: Kernel;
  bus: EventBus;
  rng: Rng;
  scenario: Scenario;
  memory: GuestMemory;
  sections: readonly ListenerSection[];
  /** The run's injected faults (vhost-vdpa and the devices ask it at their fault points). */
  faults?: FaultPlan;
  /** Admin-vq transport: per NIC, where its device parts travel from source to destination. */
  partsStreams?: readonly DevPartsStream[];
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

/** QEMU's net client configuration for `d` on a host. */
function clientConfig(ctx: HostContext, role: HostRole, d: ResolvedDevice, guestRingGpa: number): NetClientConfig {
  const sizes = ringAreaSizes(d.ring, d.queueSize);
  const strategies = ctx.scenario.migration.strategies;
  return {
    name: `${role}:${d.name}`,
    queuePairs: d.queuePairs,
    queueSize: d.queueSize,
    features: wantedFeatures(d),
    strategies: { ...strategies },
    svqSizes: { descBytes: sizes.descArea, driverAreaBytes: sizes.svqDriverArea, deviceAreaBytes: sizes.svqDeviceArea },
    cvqBufferBytes: PAGE_SIZE,
    guestRingGpa,
  };
}

/**
 * Builds one host. On the destination the guest RAM is not resident until the first pre-copy
 * pass has written it (`ramResident` false).
 */
export function buildHost(ctx: HostContext, role: HostRole, ramResident: boolean): Host {
  const mem = new HostMemory();
  const backing = backingOf(ctx.scenario.vm.backing, ctx.scenario.vm.contiguousRun ?? undefined);
  for (const b of ctx.memory.blocks) {
    const r = mem.map(b.idstr, b.hva, b.usedLength, 'guestRam', ramResident, backing);
    if (!r.ok) throw new RunFailure(`mapping guest RAM block ${b.idstr}: ${r.reason}`);
  }
  const heap = new QemuHeap(mem);
  const env = { kernel: ctx.kernel, bus: ctx.bus, hostMemory: mem, hostCosts: ctx.scenario.host, ...(ctx.faults === undefined ? {} : { faults: ctx.faults }) };
  // The guest driver puts the NICs' rings and buffers one after the other in low RAM, in scenario order.
  const rings = guestRingAreas(ctx.scenario.devices);
  const nics = ctx.scenario.devices.map((d, i): HostNic => {
    const name = `${role}:${d.name}`;
    const adminVq = ctx.scenario.migration.adminVq;
    if (ctx.scenario.migration.transport === 'admin-vq' && adminVq !== undefined) {
      return buildAdminNic({
        ...env,
        rng: ctx.rng.fork(`device:${name}`),
        role,
        hostCosts: ctx.scenario.host,
        profile: d.profile,
        cfg: clientConfig(ctx, role, d, rings.starts[i]!),
        choices: adminVq,
        backing,
        sections: ctx.sections,
        heap,
        stream: ctx.partsStreams?.[i] ?? { parts: null },
      });
    }
    const added = vdpaDevAdd({ ...env, rng: ctx.rng.fork(`device:${name}`) }, d.profile, name, d.queuePairs);
    if (!added.ok) throw new RunFailure(`vdpa dev add ${name}: ${added.errno}: ${added.reason}`);
    const fd = new VhostVdpa(env, added.value);
    const net = new VhostVdpaNet(ctx.kernel, ctx.bus, fd, clientConfig(ctx, role, d, rings.starts[i]!), ctx.sections, () => new TreeIovaAllocator(new VhostIovaTree()), heap);
    return { dev: added.value, net };
  });
  return { role, mem, heap, nics };
}
