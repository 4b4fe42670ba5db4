// reportColours.ts — one colour per variant for every plot of a report section.
//
// The variants of a scenario fall into series: the named variant a sweep point belongs to
// ("baseline" of "baseline/memory=16GiB"). With several series of several sweep points each, a
// series has a hue and its points shades of it, light to dark in sweep order (so "baseline" is
// blue, "all-strategies" orange, and larger memory darker); otherwise every variant has a colour
// of its own from a categorical palette (tableau10, tableau20 past ten variants).

import * as vega from 'vega';

/** A variant of a report section and the series it belongs to. */
export interface ColourKey {
  /** The label shown for the variant (legends, axes): the key of the colour. */
  variant: string;
  /** The series ("" when the scenario has no named variants). */
  series: string;
}

/** The colour scale of a section: domain and range in the section's variant order. */
export interface Palette {
  domain: string[];
  range: string[];
  /** The colour of each series (the line of a sweep plot); grey when there is one series. */
  series: Map<string, string>;
}

/** Sequential schemes, one hue per series. */
const HUES = ['blues', 'oranges', 'greens', 'reds', 'purples', 'teals', 'browns', 'greys'];
const SERIES_GREY = '#555555';

function hex(colour: string): string {
  const m = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(colour);
  if (!m) return colour;
  return `#${[m[1], m[2], m[3]].map((c) => Number(c).toString(16).padStart(2, '0')).join('')}`;
}

function categorical(n: number): string[] {
  const scheme = vega.scheme(n <= 10 ? 'tableau10' : 'tableau20') as string[];
  return Array.from({ length: n }, (_, i) => scheme[i % scheme.length]!);
}

/** Colours of the variants (in the order given) and of their series. */
export function paletteOf(keys: readonly ColourKey[]): Palette {
  const seriesList = [...new Set(keys.map((k) => k.series))];
  const members = new Map(seriesList.map((s) => [s, keys.filter((k) => k.series === s)]));
  const largest = Math.max(0, ...[...members.values()].map((m) => m.length));
  const domain = keys.map((k) => k.variant);
  if (seriesList.length >= 2 && seriesList.length <= HUES.length && largest >= 2) {
    const colour = new Map<string, string>();
    const series = new Map<string, string>();
    seriesList.forEach((s, i) => {
      const scheme = vega.scheme(HUES[i]!) as (t: number) => string;
      const m = members.get(s)!;
      m.forEach((k, j) => colour.set(k.variant, hex(scheme(m.length === 1 ? 0.7 : 0.35 + (0.6 * j) / (m.length - 1)))));
      series.set(s, hex(scheme(0.75)));
    });
    return { domain, range: domain.map((v) => colour.get(v)!), series };
  }
  const range = categorical(keys.length);
  const series = new Map<string, string>();
  for (const s of seriesList) series.set(s, seriesList.length === 1 ? SERIES_GREY : range[keys.findIndex((k) => k.series === s)]!);
  return { domain, range, series };
}
