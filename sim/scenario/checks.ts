// checks.ts — scenario rules spanning several fields or needing the devices' resolved profiles:
// device limits, capability-dependent features and strategies, and variant/sweep definitions.

import type { Profile } from '../../device/profiles/profile.js';
import { formatPath, parsePath, type FieldPath, type PathSegment } from './fieldPath.js';
import { keysAt, schemaAt, unknownKeyMessage, type Problem } from './problem.js';
import { scenarioSchema, type ScenarioInput } from './schema.js';
import { formatBytes } from '../notation/units.js';

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
    if (first !== undefined) out.push({ path: at('name'), message: `duplicate device name "${d.name}" (also devices[${first}])` });
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
    if (s.iotlbPersist && !c.iotlbPersist) {
      out.push({
        path: strategy('iotlbPersist'),
        message: `${who} cannot keep maps across reset (capabilities.iotlbPersist is false)`,
      });
    }
    // Early map negotiates IOTLB_PERSIST on the destination device: the maps made at init must
    // survive the reset that precedes the device start.
    if (s.earlyMap && !c.iotlbPersist) {
      out.push({
        path: strategy('earlyMap'),
        message: `${who} cannot keep maps across reset (capabilities.iotlbPersist is false), so maps made at init would not survive the reset that follows`,
      });
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

/** A field path that a variant or sweep sets, checked against the schema. */
export type SetPath = { ok: true; path: PathSegment[] } | { ok: false; message: string };

/** Parse and check a dotted path used as a key of `set` or `sweep.params`. */
export function checkSetPath(text: string): SetPath {
  const path = parsePath(text);
  if (path === null) {
    return { ok: false, message: `expected a field path like "migration.strategies.earlyMap" or "devices[0].profile", found ${JSON.stringify(text)}` };
  }
  if ((FIXED_FIELDS as readonly string[]).includes(String(path[0]))) {
    return { ok: false, message: `${JSON.stringify(text)}: ${String(path[0])} cannot be set by a variant or sweep` };
  }
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const parent = path.slice(0, i);
    if (typeof seg === 'string') {
      const valid = keysAt(scenarioSchema, parent);
      if (!valid.includes(seg)) {
        return { ok: false, message: `${JSON.stringify(text)}: ${unknownKeyMessage(seg, parent, valid)}` };
      }
    } else if (schemaAt(scenarioSchema, [...parent, seg]) === null) {
      return { ok: false, message: `${JSON.stringify(text)}: ${formatPath(parent)} is not a sequence` };
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
      out.push({ path: ['variants', i, 'name'], message: `duplicate variant name "${v.name}" (also variants[${first}])` });
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
            message: `zip needs equal lengths: ${JSON.stringify(firstKey)} has ${firstValues.length} value(s), ${JSON.stringify(key)} has ${values.length}`,
          });
        }
      }
    }
  }
  return out;
}
