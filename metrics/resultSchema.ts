// resultSchema.ts — the zod schema of a result document (and of one run record), and its first
// problem as one line: what `compare`, `gate`, `report`, `merge` and `run --resume` accept.
//
// Objects are loose (members this version does not know are kept), values are checked for what
// the commands compute with: finite, non-negative numbers of nanoseconds and counts, strings,
// arrays. The parsed value is never used: callers keep the document as read, so member order and
// bytes survive (merge writes the runs back).

import * as z from 'zod';
import { quoted } from '../sim/notation/units.js';
import { RESULT_VERSION } from './result.js';

/** A key JSON.parse keeps as an own member but assignment would turn into a prototype. */
const PROTO_KEY = '__proto__';

const PROTO_MESSAGE = `has the key "${PROTO_KEY}", which svqsim never writes`;

/** A map of `value`s without the prototype key (zod would drop it silently). */
function dict<T extends z.ZodType>(value: T) {
  const noProtoKey = z.custom<unknown>((o) => o === null || typeof o !== 'object' || !Object.prototype.hasOwnProperty.call(o, PROTO_KEY), { message: PROTO_MESSAGE });
  return noProtoKey.pipe(z.record(z.string(), value));
}

/** Nanoseconds or a count: a finite number >= 0 (larger than 2^53 is not a measured value). */
const amount = z.number().min(0).max(Number.MAX_SAFE_INTEGER);

const counts = z.looseObject({
  update: amount,
  invalidate: amount,
  batches: amount,
  setMapRebuilds: amount,
  mkeysCreated: amount,
  mkeysDestroyed: amount,
  pagesPinned: amount,
  pagesUnpinned: amount,
  faults: amount,
  ioctls: dict(amount),
});

const downtime = z.looseObject({
  totalNs: amount,
  startNs: amount,
  phases: z.array(z.looseObject({ name: z.string(), device: z.string().optional(), startNs: amount, durNs: amount })),
  observedNs: amount.optional(),
  counts,
});

const runRecord = z.looseObject({
  scenario: z.string(),
  variant: z.string(),
  params: dict(z.unknown()),
  replication: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  seed: z.number().int().min(0).max(0xffffffff),
  downtime1: downtime,
  downtime2: downtime,
  observedNs: amount.optional(),
  migration: z.looseObject({ iterations: amount, bytesSent: amount, precopyNs: amount, totalNs: amount, converged: z.boolean() }),
  countsByPhase: dict(counts),
  countsByDevice: dict(dict(counts)).optional(),
  invariants: z.looseObject({ checked: amount, violations: z.array(z.string()) }),
  pageFaults: z
    .looseObject({
      faultsByPhase: dict(amount),
      faultsByDevice: dict(dict(amount)),
      pages: amount,
      latency: z.looseObject({ count: amount, meanNs: amount, p50Ns: amount, p90Ns: amount, p99Ns: amount, maxNs: amount, log2Counts: z.array(amount) }),
      stallNs: amount,
      outOfOrder: amount,
      flushBatches: amount,
      invalidations: z.looseObject({ unmap: amount, mmNotifier: amount }),
      postSwitchover: z.looseObject({ windowNs: amount, rxFrames: amount, rxDropped: amount }),
    })
    .optional(),
});

const stats = z.looseObject({
  count: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  stdev: z.number(),
  ci95: z.tuple([z.number(), z.number()]),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  p999: z.number(),
});

const variantAggregate = z.looseObject({
  scenario: z.string(),
  variant: z.string(),
  params: dict(z.unknown()),
  runs: z.number().int().min(1),
  metrics: dict(stats),
  histograms: dict(z.string()),
  meanCounts: dict(counts),
});

const scenarioEntry = z.looseObject({
  file: z.string(),
  name: z.string(),
  hash: z.string(),
  seed: z.number().int().min(0).max(0xffffffff),
  gates: z.array(z.string()).optional(),
  variants: z.array(z.string()).optional(),
  strategies: z.array(z.looseObject({ name: z.string(), source: z.string() })).optional(),
});

/** The document around its runs (checked before them, so a foreign file is named as such). */
const documentShell = z.looseObject({
  resultVersion: z.literal(RESULT_VERSION),
  tool: z.looseObject({ name: z.literal('svqsim'), version: z.string() }),
  scenarios: z.array(scenarioEntry),
  shard: z
    .looseObject({ index: z.number().int().min(1), count: z.number().int().min(1) })
    .refine((s) => s.index <= s.count, { message: 'shard.index is larger than shard.count' })
    .optional(),
  partial: z.boolean().optional(),
  runs: z.array(z.unknown()),
  aggregates: dict(variantAggregate),
});

/** `runs[3].downtime2.totalNs`, `aggregates["s/v"].metrics` — keys cut and escaped. */
export function formatMemberPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$]{0,59}$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${quoted(String(p))}]`;
  }
  return out;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${quoted(v, 40)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}

const EXPECTED: Record<string, string> = { number: 'a number', int: 'an integer', string: 'a string', boolean: 'true or false', object: 'an object', array: 'an array', tuple: 'an array' };

/** The value at `path` inside `root` (own members only). */
function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, p)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The first issue of a failed parse as "member P should be …, found …". */
function describeIssue(issue: z.core.$ZodIssue, input: unknown, prefix: readonly PropertyKey[]): string {
  const path = [...prefix, ...issue.path];
  const member = formatMemberPath(path);
  if (issue.code === 'custom') return issue.message === PROTO_MESSAGE ? `member ${member} ${PROTO_MESSAGE}` : `member ${member}: ${issue.message}`;
  const found = at(input, issue.path);
  if (found === undefined && issue.code === 'invalid_type') return `not a svqsim result: member ${member} is missing`;
  let expected: string;
  switch (issue.code) {
    case 'invalid_type':
      expected = EXPECTED[issue.expected] ?? issue.expected;
      break;
    case 'too_small':
      expected = issue.origin === 'number' ? `a number >= ${String(issue.minimum)}` : `at least ${String(issue.minimum)} item(s)`;
      break;
    case 'too_big':
      expected = issue.origin === 'number' ? `a number <= ${String(issue.maximum)}` : `at most ${String(issue.maximum)} item(s)`;
      break;
    case 'invalid_value':
      expected = issue.values.map((v) => JSON.stringify(v)).join(' or ');
      break;
    default:
      expected = issue.message;
  }
  return `member ${member} should be ${expected}, found ${kindOf(found)}`;
}

/** One line describing why `value` is not a run record (member paths under `prefix`), or null. */
export function runRecordProblem(value: unknown, prefix: readonly PropertyKey[] = []): string | null {
  const r = runRecord.safeParse(value);
  return r.success ? null : describeIssue(r.error.issues[0]!, value, prefix);
}

/**
 * One line describing why `doc` is not a result document, or null: the shell (version, tool,
 * scenarios, aggregates) first, then each run.
 */
export function documentProblem(doc: unknown): string | null {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return `not a svqsim result: expected a JSON object, found ${kindOf(doc)}`;
  const version = (doc as Record<string, unknown>).resultVersion;
  if (typeof version === 'number' && version !== RESULT_VERSION) {
    return `resultVersion ${version} is not supported (this svqsim reads version ${RESULT_VERSION})`;
  }
  const shell = documentShell.safeParse(doc);
  if (!shell.success) return describeIssue(shell.error.issues[0]!, doc, []);
  const runs = (doc as { runs: unknown[] }).runs;
  for (let i = 0; i < runs.length; i++) {
    const problem = runRecordProblem(runs[i], ['runs', i]);
    if (problem !== null) return problem;
  }
  return null;
}
