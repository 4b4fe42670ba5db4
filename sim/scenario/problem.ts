// problem.ts — a validation problem (field path + message), made from zod issues or checks,
// and rendered as the one-line `<file>:<line>:<col>: <field.path>: <message>` users see.

import type { z } from 'zod';
import { didYouMean } from '../notation/didYouMean.js';
import { formatPath, getAt, type FieldPath } from './fieldPath.js';
import { locate, type Position, type SourceFile } from './sourceFile.js';
import { describeFound, quoted } from '../notation/units.js';

/** One thing wrong with a document. */
export interface Problem {
  /** Field the problem is about (for an unknown key: the mapping holding it). */
  path: FieldPath;
  /** What is wrong, e.g. `expected a size like 16GiB, found "16 gigs"`. */
  message: string;
  /** For an unknown key: the key as written. */
  unknownKey?: string;
}

// ---- walking a zod schema to list the keys valid at a path ------------------------------------

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The object schema reached through wrappers (optional, default, pipe ...), or null. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const d = defOf(s);
    if (d.innerType !== undefined) s = d.innerType;
    else if (d.type === 'pipe' && d.in !== undefined) s = d.in;
    else break;
  }
  return s;
}

/** The schema at `path` inside `schema`, or null when the path leaves the schema. */
export function schemaAt(schema: z.ZodType, path: FieldPath): z.ZodType | null {
  let s: z.ZodType = schema;
  for (const seg of path) {
    const d = defOf(unwrap(s));
    if (typeof seg === 'number') {
      if (d.type !== 'array' || d.element === undefined) return null;
      s = d.element;
    } else if (d.type === 'object' && d.shape !== undefined) {
      if (!Object.prototype.hasOwnProperty.call(d.shape, seg)) return null;
      s = d.shape[seg]!;
    } else if (d.type === 'record' && d.valueType !== undefined) {
      s = d.valueType;
    } else return null;
  }
  return s;
}

/** Keys valid in the mapping at `path`, or [] when it is not an object schema. */
export function keysAt(schema: z.ZodType, path: FieldPath): string[] {
  const s = schemaAt(schema, path);
  if (s === null) return [];
  const d = defOf(unwrap(s));
  return d.type === 'object' && d.shape !== undefined ? Object.keys(d.shape) : [];
}

/** Message for an unknown key, with the nearest valid key or the list of valid keys. */
export function unknownKeyMessage(key: string, where: FieldPath, valid: readonly string[]): string {
  const inside = where.length === 0 ? '' : ` in ${formatPath(where)}`;
  const near = key.length > 200 ? null : didYouMean(key, valid);
  const shown = quoted(key);
  if (near !== null) return `unknown key ${shown}${inside} (did you mean "${near}"?)`;
  return valid.length > 0 ? `unknown key ${shown}${inside} (valid keys: ${valid.join(', ')})` : `unknown key ${shown}${inside}`;
}

// ---- zod issues ---------------------------------------------------------------------------------

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a sequence',
  null: 'null',
};

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? issue.expected;
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'array') return `at least ${min} item(s)`;
      if (issue.origin === 'string') return `at least ${min} character(s)`;
      return `a number ${issue.inclusive === false ? '>' : '>='} ${min}`;
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'array') return `at most ${max} item(s)`;
      if (issue.origin === 'string') return `at most ${max} character(s)`;
      return `a number ${issue.inclusive === false ? '<' : '<='} ${max}`;
    }
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.message;
    case 'not_multiple_of':
      return `a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

/**
 * Problems from a failed zod parse of `input`. An `int` check on a fractional number and a value
 * of the wrong type both read "expected <what>, found <value>"; custom issues keep their message.
 */
export function problemsFromZod(error: z.ZodError, input: unknown, schema: z.ZodType): Problem[] {
  const out: Problem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, path);
      for (const key of issue.keys) out.push({ path, unknownKey: key, message: unknownKeyMessage(key, path, valid) });
      continue;
    }
    if (issue.code === 'custom') {
      out.push({ path, message: issue.message });
      continue;
    }
    const found = describeFound(getAt(input, path));
    out.push({ path, message: `expected ${expectedOf(issue)}, found ${found}` });
  }
  return out;
}

// ---- rendering ----------------------------------------------------------------------------------

/** A problem placed in a file. */
export interface LocatedProblem {
  file: string;
  at: Position;
  /** The rendered line. */
  line: string;
  /** Whether the problem is an unknown key. */
  unknownKey?: boolean;
}

/** `<file>:<line>:<col>: <path>: <message>` (unknown keys: `<file>:<line>:<col>: <message>`). */
export function renderProblem(src: SourceFile, p: Problem): LocatedProblem {
  const at = locate(src, p.path, p.unknownKey);
  const where = `${src.file}:${at.line}:${at.col}`;
  const line = p.unknownKey !== undefined ? `${where}: ${p.message}` : `${where}: ${formatPath(p.path)}: ${p.message}`;
  return { file: src.file, at, line, unknownKey: p.unknownKey !== undefined };
}

/**
 * The problem to report: the first unknown key in file order if there is one (a misspelt key
 * also makes the intended key look missing, and the typo is the cause), else the first problem.
 */
export function firstInFileOrder(located: readonly LocatedProblem[]): LocatedProblem {
  const unknown = located.filter((l) => l.unknownKey);
  const pool = unknown.length > 0 ? unknown : located;
  let best = pool[0]!;
  for (const l of pool) {
    if (l.at.line < best.at.line || (l.at.line === best.at.line && l.at.col < best.at.col)) best = l;
  }
  return best;
}
