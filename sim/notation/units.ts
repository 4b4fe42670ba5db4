// units.ts — parsing and formatting of sizes, durations, rates and packet rates in scenario files.
// Parsing is exact (decimal arithmetic on BigInt): `1.5GiB` is exactly 1610612736 bytes, and a
// value that is not a whole number of bytes or nanoseconds is rejected rather than rounded.

import * as z from 'zod';

/** A parse result: the value, or the reason it is not one. */
export type UnitResult = { ok: true; value: number } | { ok: false; message: string };

/** What a kind of quantity accepts, for messages and JSON Schema. */
interface UnitKind {
  /** Phrase used in "expected ..." messages. */
  readonly what: string;
  /** Multiplier (in base units) of each accepted suffix. */
  readonly units: Readonly<Record<string, bigint | number>>;
  /** Result must be an integer (sizes, durations). */
  readonly integer: boolean;
  /** Examples shown in the JSON Schema. */
  readonly examples: readonly string[];
  /** What a plain number means (the base unit), for the JSON Schema. */
  readonly base: string;
}

const KI = 1024n;
const K = 1000n;

const sizeUnits: Record<string, bigint> = {
  B: 1n,
  KiB: KI,
  MiB: KI ** 2n,
  GiB: KI ** 3n,
  TiB: KI ** 4n,
  KB: K,
  kB: K,
  MB: K ** 2n,
  GB: K ** 3n,
  TB: K ** 4n,
};

const durationUnits = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
} satisfies Record<string, bigint>;

// Rates: bytes per second. Bit rates are divided by 8 (so they are bigint-exact only in 1/8 steps;
// the result is a number, which is exact for every realistic rate).
const rateUnits: Record<string, number> = {
  'B/s': 1,
  'KB/s': 1e3,
  'kB/s': 1e3,
  'MB/s': 1e6,
  'GB/s': 1e9,
  'TB/s': 1e12,
  'KiB/s': 1024,
  'MiB/s': 1024 ** 2,
  'GiB/s': 1024 ** 3,
  'TiB/s': 1024 ** 4,
  'bit/s': 1 / 8,
  'kbit/s': 1e3 / 8,
  'Kbit/s': 1e3 / 8,
  'Mbit/s': 1e6 / 8,
  'Gbit/s': 1e9 / 8,
  'Tbit/s': 1e12 / 8,
  bps: 1 / 8,
  kbps: 1e3 / 8,
  Kbps: 1e3 / 8,
  Mbps: 1e6 / 8,
  Gbps: 1e9 / 8,
  Tbps: 1e12 / 8,
};

const ppsUnits: Record<string, number> = { pps: 1, kpps: 1e3, Kpps: 1e3, Mpps: 1e6, Gpps: 1e9 };

export const SIZE: UnitKind = {
  what: 'a size like 16GiB',
  units: sizeUnits,
  integer: true,
  examples: ['16GiB', '512MiB', '4KiB', '1.5GB', '4096'],
  base: 'bytes',
};
export const DURATION: UnitKind = {
  what: 'a duration like 300ms',
  units: durationUnits,
  integer: true,
  examples: ['300ms', '1.5s', '250us', '100ns', '2m', '1h'],
  base: 'nanoseconds',
};
export const RATE: UnitKind = {
  what: 'a rate like 10Gbit/s',
  units: rateUnits,
  integer: false,
  examples: ['10Gbit/s', '10Gbps', '1.25GB/s', '200MiB/s'],
  base: 'bytes per second',
};
export const PACKET_RATE: UnitKind = {
  what: 'a packet rate like 100kpps',
  units: ppsUnits,
  integer: false,
  examples: ['1Mpps', '500kpps', '1000'],
  base: 'packets per second',
};

const NUMBER_WITH_UNIT = /^\s*(\d+)(?:\.(\d+))?\s*([A-Za-zµ/]*)\s*$/;

/**
 * A user's text as it may appear in a one-line message: at most `max` characters (longer text is
 * cut, with the full length said), quoted and escaped as JSON so a newline or a control character
 * cannot break the line.
 */
