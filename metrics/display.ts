// display.ts — time units: parse "300ms"-style values into integer ns and format ns for people.

/** Nanoseconds per unit suffix accepted in thresholds and options. */
export const NS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1_000,
  µs: 1_000,
  ms: 1_000_000,
  s: 1_000_000_000,
  m: 60_000_000_000,
  h: 3_600_000_000_000,
};

/** Parse "<number><unit>" (unit one of ns us ms s m h) into integer ns; undefined when malformed. */
export function parseDurationNs(text: string): number | undefined {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*(ns|us|µs|ms|s|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * NS_PER_UNIT[m[2]]);
}

/** Format ns with an adaptive unit and 3 significant digits ("12.3 ms", "845 µs", "2.10 s"). */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  const a = Math.abs(ns);
  if (a < 1_000) return `${Math.round(ns)} ns`;
  if (a < 1_000_000) return `${sig3(ns / 1_000)} µs`;
  if (a < 1_000_000_000) return `${sig3(ns / 1_000_000)} ms`;
  return `${sig3(ns / 1_000_000_000)} s`;
}

/** Format ns as milliseconds with fixed decimals (tables that line up). */
export function formatMs(ns: number, decimals = 3): string {
  return (ns / 1_000_000).toFixed(decimals);
}

function sig3(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
