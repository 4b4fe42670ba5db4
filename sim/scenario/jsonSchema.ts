// jsonSchema.ts — JSON Schemas of scenario and profile files for editor completion
// (`svqsim schema`). They describe the input side: unit fields are a string with a unit
// (pattern + examples) or a plain number in base units. Every field's description and examples
// come from the field docs (fieldDocs.ts, device/profiles/profileDocs.ts), merged in here by path.

import * as z from 'zod';
import { profileFileSchema, profileSchema } from '../../device/profiles/profile.js';
import { PROFILE_FIELD_DOCS, type FieldDoc, type FieldDocs } from '../../device/profiles/profileDocs.js';
import { shippedProfiles } from '../../device/profiles/index.js';
import { scenarioSchema } from './schema.js';
import { SCENARIO_FIELD_DOCS } from './fieldDocs.js';
import { REQUIRED_MARK } from '../notation/units.js';

const DRAFT = 'draft-2020-12';

type JsonNode = Record<string, unknown>;

/** Move the required marks of unit fields into their object's `required` list. */
function markRequired(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    node.forEach(markRequired);
    return;
  }
  const obj = node as JsonNode;
  const props = obj.properties as Record<string, JsonNode> | undefined;
  if (props !== undefined) {
    for (const [key, prop] of Object.entries(props)) {
      if (prop[REQUIRED_MARK] === true) {
        delete prop[REQUIRED_MARK];
        const required = (obj.required as string[] | undefined) ?? [];
        if (!required.includes(key)) obj.required = [...required, key];
      }
    }
  }
  for (const v of Object.values(obj)) markRequired(v);
}

/**
 * Calls `visit` with every field of a JSON Schema and its path: `vm.memory`, `devices[].name`
 * (array items as `[]`), through properties, array items and anyOf/oneOf/allOf branches.
 */
export function forEachField(schema: JsonNode, visit: (field: JsonNode, path: string) => void, prefix = ''): void {
  const props = schema.properties as Record<string, JsonNode> | undefined;
  for (const [key, field] of Object.entries(props ?? {})) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    visit(field, path);
    forEachField(field, visit, path);
  }
  const items = schema.items;
  if (typeof items === 'object' && items !== null && !Array.isArray(items)) forEachField(items as JsonNode, visit, `${prefix}[]`);
  for (const k of ['anyOf', 'oneOf', 'allOf']) {
    const branches = schema[k];
    if (Array.isArray(branches)) for (const b of branches as JsonNode[]) forEachField(b, visit, prefix);
  }
}

/**
 * The field's description and examples from its doc. A unit field keeps the description of its
 * notation after the field's own; the doc's examples replace the notation's generic ones.
 */
function applyDoc(field: JsonNode, doc: string | FieldDoc): void {
  const d: FieldDoc = typeof doc === 'string' ? { description: doc } : doc;
  const notation = typeof field.description === 'string' ? field.description : undefined;
  field.description = notation === undefined ? d.description : `${d.description} Written as ${notation}.`;
  if (d.examples !== undefined) field.examples = [...d.examples];
}

function applyDocs(schema: JsonNode, docs: FieldDocs): void {
  forEachField(schema, (field, path) => {
    const doc = Object.hasOwn(docs, path) ? docs[path] : undefined;
    if (doc !== undefined) applyDoc(field, doc);
  });
}

/** Matches a profile reference that names a file (as the profile loader tells them apart). */
const PROFILE_PATH_PATTERN = '[/\\\\]|\\.([Yy][Aa]?[Mm][Ll]|[Jj][Ss][Oo][Nn])$';

/** A profile reference: a shipped profile name (listed for completion) or a profile file path. */
function profileReference(field: JsonNode): JsonNode {
  const { description, examples } = field;
  return {
    description,
    examples,
    anyOf: [
      { type: 'string', enum: Object.keys(shippedProfiles), description: 'a shipped profile' },
      { type: 'string', pattern: PROFILE_PATH_PATTERN, description: 'the path of a profile file (YAML or JSON)' },
    ],
  };
}

/** Replaces the fields at `paths` (direct properties, or under `devices[]`) by profile references. */
function profileReferences(schema: JsonNode, paths: readonly string[]): void {
  forEachField(schema, (field, path) => {
    if (!paths.includes(path)) return;
    const ref = profileReference(field);
    for (const k of Object.keys(field)) delete field[k];
    Object.assign(field, ref);
  });
}

function toSchema(schema: z.ZodType): JsonNode {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: DRAFT }) as JsonNode;
  markRequired(json);
  // A plain tree: every field its own object, so a doc lands on one field only.
  return JSON.parse(JSON.stringify(json)) as JsonNode;
}

/** The `required` lists of a whole profile: what a profile file that extends nothing must give. */
function standaloneProfileRequirements(): JsonNode {
  const whole = toSchema(profileSchema);
  const props = whole.properties as Record<string, JsonNode>;
  const part = (k: 'capabilities' | 'costs'): JsonNode => ({ required: props[k]!.required });
  return { required: whole.required, properties: { capabilities: part('capabilities'), costs: part('costs') } };
}

/** JSON Schema of a scenario file. */
export function scenarioJsonSchema(): JsonNode {
  const json = toSchema(scenarioSchema);
  applyDocs(json, SCENARIO_FIELD_DOCS);
  profileReferences(json, ['devices[].profile']);
  return { ...json, $id: 'https://svqsim.invalid/schema/scenario.json', title: 'svqsim scenario' };
}

/** JSON Schema of a device profile file; one that extends no profile must give every field. */
export function profileJsonSchema(): JsonNode {
  const json = toSchema(profileFileSchema);
  applyDocs(json, PROFILE_FIELD_DOCS);
  profileReferences(json, ['extends']);
  return {
    ...json,
    $id: 'https://svqsim.invalid/schema/profile.json',
    title: 'svqsim device profile',
    if: { required: ['extends'] },
    else: standaloneProfileRequirements(),
  };
}
