// adminHost.ts — one NIC of a host on the admin-vq transport: a management device of the NIC's
// profile (its admin virtqueue, the virtual device it will create, the device MMU), the host's
// management driver over it (pinning, dirty tracking) and QEMU's admin-vq client. buildHost
// calls it instead of `vdpa dev add` + vhost-vdpa when `migration.transport` is admin-vq.

import type { Kernel, Rng } from '../kernel/index.js';
import type { EventBus } from '../events/events.js';
import type { AdminVqChoices } from '../scenario/scenario.js';
import type { AddedDevice } from '../../device/parents/vdpaDevAdd.js';
import type { Profile } from '../../device/profiles/profile.js';
import type { HostMemory } from '../../device/shared/hostMemory.js';
import type { FaultPlan } from '../../device/shared/faultPlan.js';
import type { HostCosts } from '../../device/vhost/hostCosts.js';
import type { Backing } from '../../device/shared/backing.js';
import { ManagementDevice } from '../../device/admin/managementDevice.js';
import { ManagementDriver } from '../../device/admin/managementDriver.js';
import { AdminVqNet, type DevPartsStream } from '../../vmm/adminVqNet.js';
import type { NetClientConfig } from '../../vmm/vhostVdpaNet.js';
import type { ListenerSection } from '../../vmm/memoryListener.js';
import type { QemuHeap } from '../../vmm/qemuHeap.js';
import { VhostIovaTree } from '../../vmm/iovaTree.js';
import { TreeIovaAllocator } from '../../vmm/iovaAllocator.js';
import { RunFailure } from './runFailure.js';

/** What one admin-vq NIC needs from its host. */
export interface AdminNicInput {
  kernel: Kernel;
  bus: EventBus;
  rng: Rng;
  role: 'src' | 'dst';
  hostMemory: HostMemory;
  hostCosts: HostCosts;
  faults?: FaultPlan;
  profile: Profile;
  cfg: NetClientConfig;
  choices: AdminVqChoices;
  /** The guest RAM backing (the IOMMU's leaf page size follows its folio). */
  backing: Backing;
  sections: readonly ListenerSection[];
  heap: QemuHeap;
  /** Shared by the NIC's source and destination: the device parts on their way. */
  stream: DevPartsStream;
}

/** The leaf IO page size the IOMMU maps guest RAM with: the backing's folio (4 KiB, 2 MiB or 1 GiB). */
function ioPageBytes(backing: Backing): number {
  return Math.min(backing.folioBytes, 1 << 30);
}

/** Builds the NIC: its (provisioned) virtual device and QEMU's client. */
export function buildAdminNic(input: AdminNicInput): { dev: AddedDevice; net: AdminVqNet } {
  const { kernel, bus, choices, cfg } = input;
  const env = { kernel, bus, hostMemory: input.hostMemory, rng: input.rng, ...(input.faults === undefined ? {} : { faults: input.faults }) };
  const mgmt = new ManagementDevice(env, input.profile, `${cfg.name} mgmt`, { keepMapsAtReset: choices.mmuMapsAtReset === 'keep' });
  const dev = mgmt.provision(cfg.name, cfg.queuePairs);
  if (!dev.ok) throw new RunFailure(`admin-vq ${cfg.name}: ${dev.errno}: ${dev.reason}`);
  const granule = choices.dirtyTracking === 'iommu' ? ioPageBytes(input.backing) : 4096;
  const driver = new ManagementDriver({ kernel, bus, hostMemory: input.hostMemory, hostCosts: input.hostCosts }, mgmt, cfg.name, {
    tracking: choices.dirtyTracking,
    granule,
    readPerEntryNs: choices.dirtyReadPerEntryNs,
  });
  const net = new AdminVqNet(
    kernel,
    bus,
    driver,
    cfg,
    { role: input.role, mode: choices.mode, serial: choices.pipeline === 'serial', createAt: choices.destinationCreate, keepMapsAtReset: choices.mmuMapsAtReset === 'keep' },
    input.stream,
    input.sections,
    () => new TreeIovaAllocator(new VhostIovaTree()),
    input.heap,
  );
  return { dev: dev.value, net };
}
