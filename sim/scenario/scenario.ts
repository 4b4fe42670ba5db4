// scenario.ts — the resolved scenario the run engine consumes: validated, defaults filled,
// units converted (sizes in bytes, durations in integer ns, rates in bytes/s or packets/s),
// and every device carrying its full resolved Profile.

import type { Profile } from '../../device/profiles/profile.js';
import type { ProfileOverrides } from './profileLoader.js';
import type { Threshold } from '../notation/threshold.js';
import type { BackingKind } from '../../device/shared/backing.js';
import type { HostCosts } from '../../device/vhost/hostCosts.js';
import type { VmmCosts } from '../../vmm/vmmCosts.js';

export interface ResolvedDevice {
  /** Device name, unique in the scenario. */
  name: string;
  /** The `profile` value as written (shipped name or file path). */
  profileRef: string;
  /** The profile after its extends chain and the device's overrides. */
  profile: Profile;
  /** Overrides the scenario applied to the profile (empty when none). */
  overrides: ProfileOverrides;
  /** Queue pairs in use. */
  queuePairs: number;
  /** Virtqueue size (power of two). */
  queueSize: number;
  /** Ring layout. */
  ring: 'split' | 'packed';
  /** VIRTIO_F_IN_ORDER negotiated. */
  inOrder: boolean;
  /** PARTIAL_ORDER negotiated. */
  partialOrder: boolean;
  /** The guest's NIC configuration (CVQ state). */
  nic: { vlans: number; macTableEntries: number; rss: boolean; promisc: boolean; allmulti: boolean };
}

export interface Scenario {
  /** Scenario identifier. */
  name: string;
  /** Free text, empty when absent. */
  description: string;
  /** Base seed (32-bit unsigned). */
  seed: number;
  /** Recorded replications per variant. */
  replications: number;
  /** Discarded warm-up replications per variant, run before the recorded ones. */
  warmup: number;
  vm: {
    /** Guest RAM, bytes. */
    memory: number;
    /** RAM layout. */
    layout: 'q35' | 'flat';
    /** Guest RAM backing. */
    backing: BackingKind;
    /** Physically contiguous run length, bytes (null: one folio). */
    contiguousRun: number | null;
    /** RAM resident from QEMU start (prealloc=on). */
    prealloc: boolean;
  };
  /** Host kernel costs (defaults with the scenario's overrides). */
  host: HostCosts;
  /** VMM costs (defaults with the scenario's overrides). */
  vmm: VmmCosts;
  devices: ResolvedDevice[];
  workload: {
    /** Guest CPU write rate, bytes/s. */
    dirtyRate: number;
    /** Bytes the guest keeps rewriting (default 10% of memory, rounded down to 4 KiB). */
    hotSet: number;
    /** Fraction of guest RAM ever written (resident at the destination once migrated). */
    everWritten: number;
    /** Fraction of RX refills whose memory the host discarded since its last use (pageFaults only). */
    rxRefillDiscarded: number;
    /** Data-plane traffic, or null for none. */
    traffic: { packetsPerSecond: number; packetSize: number; rxFraction: number } | null;
    /** Probe flow, or null for none. */
    probe: { interval: number } | null;
  };
  migration: {
    /** Bytes/s. */
    bandwidth: number;
    /** ns. */
    downtimeLimit: number;
    maxIterations: number;
    /** How long the VM runs after boot before the migration starts, ns. */
    startAt: number;
    transport: 'vhost-vdpa' | 'admin-vq';
    /** The admin-vq transport's choices (resolved scenarios always have them; unused with vhost-vdpa). */
    adminVq?: AdminVqChoices;
    strategies: {
      descGroup: boolean;
      iotlbPersist: boolean;
      earlyMap: boolean;
      batchMaps: boolean;
      pageFaults: boolean;
      svqPacked: boolean;
    };
  };
  /** Parsed gate thresholds. */
  gates: Threshold[];
  /** Injected faults, in scenario order. */
  faults: ScenarioFault[];
}

/** The admin-vq transport's choices (scenario `migration.adminVq`). */
export interface AdminVqChoices {
  mode: 'svq' | 'deviceParts';
  pipeline: 'serial' | 'queued';
  destinationCreate: 'init' | 'switchover';
  mmuMapsAtReset: 'keep' | 'drop';
  dirtyTracking: 'iommu' | 'device';
  /** ns per leaf IO page-table entry. */
  dirtyReadPerEntryNs: number;
}

/** One injected fault of a scenario. */
export type ScenarioFault =
  | { kind: 'iotlbUpdate' | 'cvqNack' | 'driverOk'; device: string; host: 'source' | 'destination'; during: string; nth: number; errno: string }
  | { kind: 'needsReset'; device: string; host: 'source' | 'destination'; during: string; after: number }
  | { kind: 'cancel'; afterPass: number };
