// display.ts — numbers for people: nanoseconds with an adaptive unit.

/** Format ns with an adaptive unit and 3 significant digits ("12.3 ms", "845 µs", "2.10 s"). */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  const a = Math.abs(ns);
  if (a < 1_000) return `${Math.round(ns)} ns`;
  if (a < 1_000_000) return `${sig3(ns / 1_000)} µs`;
  if (a < 1_000_000_000) return `${sig3(ns / 1_000_000)} ms`;
  return `${sig3(ns / 1_000_000_000)} s`;
}

/** A number with 3 significant digits ("845", "12.3", "2.10"). */
export function sig3(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
