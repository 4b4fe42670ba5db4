// helpers.ts — hand-built scenarios for the data-plane tests: a small guest with one NIC of a
// shipped profile, optional traffic and probe flow.

import type { Scenario, ResolvedDevice } from '../../../sim/scenario/scenario.js';
import type { RunOutput } from '../../../sim/testbed/simulateMigration.js';
import { shippedProfile } from '../../device/helpers.js';
import type { NicConfig } from '../../../sim/guest/virtioNet.js';
import { defaultHostCosts, type HostCosts } from '../../../device/vhost/hostCosts.js';
import { defaultVmmCosts } from '../../../vmm/vmmCosts.js';

export const MiB = 1 << 20;
export const GiB = 1 << 30;

export interface ScenarioOpts {
  profile?: string;
  memory?: number;
  queuePairs?: number;
  queueSize?: number;
  devices?: number;
  traffic?: Scenario['workload']['traffic'];
  probe?: Scenario['workload']['probe'];
  nic?: NicConfig;
  strategies?: Partial<Scenario['migration']['strategies']>;
  bandwidth?: number;
  backing?: Scenario['vm']['backing'];
  prealloc?: boolean;
  everWritten?: number;
  host?: Partial<HostCosts>;
  faults?: Scenario['faults'];
  rxRefillDiscarded?: number;
  partialOrder?: boolean;
  /** Overrides of the profile's capabilities and costs (e.g. pageFaults). */
  capabilities?: Partial<ResolvedDevice['profile']['capabilities']>;
  costs?: Partial<ResolvedDevice['profile']['costs']>;
}

function device(name: string, o: ScenarioOpts): ResolvedDevice {
  const base = shippedProfile(o.profile ?? 'vdpa_sim');
  const profile = { ...base, capabilities: { ...base.capabilities, ...o.capabilities }, costs: { ...base.costs, ...o.costs } };
  return {
    name,
    profileRef: profile.name,
    profile,
    overrides: {},
    queuePairs: o.queuePairs ?? 1,
    queueSize: o.queueSize ?? 256,
    ring: 'split',
    inOrder: false,
    partialOrder: o.partialOrder ?? false,
    nic: o.nic ?? { vlans: 0, macTableEntries: 0, rss: false, promisc: false, allmulti: false },
  };
}

export function scenario(o: ScenarioOpts = {}): Scenario {
  const n = o.devices ?? 1;
  return {
    name: 'dataplane',
    description: '',
    seed: 7,
    replications: 1,
    warmup: 0,
    vm: { memory: o.memory ?? 1 * GiB, layout: 'q35', backing: o.backing ?? 'thp', contiguousRun: null, prealloc: o.prealloc ?? true },
    host: { ...defaultHostCosts, ...o.host },
    vmm: defaultVmmCosts,
    devices: Array.from({ length: n }, (_, i) => device(`net${i}`, o)),
    workload: { dirtyRate: 0, hotSet: 0, everWritten: o.everWritten ?? 1, rxRefillDiscarded: o.rxRefillDiscarded ?? 0, traffic: o.traffic ?? null, probe: o.probe ?? null },
    migration: {
      bandwidth: o.bandwidth ?? 1.25e9,
      downtimeLimit: 300_000_000,
      maxIterations: 30,
      startAt: 100_000_000,
      transport: 'vhost-vdpa',
      strategies: { descGroup: false, iotlbPersist: false, earlyMap: false, batchMaps: false, pageFaults: false, svqPacked: false, ...o.strategies },
    },
    gates: [],
    faults: o.faults ?? [],
  };
}

/**
 * What the observation windows must not change: the whole run record but the number of
 * invariant checks, which counts the buffers simulated one by one (violations stay).
 */
export function windowedRecord(r: RunOutput) {
  const { invariants, ...rest } = r.record;
  return { ...rest, violations: invariants.violations };
}
