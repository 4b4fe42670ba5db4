// expand.ts — from a loaded scenario to its variants (named variants × sweep points, each
// re-validated) and to the run plan (every variant × replication in a fixed order, with seeds).
//
// Order: named variants in file order, and for each, sweep points in order — cartesian with the
// first parameter outermost (the last one varies fastest), or zip by position.
// Seeds: every variant uses the same replication streams (common random numbers, so variants
// differ by their parameters, not their luck). Replication stream k is
// `Rng.forReplication(seed, k)`: the W warm-up replications use streams 0..W-1 and the R recorded
// ones streams W..W+R-1, so changing `warmup` shifts the recorded streams.

import { dirname } from 'node:path';
import { InputError } from '../tool/inputError.js';
import { quoted } from '../notation/units.js';
import { MAX_VARIANTS } from './schema.js';
import { Rng } from '../kernel/rng.js';
import { checkSetPath } from './checks.js';
import { formatPath, setAt, startsWith, type FieldPath, type PathSegment } from './fieldPath.js';
import type { LoadedScenario } from './load.js';
import { firstInFileOrder, renderProblem, type LocatedProblem, type Problem } from './problem.js';
import { resolveScenario } from './resolve.js';
import type { Scenario } from './scenario.js';
import { locate } from './sourceFile.js';

/** One point of the expansion. */
export interface Variant {
  /** Stable, readable, filesystem-safe id: `baseline`, `memory=16GiB,profile=mlx5`, `early-map/memory=16GiB`. */
  id: string;
  /** The named variant it comes from, or null when the scenario has no `variants`. */
  name: string | null;
  /** The sweep parameters of this point: path as written → value as written. */
  params: Record<string, unknown>;
  /** Every field set (the named variant's `set`, then the sweep's): path → value as written. */
  set: Record<string, unknown>;
  /** The scenario with the overrides applied, re-validated and resolved. */
  scenario: Scenario;
}

/** One override: where it applies and where it is written. */
interface Override {
  /** Path as written. */
  text: string;
  /** Parsed path in the scenario. */
  path: PathSegment[];
  /** The value as written. */
  value: unknown;
  /** Path of the value in the scenario file (for messages). */
  source: FieldPath;
}

const UNSAFE = /[^A-Za-z0-9._=+-]/g;

function valueLabel(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined';
  return text.replace(UNSAFE, '_');
}

/** Shortest path suffixes (`memory`, `profile`) that tell the sweep parameters apart. */
function paramLabels(paths: readonly PathSegment[][]): string[] {
  const longest = Math.max(1, ...paths.map((p) => p.length));
  for (let k = 1; k <= longest; k++) {
    const labels = paths.map((p) => p.slice(-k).join('.'));
    if (new Set(labels).size === labels.length) return labels.map((l) => l.replace(UNSAFE, '_'));
  }
  return paths.map((p) => p.join('.').replace(UNSAFE, '_'));
}

/** Index tuples of the sweep points, in expansion order. */
function sweepPoints(lengths: readonly number[], mode: 'cartesian' | 'zip'): number[][] {
  if (lengths.length === 0) return [[]];
  if (mode === 'zip') return Array.from({ length: lengths[0]! }, (_, i) => lengths.map(() => i));
  let points: number[][] = [[]];
  for (const n of lengths) {
    const next: number[][] = [];
    for (const p of points) for (let i = 0; i < n; i++) next.push([...p, i]);
    points = next;
  }
  return points;
}

function parsedPath(text: string): PathSegment[] {
  const r = checkSetPath(text);
  // Paths were checked when the scenario was loaded.
  if (!r.ok) throw new InputError(r.message);
  return r.path;
}

/** The scenario's variants, each re-validated; throws InputError (one line) naming the override at fault. */
export function expandScenario(loaded: LoadedScenario): Variant[] {
  const input = loaded.input;
  const named = (input.variants ?? []).map((v, i) => ({
    name: v.name,
    overrides: Object.entries(v.set).map(([text, value]): Override => ({
      text,
      path: parsedPath(text),
      value,
      source: ['variants', i, 'set', text],
    })),
  }));
  const bases = named.length > 0 ? named : [{ name: null, overrides: [] as Override[] }];

  const params = Object.entries(input.sweep?.params ?? {});
  const paths = params.map(([text]) => parsedPath(text));
  const labels = paramLabels(paths);
  const lengths = params.map(([, values]) => values.length);
  const count = bases.length * ((input.sweep?.mode ?? 'cartesian') === 'zip' ? (lengths[0] ?? 1) : lengths.reduce((a, n) => a * n, 1));
  if (count > MAX_VARIANTS) {
    const at = locate(loaded.source, input.sweep !== undefined ? ['sweep'] : ['variants']);
    throw new InputError(`${loaded.source.file}:${at.line}:${at.col}: ${input.sweep !== undefined ? 'sweep' : 'variants'}: expands to ${count} variants; the limit is ${MAX_VARIANTS} (split the sweep into several scenario files)`);
  }
  const points = sweepPoints(
    params.map(([, values]) => values.length),
    input.sweep?.mode ?? 'cartesian',
  );

  const out: Variant[] = [];
  const ids = new Map<string, number>();
  for (const base of bases) {
    for (const point of points) {
      const sweepOverrides = point.map((j, k): Override => {
        const [text, values] = params[k]!;
        return { text, path: paths[k]!, value: values[j], source: ['sweep', 'params', text, j] };
      });
      const sweepId = point.map((j, k) => `${labels[k]}=${valueLabel(params[k]![1][j])}`).join(',');
      let id = [base.name ?? '', sweepId].filter((s) => s !== '').join('/');
      if (id === '') id = 'default';
      const seen = (ids.get(id) ?? 0) + 1;
      ids.set(id, seen);
      if (seen > 1) id = `${id}~${seen}`;
      const overrides = [...base.overrides, ...sweepOverrides];
      out.push({
        id,
        name: base.name,
        params: Object.fromEntries(sweepOverrides.map((o) => [o.text, o.value])),
        set: Object.fromEntries(overrides.map((o) => [o.text, o.value])),
        scenario: applyAndResolve(loaded, overrides, id),
      });
    }
  }
  return out;
}

