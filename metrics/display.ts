// display.ts — numbers for people: nanoseconds with an adaptive unit, milliseconds in fixed columns.

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
