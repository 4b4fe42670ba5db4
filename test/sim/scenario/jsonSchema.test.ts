// jsonSchema.test.ts — the published JSON Schemas (`svqsim schema`, `svqsim schema --profile`)
// accept every shipped scenario and profile file, as an editor's validator (ajv, draft 2020-12)
// would check them; `required` lists exactly the fields validation needs; every field has a
// description and every field doc names a field; profiles are offered by name.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { cli } from '../../cliHarness.js';
import { forEachField } from '../../../sim/scenario/jsonSchema.js';
import { schemaAt } from '../../../sim/scenario/problem.js';
import { scenarioSchema } from '../../../sim/scenario/schema.js';
import { SCENARIO_FIELD_DOCS } from '../../../sim/scenario/fieldDocs.js';
import { PROFILE_FIELD_DOCS } from '../../../device/profiles/profileDocs.js';
import { profileFileSchema, profileSchema } from '../../../device/profiles/profile.js';
import { shippedProfiles } from '../../../device/profiles/index.js';
import { mlx5Profile } from '../../../device/profiles/mlx5.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const yamlFiles = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
const readYaml = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

type Json = Record<string, unknown>;

async function published(args: string[]): Promise<Json> {
  const r = await cli(['schema', ...args]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Json;
}

const scenarioJson = await published([]);
const profileJson = await published(['--profile']);

function validator(schema: Json) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(schema);
}
const scenario = validator(scenarioJson);
const profile = validator(profileJson);

function fieldPaths(schema: Json): string[] {
  const out: string[] = [];
  forEachField(schema, (_f, path) => out.push(path));
  return out;
}

/** `doc` with only the keys the schema requires, recursively (arrays keep their items). */
function requiredOnly(doc: unknown, schema: Json): unknown {
  if (Array.isArray(doc)) return doc.map((d) => requiredOnly(d, (schema.items ?? {}) as Json));
  if (typeof doc !== 'object' || doc === null) return doc;
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = (schema.required ?? []) as string[];
  const out: Json = {};
  for (const [k, v] of Object.entries(doc)) if (required.includes(k)) out[k] = requiredOnly(v, props[k] ?? {});
  return out;
}

/** Paths of every required key present in `doc` (as key lists), per the schema. */
function requiredPaths(doc: unknown, schema: Json, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(doc)) return doc.flatMap((d, i) => requiredPaths(d, (schema.items ?? {}) as Json, [...at, i]));
  if (typeof doc !== 'object' || doc === null) return [];
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = (schema.required ?? []) as string[];
  return Object.entries(doc).flatMap(([k, v]) => (required.includes(k) ? [[...at, k], ...requiredPaths(v, props[k] ?? {}, [...at, k])] : []));
}

function without(doc: unknown, path: (string | number)[]): unknown {
  const copy = structuredClone(doc) as Json;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
   
  delete node[path[path.length - 1]!];
  return copy;
}

const accepts = (s: z.ZodType, doc: unknown) => s.safeParse(doc).success;

