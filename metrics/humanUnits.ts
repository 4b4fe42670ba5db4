// humanUnits.ts — metric values for people: durations with an adaptive unit, page counts as
// bytes (GiB), other counts with at most one decimal; and the short column names of metrics.

import { formatNs, sig3 } from './display.js';
import { isTimeMetric } from './runMetrics.js';

/** Bytes of one page in the pin counts (the event stream counts 4 KiB pages). */
export const PIN_PAGE_BYTES = 4096;

/** True when the metric counts 4 KiB pages (pinned or unpinned, over the run or in a window). */
export function isPageMetric(metric: string): boolean {
  return /(^|\.)pages(Pinned|Unpinned)$/.test(metric);
}

/** Bytes with a binary unit and 3 significant digits ("48.0 GiB", "512 MiB", "0 B"). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${sig3(v)} ${units[i]}`;
}

/** A count: whole numbers as they are, others with one decimal. */
export function formatCount(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A value of `metric` in human units ("—" when there is none). A `count` statistic is a count. */
export function formatMetric(metric: string, v: number, stat?: string): string {
  if (Number.isNaN(v)) return '—';
  if (stat === 'count') return formatCount(v);
  if (isTimeMetric(metric)) return formatNs(v);
  if (isPageMetric(metric)) return formatBytes(v * PIN_PAGE_BYTES);
  return formatCount(v);
}

/** Short names of metrics in column headers. */
const SHORT: Record<string, string> = {
  downtime1: 'dt1',
  downtime2: 'dt2',
  observed: 'obs',
  'downtime1.observed': 'dt1 obs',
  'downtime2.observed': 'dt2 obs',
  update: 'UPDATE',
  invalidate: 'INVALIDATE',
  setMapRebuilds: 'rebuilds',
  mkeysCreated: 'MKEYs',
  mkeysDestroyed: 'MKEYs freed',
  pagesPinned: 'pinned',
  pagesUnpinned: 'unpinned',
  iterations: 'passes',
  pageFaults: 'faults',
  'pageFaults.postSwitchover': 'faults after',
  faultLatencyP99: 'fault p99',
  faultLatencyMax: 'fault max',
  faultStall: 'stall',
  outOfOrder: 'out of order',
  flushBatches: 'FLUSH batches',
  'postSwitchover.rxDropped': 'RX lost after',
};

/** The short header name of a metric ("dt2", "dt1 pinned", "rebuilds"). */
export function shortMetricName(metric: string): string {
  if (SHORT[metric] !== undefined) return SHORT[metric];
  const win = /^(downtime[12])\.(.+)$/.exec(metric);
  if (win) return `${SHORT[win[1]!]!} ${shortMetricName(win[2]!)}`;
  return metric;
}
