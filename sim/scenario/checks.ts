// checks.ts — scenario rules spanning several fields or needing the devices' resolved profiles:
// device limits, capability-dependent features and strategies, and variant/sweep definitions.

import { persistentMaps, type Profile } from '../../device/profiles/profile.js';
import { formatPath, parsePath, type FieldPath, type PathSegment } from './fieldPath.js';
import { keysAt, schemaAt, unknownKeyMessage, type Problem } from './problem.js';
import { scenarioSchema, type ScenarioInput } from './schema.js';
import { formatBytes, quoted } from '../notation/units.js';
import { guestRingAreas } from '../guest/virtioNet.js';
import { GuestMemory, PAGE_SIZE, q35Split } from '../../vmm/guestMemory.js';
import { checkAdminVq } from './adminVqChecks.js';
import { checkPageFaults } from './pageFaultChecks.js';


/** Top-level fields a variant or sweep may not set (they define the expansion itself). */
const FIXED_FIELDS = ['name', 'seed', 'replications', 'warmup', 'variants', 'sweep'] as const;

/** Capability and limit rules; `profiles[i]` is the resolved profile of `input.devices[i]`. */
export function checkScenario(input: ScenarioInput, profiles: readonly Profile[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, number>();
  input.devices.forEach((d, i) => {
    const p = profiles[i]!;
    const c = p.capabilities;
    const at = (field: string): FieldPath => ['devices', i, field];
    const who = `device ${d.name} (profile ${p.name})`;
    const first = seen.get(d.name);
    if (first !== undefined) out.push({ path: at('name'), message: `duplicate device name ${quoted(d.name)} (also devices[${first}])` });
    else seen.set(d.name, i);
    if (d.queuePairs > c.maxQueuePairs) {
      out.push({
        path: at('queuePairs'),
        message: `expected at most ${c.maxQueuePairs} (capabilities.maxQueuePairs of profile ${p.name}), found ${d.queuePairs}`,
      });
    }
    if (d.queueSize > c.maxQueueSize) {
      out.push({
        path: at('queueSize'),
        message: `expected at most ${c.maxQueueSize} (capabilities.maxQueueSize of profile ${p.name}), found ${d.queueSize}`,
      });
    }
    if (!c.ringLayouts.includes(d.ring)) {
      out.push({
        path: at('ring'),
        message: `${who} has no ${d.ring} ring (capabilities.ringLayouts is [${c.ringLayouts.join(', ')}])`,
      });
    }
    if (d.inOrder && !c.inOrder) {
      out.push({ path: at('inOrder'), message: `${who} does not offer IN_ORDER (capabilities.inOrder is false)` });
    }
    if (d.partialOrder && !c.partialOrder) {
      out.push({
        path: at('partialOrder'),
        message: `${who} does not offer PARTIAL_ORDER (capabilities.partialOrder is false)`,
      });
    }
    if (d.partialOrder && d.inOrder) {
      out.push({ path: at('partialOrder'), message: 'partialOrder excludes inOrder (both are true)' });
    }
    out.push(...checkRunnable(input, i, p));
  });

  const s = input.migration.strategies;
  const strategy = (name: string): FieldPath => ['migration', 'strategies', name];
  input.devices.forEach((d, i) => {
    const p = profiles[i]!;
    const c = p.capabilities;
    const who = `device ${d.name} (profile ${p.name})`;
    if (s.descGroup && c.dataDescGroup === null) {
      out.push({
        path: strategy('descGroup'),
        message: `${who} has no descriptor group (capabilities.dataDescGroup is null)`,
      });
    } else if (s.descGroup && c.nas < 2) {
      out.push({
        path: strategy('descGroup'),
        message: `${who} has a single address space (capabilities.nas is ${c.nas}; a descriptor group needs 2)`,
      });
    }
    if (s.iotlbPersist && !persistentMaps(c)) {
      out.push({
        path: strategy('iotlbPersist'),
        message: `${who} cannot keep maps across reset (no capabilities.resetMap, and capabilities.iotlbPersist is false)`,
      });
    }
  });

  out.push(...checkMemory(input));
  out.push(...checkMemlock(input, profiles));
  out.push(...checkAdminVq(input, profiles));
  out.push(...checkPageFaults(input, profiles));
  input.faults.forEach((f, i) => {
    if (f.kind !== 'cancel' && !input.devices.some((d) => d.name === f.device)) {
      out.push({ path: ['faults', i, 'device'], message: `no device ${quoted(f.device)} (devices: ${input.devices.map((d) => d.name).join(', ')})` });
    }
  });
  const hot = input.workload.hotSet;
  if (hot !== undefined && hot > input.vm.memory) {
    out.push({
      path: ['workload', 'hotSet'],
      message: `expected at most vm.memory (${formatBytes(input.vm.memory)}), found ${formatBytes(hot)}`,
    });
  }
  return out;
}

/**
 * Capabilities the upstream sequence cannot run with (so validate refuses what run would fail
 * on): a CVQ in a group of its own needs a second ASID (QEMU moves it to ASID 1, and with one ASID
 * its SET_GROUP_ASID fails); a device without SUSPEND makes QEMU stop by a reset and recover the
 * indices from the guest's used ring, modelled for split rings only; an entry limit below what ASID 0
 * holds at once (every RAM section of the listener, every shadow vring area, the CVQ buffers).
 */
function checkRunnable(input: ScenarioInput, i: number, p: Profile): Problem[] {
  const c = p.capabilities;
  const d = input.devices[i]!;
  const at = (field: string): FieldPath => ['devices', i, 'capabilities', field];
  const who = `device ${d.name} (profile ${p.name})`;
  const out: Problem[] = [];
  if (c.mapModel === 'platformIommu' && (c.ngroups > 1 || c.nas > 1)) {
    out.push({ path: at('mapModel'), message: `${who}: a platform-IOMMU parent (no set_map, no dma_map) may have only one group and one address space (vhost_vdpa_probe refuses it otherwise), found ngroups ${c.ngroups}, nas ${c.nas}` });
  }
  if (c.cvqGroup !== c.dataGroup && c.nas < 2) {
    out.push({ path: at('nas'), message: `${who}: a CVQ in a group of its own (cvqGroup ${c.cvqGroup}) needs 2 address spaces (QEMU isolates it in ASID 1), found nas ${c.nas}` });
  }
  if (!c.suspend && d.ring === 'packed') {
    out.push({ path: at('suspend'), message: `${who}: without SUSPEND QEMU recovers the vring indices from the guest's used ring; packed rings are not modelled for that, use ring: split` });
  }
  if (c.maxIotlbEntries !== null) {
    const mem = GuestMemory.create({ layout: input.vm.layout, ramBytes: input.vm.memory });
    const sections = mem.ok ? mem.value.listenerSections().length : 0;
    const need = sections + 2 * (2 * d.queuePairs + 1) + 2;
    if (c.maxIotlbEntries < need) {
      out.push({
        path: at('maxIotlbEntries'),
        message: `${who}: ASID 0 holds up to ${need} ranges at once (${sections} RAM sections, 2 per shadow vring of ${2 * d.queuePairs + 1} vqs, 2 CVQ buffers); expected at least ${need}, found ${c.maxIotlbEntries}`,
      });
    }
  }
  return out;
}

/** Guest RAM in whole pages, and room in low RAM for every NIC's rings and buffers. */
function checkMemory(input: ScenarioInput): Problem[] {
  const mem = input.vm.memory;
  if (mem % PAGE_SIZE !== 0) {
    return [{ path: ['vm', 'memory'], message: `expected a multiple of 4 KiB (guest RAM is mapped in pages), found ${mem} bytes` }];
  }
  const low = input.vm.layout === 'q35' ? q35Split(mem).below4g : mem;
  const need = guestRingAreas(input.devices).end;
  if (need > low) {
    return [
      {
        path: ['devices'],
        message: `the guest driver places every NIC's rings and buffers in low RAM from 1 MiB: these ${input.devices.length} devices need ${formatBytes(need)}, the guest has ${formatBytes(low)} there`,
      },
    ];
  }
  return [];
}

/** A field path that a variant or sweep sets, checked against the schema. */
export type SetPath = { ok: true; path: PathSegment[] } | { ok: false; message: string };

/** Parse and check a dotted path used as a key of `set` or `sweep.params`. */
export function checkSetPath(text: string): SetPath {
  const path = parsePath(text);
  if (path === null) {
    return { ok: false, message: `expected a field path like "migration.strategies.earlyMap" or "devices[0].profile", found ${quoted(text)}` };
  }
  if ((FIXED_FIELDS as readonly string[]).includes(String(path[0]))) {
    return { ok: false, message: `${quoted(text)}: ${String(path[0])} cannot be set by a variant or sweep` };
  }
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const parent = path.slice(0, i);
    if (typeof seg === 'string') {
      const valid = keysAt(scenarioSchema, parent);
      if (!valid.includes(seg)) {
        return { ok: false, message: `${quoted(text)}: ${unknownKeyMessage(seg, parent, valid)}` };
      }
    } else if (schemaAt(scenarioSchema, [...parent, seg]) === null) {
      return { ok: false, message: `${quoted(text)}: ${formatPath(parent)} is not a sequence` };
    }
  }
  return { ok: true, path };
}

