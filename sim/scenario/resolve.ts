// resolve.ts — from a parsed scenario document to a resolved Scenario, in stages: schema,
// variant/sweep definitions, device profiles (with overrides), capability rules. Problems of the
// first failing stage are returned; problems inside profile files are thrown as InputError.

import type { Profile } from '../../device/profiles/profile.js';
import { checkExpansion, checkScenario } from './checks.js';
import { problemsFromZod, type Problem } from './problem.js';
import { applyOverrides, type ProfileLoader } from './profileLoader.js';
import type { ResolvedDevice, Scenario } from './scenario.js';
import { scenarioSchema, type ScenarioInput } from './schema.js';
import { parseThreshold, type Threshold } from '../notation/threshold.js';
import { defaultHostCosts, type HostCosts } from '../../device/vhost/hostCosts.js';
import { defaultVmmCosts, type VmmCosts } from '../../vmm/vmmCosts.js';

/** Where profile references resolve from. */
export interface ResolveContext {
  /** Directory of the scenario file (profile paths are relative to it). */
  dir: string;
  /** Loader (and cache) of profile files. */
  profiles: ProfileLoader;
}

export type ResolveResult =
  | { ok: true; input: ScenarioInput; scenario: Scenario }
  | { ok: false; problems: Problem[] };

const PAGE = 4096;

/** Validate and resolve a scenario document. */
export function resolveScenario(raw: unknown, ctx: ResolveContext): ResolveResult {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: problemsFromZod(parsed.error, raw, scenarioSchema) };
  const input = parsed.data;

  const expansion = checkExpansion(input);
  if (expansion.length > 0) return { ok: false, problems: expansion };

  const profiles: Profile[] = [];
  const problems: Problem[] = [];
  input.devices.forEach((d, i) => {
    const r = ctx.profiles.resolve(d.profile, ctx.dir);
    if (!r.ok) {
      problems.push({ path: ['devices', i, 'profile'], message: r.message });
      return;
    }
    const o = applyOverrides(r.profile, { capabilities: d.capabilities, costs: d.costs });
    if (!o.ok) {
      for (const p of o.problems) problems.push({ ...p, path: ['devices', i, ...p.path] });
      return;
    }
    profiles.push(o.profile);
  });
  if (problems.length > 0) return { ok: false, problems };

  const rules = checkScenario(input, profiles);
  if (rules.length > 0) return { ok: false, problems: rules };
  return { ok: true, input, scenario: toScenario(input, profiles) };
}

function toScenario(input: ScenarioInput, profiles: readonly Profile[]): Scenario {
  const devices: ResolvedDevice[] = input.devices.map((d, i) => ({
    name: d.name,
    profileRef: d.profile,
    profile: profiles[i]!,
    overrides: {
      ...(d.capabilities === undefined ? {} : { capabilities: d.capabilities }),
      ...(d.costs === undefined ? {} : { costs: d.costs }),
    },
    queuePairs: d.queuePairs,
    nic: { ...d.nic },
    queueSize: d.queueSize,
    ring: d.ring,
    inOrder: d.inOrder,
    partialOrder: d.partialOrder,
  }));
  const w = input.workload;
  const m = input.migration;
  return {
    name: input.name,
    description: input.description ?? '',
    seed: input.seed,
    replications: input.replications,
    warmup: input.warmup,
    vm: { memory: input.vm.memory, layout: input.vm.layout, backing: input.vm.backing, contiguousRun: input.vm.contiguousRun ?? null, prealloc: input.vm.prealloc },
    host: resolveHost(input.host),
    vmm: resolveVmm(input.vmm),
    devices,
    workload: {
      dirtyRate: w.dirtyRate,
      hotSet: w.hotSet ?? Math.floor(input.vm.memory / 10 / PAGE) * PAGE,
      everWritten: w.everWritten,
      rxRefillDiscarded: w.rxRefillDiscarded,
      traffic: w.traffic === undefined ? null : { ...w.traffic },
      probe: w.probe === undefined ? null : { ...w.probe },
    },
    migration: {
      bandwidth: m.bandwidth,
      downtimeLimit: m.downtimeLimit,
      maxIterations: m.maxIterations,
      startAt: m.startAt,
      transport: m.transport,
      adminVq: {
        mode: m.adminVq?.mode ?? 'svq',
        pipeline: m.adminVq?.pipeline ?? 'serial',
        destinationCreate: m.adminVq?.destinationCreate ?? 'init',
        mmuMapsAtReset: m.adminVq?.mmuMapsAtReset ?? 'keep',
        dirtyTracking: m.adminVq?.dirtyTracking ?? 'iommu',
        dirtyReadPerEntryNs: m.adminVq?.dirtyReadPerEntryNs ?? 1,
      },
      strategies: {
        descGroup: m.strategies.descGroup,
        iotlbPersist: m.strategies.iotlbPersist,
        earlyMap: m.strategies.earlyMap,
        batchMaps: m.strategies.batchMaps,
        pageFaults: m.strategies.pageFaults,
        svqPacked: m.strategies.svqPacked,
      },
    },
    gates: input.gates.map((g) => parseThreshold(g) as Threshold),
    faults: input.faults.map((f) => ({ ...f })),
  };
}

/** Host kernel costs: the defaults with the scenario's overrides. */
function resolveHost(h: ScenarioInput['host']): HostCosts {
  const out: HostCosts = { ...defaultHostCosts };
  for (const k of Object.keys(h) as (keyof ScenarioInput['host'])[]) {
    const v = h[k];
    if (v === undefined) continue;
    if (k === 'memlockLimit') out.memlockLimitBytes = v === 'unlimited' ? null : (v);
    else out[k] = v as number;
  }
  return out;
}

/** VMM costs: the defaults with the scenario's overrides (durations in ns). */
function resolveVmm(v: ScenarioInput['vmm']): VmmCosts {
  const d = defaultVmmCosts;
  return {
    vmStopNs: v.vmStop ?? d.vmStopNs,
    vmStartNs: v.vmStart ?? d.vmStartNs,
    deviceStateLoadNs: v.deviceStateLoad ?? d.deviceStateLoadNs,
    deviceStateBytes: v.deviceStateBytes ?? d.deviceStateBytes,
    svqAllocNs: v.svqAlloc ?? d.svqAllocNs,
    cvqPollNs: v.cvqPoll ?? d.cvqPollNs,
    destConfigNs: v.destConfig ?? d.destConfigNs,
  };
}
