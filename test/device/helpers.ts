// helpers.ts — test helpers for the device model: build a device on a fresh kernel, run a
// process to completion, and tally the events it emitted (metrics count from events too).

import { EventBus, type ModelEvent } from '../../sim/events/events.js';
import { Kernel, type Proc } from '../../sim/kernel/index.js';
import { buildDevice, type DeviceEnv } from '../../device/parents/vdpaDevAdd.js';
import { VhostVdpa } from '../../device/vhost/vhostVdpa.js';
import { HostMemory } from '../../device/shared/hostMemory.js';
import { vdpaSimProfile } from '../../device/profiles/vdpaSim.js';
import type { HostCosts } from '../../device/vhost/hostCosts.js';
import type { Backing } from '../../device/shared/backing.js';
import type { Profile } from '../../device/profiles/profile.js';
import { shippedProfiles } from '../../device/profiles/index.js';

export const GiB = 1 << 30;
export const MiB = 1 << 20;

/** The shipped profile called `name`; throws on a name no shipped profile has. */
export function shippedProfile(name: string): Profile {
  const p = shippedProfiles[name];
  if (p === undefined) throw new Error(`no shipped profile "${name}"`);
  return p;
}

/** Counts of what the event stream reported. */
export class Tally {
  readonly events: ModelEvent[] = [];
  constructor(bus: EventBus) {
    bus.stream.subscribe((e) => this.events.push(e));
  }
  /** Messages of a type (optionally only failed ones with that errno). */
  msgs(type: string, errno?: string): number {
    return this.events.filter((e) => e.kind === 'msg' && e.type === type && (errno === undefined || e.errno === errno)).length;
  }
  mapWork(what: string): number {
    return this.events.filter((e) => e.kind === 'mapWork' && e.what === what).length;
  }
  mkeysCreated(): number {
    return this.events.reduce((s, e) => s + (e.kind === 'mapWork' ? (e.mkeysCreated ?? 0) : 0), 0);
  }
  mkeysDestroyed(): number {
    return this.events.reduce((s, e) => s + (e.kind === 'mapWork' ? (e.mkeysDestroyed ?? 0) : 0), 0);
  }
  pinnedPages(): number {
    return this.events.reduce((s, e) => s + (e.kind === 'pin' && e.pages > 0 ? e.pages : 0), 0);
  }
  unpinnedPages(): number {
    return this.events.reduce((s, e) => s + (e.kind === 'pin' && e.pages < 0 ? -e.pages : 0), 0);
  }
  faults(): Extract<ModelEvent, { kind: 'fault' }>[] {
    return this.events.filter((e): e is Extract<ModelEvent, { kind: 'fault' }> => e.kind === 'fault');
  }
}

/** A device of `profile` on a fresh kernel, with guest RAM mapped at HVA 1 TiB (size `ramBytes`). */
/** Host kernel costs of zero, for tests that derive device times by hand. */
export const ZERO_HOST_COSTS: HostCosts = {
  pinSmallPerPageNs: 0,
  unpinPerPageNs: 0,
  setDirtyPerPageNs: 0,
  pinLargePerSubpageNs: 0,
  faultSmallNs: 0,
  faultLargeNs: 0,
  zeroBytesPerSecond: Number.POSITIVE_INFINITY,
  iotlbEntryAddNs: 0,
  iotlbEntryDelNs: 0,
  memlockLimitBytes: null,
};

export function setup(profile: Profile, opts: { queuePairs?: number; ramBytes?: number; hostCosts?: HostCosts; backing?: Backing } = {}) {
  const kernel = new Kernel();
  const bus = new EventBus();
  const tally = new Tally(bus);
  const hostMemory = new HostMemory();
  const ramHva = 1024 * GiB;
  const ramBytes = opts.ramBytes ?? 4 * GiB;
  const m = hostMemory.map('pc.ram', ramHva, ramBytes, 'guestRam', true, opts.backing);
  if (!m.ok) throw new Error(m.reason);
  const { device, added, fd } = openDevice({ kernel, bus, hostMemory, hostCosts: opts.hostCosts }, profile, 'vdpa0', opts.queuePairs ?? 1);
  return { kernel, bus, tally, hostMemory, device, added, fd, ramHva, ramBytes };
}

/** Runs `body` as a process until the kernel is idle; returns its value and the time it ended. */
export function run<T>(kernel: Kernel, body: Proc<T>): { value: T; t: number } {
  const p = kernel.spawn(body, 'test');
  kernel.run();
  if (!p.done) throw new Error('process did not finish');
  return { value: p.result as T, t: kernel.now };
}

/** `vdpa dev add` and open of its vhost-vdpa fd: the device core (to probe DMA), the added device and the fd. */
export function openDevice(env: DeviceEnv & { hostCosts?: HostCosts | undefined }, profile: Profile, name: string, queuePairs: number) {
  const b = buildDevice(env, profile, name, queuePairs);
  if (!b.ok) throw new Error(b.reason);
  return { device: b.value.core, added: b.value.device, fd: new VhostVdpa(env, b.value.device) };
}

/** vdpa_sim in pa mode (module parameter use_va=0, entry limit lifted): vhost-vdpa pins what it maps, one entry per 4 KiB run. */
export const paVdpaSim: Profile = { ...vdpaSimProfile, name: 'vdpa_sim', capabilities: { ...vdpaSimProfile.capabilities, useVa: false, maxIotlbEntries: null } };
