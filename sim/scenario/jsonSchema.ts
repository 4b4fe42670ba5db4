// jsonSchema.ts — JSON Schemas of scenario and profile files for editor completion
// (`svqsim schema`). They describe the input side: unit fields are a string with a unit
// (pattern + examples) or a plain number in base units.

import { z } from 'zod';
import { profileFileSchema } from '../../device/profiles/profile.js';
import { scenarioSchema } from './schema.js';
import { REQUIRED_MARK } from '../notation/units.js';

const DRAFT = 'draft-2020-12';

/** Move the required marks of unit fields into their object's `required` list. */
function markRequired(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    node.forEach(markRequired);
    return;
  }
  const obj = node as Record<string, unknown>;
  const props = obj.properties as Record<string, Record<string, unknown>> | undefined;
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

function toSchema(schema: z.ZodType, id: string, title: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: DRAFT }) as Record<string, unknown>;
  markRequired(json);
  return { ...json, $id: id, title };
}

/** JSON Schema of a scenario file. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return toSchema(scenarioSchema, 'https://svqsim.invalid/schema/scenario.json', 'svqsim scenario');
}

/** JSON Schema of a device profile file. */
export function profileJsonSchema(): Record<string, unknown> {
  return toSchema(profileFileSchema, 'https://svqsim.invalid/schema/profile.json', 'svqsim device profile');
}