function applyAndResolve(loaded: LoadedScenario, overrides: readonly Override[], id: string): Scenario {
  const src = loaded.source;
  if (overrides.length === 0) return loaded.scenario;
  // The expansion itself was checked once at load: a variant's document leaves it out, so each
  // variant costs the size of the scenario, not of its sweep (linear expansion).
  const { sweep: _sweep, variants: _variants, ...rest } = loaded.raw;
  const raw = structuredClone(rest);
  for (const o of overrides) {
    const err = setAt(raw, o.path, structuredClone(o.value));
    if (err !== null) {
      const at = locate(src, o.source);
      throw new InputError(`${src.file}:${at.line}:${at.col}: ${formatPath(o.source)}: cannot set ${o.text}: ${err}`);
    }
  }
  const r = resolveScenario(raw, { dir: dirname(loaded.path), profiles: loaded.profiles });
  if (r.ok) return r.scenario;
  const located = r.problems.map((p) => placeProblem(loaded, overrides, id, p));
  throw new InputError(firstInFileOrder(located).line);
}

/** Place a problem at the override that caused it, or at the base field naming the variant. */
function placeProblem(loaded: LoadedScenario, overrides: readonly Override[], id: string, p: Problem): LocatedProblem {
  const src = loaded.source;
  const o = [...overrides].reverse().find((x) => startsWith(p.path, x.path));
  if (o === undefined) {
    const base = renderProblem(src, p);
    return { ...base, line: `${base.line} (in variant ${quoted(id)})` };
  }
  const shown: FieldPath = [...o.source, ...p.path.slice(o.path.length)];
  const at = locate(src, o.source);
  const where = `${src.file}:${at.line}:${at.col}`;
  return { file: src.file, at, line: `${where}: ${formatPath(shown)}: ${p.message}`, unknownKey: p.unknownKey !== undefined };
}

/** One run of the plan. */
export interface RunSpec {
  /** Position in the plan (0-based). */
  index: number;
  /** Index of the variant in the expansion. */
  variantIndex: number;
  variantId: string;
  /** A warm-up run, discarded from results. */
  warmup: boolean;
  /** 0-based index among the variant's warm-up runs or among its recorded runs. */
  replication: number;
  /** Replication stream index: the run's randomness is `Rng.forReplication(seed, stream)`. */
  stream: number;
  /** The scenario seed. */
  seed: number;
}

export interface RunPlanOptions {
  /** Recorded replications per variant (>= 1). */
  replications: number;
  /** Warm-up replications per variant (>= 0), run before the recorded ones. */
  warmup: number;
  /** Scenario seed (32-bit integer). */
  seed: number;
}

/** Every (variant, replication) in a fixed order: variant by variant, warm-ups first, then recorded runs. */
export function runPlan(variants: readonly Pick<Variant, 'id'>[], opts: RunPlanOptions): RunSpec[] {
  const { replications, warmup, seed } = opts;
  if (!Number.isInteger(replications) || replications < 1) throw new RangeError(`replications must be an integer >= 1, got ${replications}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`warmup must be an integer >= 0, got ${warmup}`);
  const out: RunSpec[] = [];
  variants.forEach((v, variantIndex) => {
    for (let stream = 0; stream < warmup + replications; stream++) {
      const isWarmup = stream < warmup;
      out.push({
        index: out.length,
        variantIndex,
        variantId: v.id,
        warmup: isWarmup,
        replication: isWarmup ? stream : stream - warmup,
        stream,
        seed,
      });
    }
  });
  return out;
}

/** The random stream of a run. */
export function runRng(spec: Pick<RunSpec, 'seed' | 'stream'>): Rng {
  return Rng.forReplication(spec.seed, spec.stream);
}