describe('published JSON Schemas', () => {
  for (const file of [...yamlFiles('scenarios'), 'sim/bench/sweep.yaml']) {
    it(`accept ${file}`, () => {
      const ok = scenario(readYaml(file));
      expect(scenario.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  for (const file of yamlFiles('scenarios/profiles')) {
    it(`accept the profile file ${file}`, () => {
      const ok = profile(readYaml(file));
      expect(profile.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it('leave optional keys optional and reject unknown ones', () => {
    const doc = readYaml('scenarios/default.yaml') as { workload: Json };
    delete doc.workload.hotSet;
    expect(scenario(doc)).toBe(true);
    doc.workload.hotset = '1GiB';
    expect(scenario(doc)).toBe(false);
  });

  it('reject a queue size below 1, as the loader does', () => {
    const doc = readYaml('scenarios/default.yaml') as { devices: Json[] };
    for (const [size, ok] of [[0, false], [-4, false], [1, true], [256, true]] as const) {
      doc.devices[0]!.queueSize = size;
      expect(scenario(doc), `queueSize ${size}`).toBe(ok);
      expect(accepts(scenarioSchema, doc), `loader, queueSize ${size}`).toBe(ok);
    }
  });
});

describe('required fields', () => {
  for (const [what, json, zod] of [['scenario', scenarioJson, scenarioSchema], ['profile', profileJson, profileFileSchema]] as const) {
    it(`of every ${what} object: exactly the fields whose absence the loader's schema rejects`, () => {
      const mismatches: string[] = [];
      const check = (obj: Json, prefix: string) => {
        const required = (obj.required ?? []) as string[];
        for (const key of Object.keys(obj.properties ?? {})) {
          const path = prefix === '' ? key : `${prefix}.${key}`;
          const field = schemaAt(zod, path.split('.').flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), 0] : [s])));
          if (field === null) mismatches.push(`${path}: not in the zod schema`);
          else if (required.includes(key) !== !field.safeParse(undefined).success) mismatches.push(`${path}: required ${required.includes(key)}`);
        }
      };
      check(json, '');
      forEachField(json, (field, path) => {
        if (field.properties !== undefined) check(field, path);
        const items = field.items as Json | undefined;
        if (items?.properties !== undefined) check(items, `${path}[]`);
      });
      expect(mismatches).toEqual([]);
    });
  }

  for (const file of yamlFiles('scenarios')) {
    it(`of ${file}: its required fields alone validate, and each one is needed (ajv and the loader's schema agree)`, () => {
      const minimal = requiredOnly(readYaml(file), scenarioJson);
      expect(scenario(minimal)).toBe(true);
      expect(accepts(scenarioSchema, minimal)).toBe(true);
      const paths = requiredPaths(minimal, scenarioJson);
      expect(paths.map((p) => p.join('.'))).toEqual(expect.arrayContaining(['name', 'vm.memory', 'devices.0.profile', 'migration.bandwidth']));
      for (const p of paths) {
        const cut = without(minimal, p);
        expect({ path: p.join('.'), ajv: scenario(cut) }).toEqual({ path: p.join('.'), ajv: false });
        expect({ path: p.join('.'), zod: accepts(scenarioSchema, cut) }).toEqual({ path: p.join('.'), zod: false });
      }
    });
  }

  it('of a profile file that extends another: the name alone', () => {
    const doc = { name: 'my-nic', extends: 'mlx5', costs: { ioctlNs: 1 } };
    const minimal = requiredOnly(doc, profileJson);
    expect(minimal).toEqual({ name: 'my-nic' });
    expect(profile({ ...(minimal as Json), extends: 'mlx5' })).toBe(true);
    expect(accepts(profileFileSchema, { name: 'my-nic', extends: 'mlx5' })).toBe(true);
  });

  it('of a profile file that extends nothing: every field of a whole profile, as the loader checks it', () => {
    const whole = structuredClone(mlx5Profile) as unknown as Json;
    expect(profile(whole)).toBe(true);
    const standalone = profileJson.else as Json;
    const paths = requiredPaths(whole, { ...standalone, properties: { capabilities: (standalone.properties as Json).capabilities, costs: (standalone.properties as Json).costs } });
    expect(paths.length).toBeGreaterThan(30);
    for (const p of paths) {
      const cut = without(whole, p);
      expect({ path: p.join('.'), ajv: profile(cut) }).toEqual({ path: p.join('.'), ajv: false });
      expect({ path: p.join('.'), zod: accepts(profileSchema, cut) }).toEqual({ path: p.join('.'), zod: false });
    }
    // The optional ones may go.
    const costs = whole.costs as Json;
    delete costs.jitter;
    delete costs.pinColdPerChunkNs;
    delete (whole.capabilities as Json).mkeys;
    expect(profile(whole)).toBe(true);
    expect(accepts(profileSchema, whole)).toBe(true);
  });
});

describe('field documentation', () => {
  for (const [what, json] of [['scenario', scenarioJson], ['profile', profileJson]] as const) {
    it(`gives every ${what} field a description`, () => {
      const undocumented: string[] = [];
      forEachField(json, (field, path) => {
        if (typeof field.description !== 'string' || field.description.length < 10) undocumented.push(path);
      });
      expect(undocumented).toEqual([]);
      expect(fieldPaths(json).length).toBeGreaterThan(40);
    });
  }

  it('takes every field from the field docs (a unit field\'s notation alone is not its description)', () => {
    const scenarioPaths = fieldPaths(scenarioJson);
    const profilePaths = fieldPaths(profileJson);
    expect(scenarioPaths.filter((p) => !Object.hasOwn(SCENARIO_FIELD_DOCS, p))).toEqual([]);
    expect(profilePaths.filter((p) => !Object.hasOwn(PROFILE_FIELD_DOCS, p))).toEqual([]);
  });

  it('names only fields that exist', () => {
    const scenarioPaths = new Set(fieldPaths(scenarioJson));
    const profilePaths = new Set(fieldPaths(profileJson));
    expect(Object.keys(SCENARIO_FIELD_DOCS).filter((p) => !scenarioPaths.has(p))).toEqual([]);
    expect(Object.keys(PROFILE_FIELD_DOCS).filter((p) => !profilePaths.has(p))).toEqual([]);
  });

  it('keeps the notation of unit fields and puts field examples first', () => {
    const memory = ((scenarioJson.properties as Record<string, Json>).vm!.properties as Record<string, Json>).memory!;
    expect(memory.description).toMatch(/^Guest RAM size: 64MiB to 64TiB.* Written as a size like 16GiB; units: .*a plain number is in bytes\.$/);
    expect(memory.examples).toEqual(['16GiB', '128GiB', '1TiB']);
    expect(scenario({ ...readYaml('scenarios/default.yaml'), vm: { memory: '16 gigs' } })).toBe(false);
  });
});

describe('profile references', () => {
  const devices = (doc: Json, profileRef: string) => ({ ...doc, devices: [{ name: 'net0', profile: profileRef }] });
  const base = readYaml('scenarios/default.yaml');

  it('offer the shipped profiles by name and accept a profile file path', () => {
    const ref = ((scenarioJson.properties as Record<string, Json>).devices!.items as Json).properties as Record<string, Json>;
    const names = ((ref.profile!.anyOf as Json[])[0]!.enum as string[]).slice().sort();
    expect(names).toEqual(Object.keys(shippedProfiles).sort());
    for (const name of names) expect(scenario(devices(base, name))).toBe(true);
    for (const path of ['profiles/my-nic.yaml', './nic.json', 'NIC.YML', 'C:\\nics\\a']) expect(scenario(devices(base, path))).toBe(true);
    for (const bad of ['mlx6', 'vdpa-sim', '']) expect(scenario(devices(base, bad))).toBe(false);
  });

  it('in a profile file: extends a shipped name or a path', () => {
    expect(profile({ name: 'x', extends: 'vdpa_sim' })).toBe(true);
    expect(profile({ name: 'x', extends: '../base.yaml' })).toBe(true);
    expect(profile({ name: 'x', extends: 'mlx' })).toBe(false);
  });
});
