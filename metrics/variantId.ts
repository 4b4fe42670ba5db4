// variantId.ts — a variant id split into its named variant and its sweep point.
//
// Ids are built by the scenario expansion as `<name>/<sweep point>`, `<name>` (no sweep) or
// `<sweep point>` (no named variants), the sweep point being `label=value` pairs joined by
// commas. Names are identifiers ([a-z0-9._-]) and labels and values are file-system safe
// ([A-Za-z0-9._=+-]), so neither holds a "/" and only a sweep point holds "=": the split is exact.

/** The parts of a variant id. */
export interface VariantParts {
  /** The named variant, or null for a sweep point of a scenario without named variants. */
  name: string | null;
  /** The sweep point ("memory=16GiB,profile=mlx5"), "" without a sweep. */
  point: string;
  /** The sweep point's label → value pairs in id order. */
  pairs: [string, string][];
}

/** `label=value,label=value` as pairs, or null when some segment is not one. */
export function sweepPairs(text: string): [string, string][] | null {
  if (text === '') return [];
  const pairs: [string, string][] = [];
  for (const seg of text.split(',')) {
    const eq = seg.indexOf('=');
    if (eq <= 0) return null;
    pairs.push([seg.slice(0, eq), seg.slice(eq + 1)]);
  }
  return pairs;
}

/** Split a variant id (without the scenario) into named variant and sweep point. */
export function variantParts(id: string): VariantParts {
  const slash = id.lastIndexOf('/');
  if (slash >= 0) {
    const point = id.slice(slash + 1);
    return { name: id.slice(0, slash), point, pairs: sweepPairs(point) ?? [] };
  }
  const pairs = sweepPairs(id);
  if (pairs !== null && pairs.length > 0) return { name: null, point: id, pairs };
  return { name: id, point: '', pairs: [] };
}

/** The id of a named variant at a sweep point (the inverse of variantParts). */
export function joinVariantId(name: string | null, pairs: readonly (readonly [string, string])[]): string {
  const point = pairs.map(([k, v]) => `${k}=${v}`).join(',');
  return [name ?? '', point].filter((s) => s !== '').join('/') || 'default';
}