export function quoted(text: string, max = 60): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, max - 3))}... (${text.length} characters)`;
}

/** How a value is shown after "found" in a message. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return quoted(value, 40);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a sequence';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function fail(kind: UnitKind, found: unknown, why?: string): UnitResult {
  const tail = why === undefined ? '' : ` (${why})`;
  return { ok: false, message: `expected ${kind.what}, found ${describeFound(found)}${tail}` };
}

/** Parse a quantity of `kind` from a scenario value (string with unit, or a plain number). */
function parseQuantity(kind: UnitKind, input: unknown): UnitResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return fail(kind, input);
    if (kind.integer && !Number.isSafeInteger(input)) return fail(kind, input, 'not a whole number');
    return { ok: true, value: input };
  }
  if (typeof input !== 'string') return fail(kind, input);
  const m = NUMBER_WITH_UNIT.exec(input);
  if (m === null) return fail(kind, input);
  const [, whole, frac = '', unit] = m;
  if (unit === '') {
    const n = Number(`${whole}${frac === '' ? '' : `.${frac}`}`);
    return parseQuantity(kind, n);
  }
  // The unit group takes part in every match of NUMBER_WITH_UNIT (possibly empty, handled above).
  const mult = kind.units[unit!];
  if (mult === undefined) return fail(kind, input);
  if (typeof mult === 'number') {
    const v = Number(`${whole}.${frac || '0'}`) * mult;
    if (!Number.isFinite(v)) return fail(kind, input);
    return { ok: true, value: v };
  }
  const scale = 10n ** BigInt(frac.length);
  const num = BigInt(whole + frac) * mult;
  if (num % scale !== 0n) return fail(kind, input, 'not a whole number of base units');
  const v = num / scale;
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return fail(kind, input, 'too large');
  return { ok: true, value: Number(v) };
}

export const parseSize = (input: unknown): UnitResult => parseQuantity(SIZE, input);
export const parseDuration = (input: unknown): UnitResult => parseQuantity(DURATION, input);
export const parseRate = (input: unknown): UnitResult => parseQuantity(RATE, input);
export const parsePacketRate = (input: unknown): UnitResult => parseQuantity(PACKET_RATE, input);

/** JSON Schema pattern of the string form of `kind`. */
function unitPattern(kind: UnitKind): string {
  const alts = Object.keys(kind.units)
    .sort((a, b) => b.length - a.length)
    .map((u) => u.replace(/[/.]/g, (c) => `\\${c}`))
    .join('|');
  return `^\\s*\\d+(\\.\\d+)?\\s*(${alts})?\\s*$`;
}

/** Bounds and default of a unit field. */
export interface UnitFieldOptions {
  /** Smallest accepted value (base units) and how it is written in messages. */
  min?: { value: number; text: string };
  /** Largest accepted value (base units) and how it is written in messages. */
  max?: { value: number; text: string };
  /** Value used when the field is absent (parsed like a written value). */
  default?: string | number;
  /** The key may be absent (the caller wraps the field in .optional()): not required in the JSON Schema. */
  optional?: boolean;
}

/** Marker in a unit field's metadata: the key is required (absent keys are parsed as undefined). */
export const REQUIRED_MARK = 'x-required';

/** A zod field accepting `kind` as a string with unit or a plain number, giving the value in base units. */
export function unitField(kind: UnitKind, opts: UnitFieldOptions = {}) {
  const bound = (v: unknown, word: string, limit: { text: string }): string =>
    `expected ${kind.what} of ${word} ${limit.text}, found ${describeFound(v)}`;
  return z
    .unknown()
    .optional()
    .transform((written, ctx) => {
      const v = written === undefined ? opts.default : written;
      const r = parseQuantity(kind, v);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.message, input: v });
        return z.NEVER;
      }
      if (opts.min !== undefined && r.value < opts.min.value) {
        ctx.addIssue({ code: 'custom', message: bound(v, 'at least', opts.min), input: v });
        return z.NEVER;
      }
      if (opts.max !== undefined && r.value > opts.max.value) {
        ctx.addIssue({ code: 'custom', message: bound(v, 'at most', opts.max), input: v });
        return z.NEVER;
      }
      return r.value;
    })
    .meta({
      anyOf: [
        { type: 'string', pattern: unitPattern(kind) },
        { type: kind.integer ? 'integer' : 'number', minimum: 0 },
      ],
      description: `${kind.what}; units: ${Object.keys(kind.units).join(', ')}; a plain number is in ${kind.base}`,
      examples: [...kind.examples],
      ...(opts.default !== undefined ? { default: opts.default } : opts.optional === true ? {} : { [REQUIRED_MARK]: true }),
    });
}

// ---- formatting -------------------------------------------------------------------------------

const byteFormatUnits: readonly [string, bigint][] = [
  ['TiB', KI ** 4n],
  ['GiB', KI ** 3n],
  ['MiB', KI ** 2n],
  ['KiB', KI],
];
const nsFormatUnits: readonly [string, bigint][] = [
  ['h', durationUnits.h],
  ['m', durationUnits.m],
  ['s', durationUnits.s],
  ['ms', durationUnits.ms],
  ['us', durationUnits.us],
];

/** Options of the formatters. */
export interface FormatOptions {
  /** Round to 3 significant decimals for display instead of the exact (round-tripping) form. */
  approx?: boolean;
}

function formatExact(n: number, units: readonly [string, bigint][], base: string): string {
  if (!Number.isSafeInteger(n) || n < 0) return `${n}${base}`;
  const v = BigInt(n);
  for (const [name, mult] of units) {
    if (v < mult) continue;
    // Up to 3 decimals, and only if exact.
    if ((v * 1000n) % mult !== 0n) continue;
    const thousandths = (v * 1000n) / mult;
    const whole = thousandths / 1000n;
    const frac = (thousandths % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
    return frac === '' ? `${whole}${name}` : `${whole}.${frac}${name}`;
  }
  return `${n}${base}`;
}

function formatApprox(n: number, units: readonly [string, bigint][], base: string): string {
  for (const [name, mult] of units) {
    const m = Number(mult);
    if (Math.abs(n) >= m) return `${Number((n / m).toPrecision(3))}${name}`;
  }
  return `${Number(n.toPrecision(6))}${base}`;
}

/** Bytes as a size string; the default (exact) form parses back to the same number with parseSize. */
export function formatBytes(bytes: number, opts: FormatOptions = {}): string {
  return opts.approx ? formatApprox(bytes, byteFormatUnits, 'B') : formatExact(bytes, byteFormatUnits, 'B');
}

/** Nanoseconds as a duration string; the default (exact) form parses back with parseDuration. */
export function formatDuration(ns: number, opts: FormatOptions = {}): string {
  return opts.approx ? formatApprox(ns, nsFormatUnits, 'ns') : formatExact(ns, nsFormatUnits, 'ns');
}