/** Rules on `variants` and `sweep`: unique names, valid set paths, zip lengths. */
export function checkExpansion(input: ScenarioInput): Problem[] {
  const out: Problem[] = [];
  const names = new Map<string, number>();
  (input.variants ?? []).forEach((v, i) => {
    const first = names.get(v.name);
    if (first !== undefined) {
      out.push({ path: ['variants', i, 'name'], message: `duplicate variant name ${quoted(v.name)} (also variants[${first}])` });
    } else names.set(v.name, i);
    for (const key of Object.keys(v.set)) {
      const r = checkSetPath(key);
      if (!r.ok) out.push({ path: ['variants', i, 'set'], unknownKey: key, message: `variants[${i}].set: ${r.message}` });
    }
  });
  if (input.sweep !== undefined) {
    const params = Object.entries(input.sweep.params);
    for (const [key] of params) {
      const r = checkSetPath(key);
      if (!r.ok) out.push({ path: ['sweep', 'params'], unknownKey: key, message: `sweep.params: ${r.message}` });
    }
    if (input.sweep.mode === 'zip' && params.length > 0) {
      const [firstKey, firstValues] = params[0]!;
      for (const [key, values] of params.slice(1)) {
        if (values.length !== firstValues.length) {
          out.push({
            path: ['sweep', 'params', key],
            message: `zip needs equal lengths: ${quoted(firstKey)} has ${firstValues.length} value(s), ${quoted(key)} has ${values.length}`,
          });
        }
      }
    }
  }
  return out;
}

/**
 * RLIMIT_MEMLOCK: every device vhost-vdpa pins for (not use_va) pins all guest RAM, and the pins
 * of one QEMU process add up in its pinned_vm (vhost_vdpa_pa_map), so a limit under that fails the
 * first listener registration with ENOMEM. Said here rather than left to the run.
 */
function checkMemlock(input: ScenarioInput, profiles: readonly Profile[]): Problem[] {
  const limit = input.host.memlockLimit;
  if (limit === undefined || limit === 'unlimited') return [];
  const pinning = profiles.filter((p) => p.capabilities.useVa !== true).length;
  const need = pinning * input.vm.memory;
  if (need <= limit) return [];
  return [
    {
      path: ['host', 'memlockLimit'],
      message: `${pinning} device(s) pin all guest RAM into one pinned_vm: expected at least ${formatBytes(need)} (plus QEMU's own rings and buffers), found ${formatBytes(limit)}`,
    },
  ];
}
