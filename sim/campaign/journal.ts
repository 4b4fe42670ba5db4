// journal.ts — the run journal `OUT.runs.jsonl` that `svqsim run --out OUT` writes as runs
// finish: a header line saying which campaign it is, then one line per recorded run carrying the
// run's index in the plan (so completion order and gaps do not matter). `run --resume` reads it
// back, checks it belongs to the campaign it re-plans, and runs only what is missing.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { quoted } from '../notation/units.js';
import { readBounded } from '../tool/boundedRead.js';
import { InputError } from '../tool/inputError.js';
import type { Campaign, CampaignOptions } from './campaign.js';
import { RESULT_VERSION, type RunRecord } from '../../metrics/result.js';
import { runRecordProblem } from '../../metrics/resultSchema.js';

/** Format version of the journal (its header's `svqsimRunJournal`). */
const JOURNAL_VERSION = 1;
/** Largest journal read back (as large as a result file may be). */
const MAX_JOURNAL_BYTES = 2 * 1024 * 1024 * 1024;

/** The first line: what is needed to plan the same campaign again, and to recognise it. */
export interface JournalHeader {
  svqsimRunJournal: typeof JOURNAL_VERSION;
  /** Version of the svqsim that started the campaign (a resume must be the same version). */
  tool: string;
  resultVersion: number;
  /** The directory the scenario files were named from, and the files as named. */
  cwd: string;
  files: string[];
  /** `sha256:` of each scenario file, in `files` order. */
  hashes: string[];
  /** The command line's overrides (absent: the scenarios' own). */
  seed?: number;
  replications?: number;
  shard?: { index: number; count: number };
  /** `sha256:` of the plan itself (resolved variants with their profiles, and the runs). */
  plan: string;
  /** Runs in the plan (warm-ups included). */
  runs: number;
}

/** The plan's fingerprint: anything that changes a run's inputs changes it. */
function planHash(c: Campaign): string {
  return `sha256:${createHash('sha256').update(JSON.stringify({ variants: c.variants, runs: c.runs })).digest('hex')}`;
}

/** The header line of a new journal for campaign `c`. */
export function journalHeaderLine(c: Campaign, version: string): string {
  const h: JournalHeader = {
    svqsimRunJournal: JOURNAL_VERSION,
    tool: version,
    resultVersion: RESULT_VERSION,
    cwd: c.opts.cwd,
    files: c.files,
    hashes: c.loaded.map((l) => l.hash),
    plan: planHash(c),
    runs: c.runs.length,
  };
  if (c.opts.seed !== undefined) h.seed = c.opts.seed;
  if (c.opts.replications !== undefined) h.replications = c.opts.replications;
  if (c.opts.shard !== undefined) h.shard = c.opts.shard;
  return JSON.stringify(h) + '\n';
}

/** The line of a finished run: its index in the plan and its record. */
export function journalRunLine(run: number, record: RunRecord): string {
  return JSON.stringify({ run, record }) + '\n';
}

/** A journal as read: its header and the run lines' records by plan index. */
export interface Journal {
  header: JournalHeader;
  records: Map<number, RunRecord>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown, min: number) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/** The header's problem, or null. */
function headerProblem(h: Record<string, unknown>): string | null {
  if (typeof h.tool !== 'string' || !isCount(h.resultVersion, 0) || typeof h.cwd !== 'string' || typeof h.plan !== 'string' || !isCount(h.runs, 0)) {
    return 'its header lacks tool, resultVersion, cwd, plan or runs';
  }
  if (!Array.isArray(h.files) || !h.files.every((f) => typeof f === 'string') || h.files.length === 0) return 'its header lacks the scenario files';
  if (!Array.isArray(h.hashes) || h.hashes.length !== h.files.length || !h.hashes.every((x) => typeof x === 'string')) return 'its header lacks the scenario hashes';
  if (h.seed !== undefined && !(isCount(h.seed, 0) && (h.seed as number) <= 0xffffffff)) return 'its header has a bad seed';
  if (h.replications !== undefined && !isCount(h.replications, 1)) return 'its header has a bad replications';
  if (h.shard !== undefined) {
    const s = h.shard;
    if (!isObject(s) || !isCount(s.index, 1) || !isCount(s.count, 1) || (s.index as number) > (s.count as number)) return 'its header has a bad shard';
  }
  return null;
}

/**
 * Reads the journal at `path` (shown as `file`). A last line without its newline is a run cut
 * short when the process died: it is left out (and run again). Anything else that is not a run
 * line is an InputError naming the line.
 */
export function readJournal(path: string, file: string): Journal {
  const buf = readBounded(path, file, MAX_JOURNAL_BYTES);
  const end = buf.lastIndexOf(0x0a) + 1;
  const firstEnd = buf.indexOf(0x0a);
  const howTo = 'resume from the OUT.runs.jsonl that `svqsim run --out OUT` writes';
  if (firstEnd < 0) throw new InputError(`${file}: not a svqsim run journal (empty, or cut short within its first line; ${howTo})`);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', 0, firstEnd));
  } catch {
    header = undefined;
  }
  if (!isObject(header) || header.svqsimRunJournal === undefined) {
    // A result document, as svqsim writes it, opens with a lone "{".
    if (buf.toString('utf8', 0, firstEnd).trim() === '{') {
      const beside = existsSync(`${path}.runs.jsonl`) ? `resume from ${file}.runs.jsonl, its journal` : `${howTo}, kept when a campaign is interrupted`;
      throw new InputError(`${file}: a result document, not a run journal (${beside})`);
    }
    throw new InputError(`${file}: not a svqsim run journal (${howTo})`);
  }
  if (header.svqsimRunJournal !== JOURNAL_VERSION) throw new InputError(`${file}: run journal format ${quoted(JSON.stringify(header.svqsimRunJournal) ?? '?')} is not supported (this svqsim writes format ${JOURNAL_VERSION})`);
  const bad = headerProblem(header);
  if (bad !== null) throw new InputError(`${file}:1: not a svqsim run journal: ${bad}`);
  const h = header as unknown as JournalHeader;
  const records = new Map<number, RunRecord>();
  const lineOf = new Map<number, number>();
  let line = 1;
  for (let start = firstEnd + 1; start < end; line++) {
    const stop = buf.indexOf(0x0a, start);
    const text = buf.toString('utf8', start, stop);
    start = stop + 1;
    const where = `${file}:${line + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      throw new InputError(`${where}: not valid JSON (a run journal has one JSON object per line)`);
    }
    if (!isObject(entry) || !isCount(entry.run, 0)) throw new InputError(`${where}: expected {"run": INDEX, "record": {...}}`);
    const run = entry.run as number;
    if (run >= h.runs) throw new InputError(`${where}: run ${run} is outside the plan (its ${h.runs} runs are numbered from 0)`);
    const problem = runRecordProblem(entry.record, ['record']);
    if (problem !== null) throw new InputError(`${where}: ${problem}`);
    const earlier = lineOf.get(run);
    if (earlier !== undefined) throw new InputError(`${where}: run ${run} appears twice (also line ${earlier})`);
    lineOf.set(run, line + 1);
    records.set(run, entry.record as RunRecord);
  }
  return { header: h, records };
}

/** The campaign options the journal's header describes. */
export function journalOptions(h: JournalHeader): CampaignOptions {
  const opts: CampaignOptions = { cwd: h.cwd };
  if (h.seed !== undefined) opts.seed = h.seed;
  if (h.replications !== undefined) opts.replications = h.replications;
  if (h.shard !== undefined) opts.shard = h.shard;
  return opts;
}

/**
 * Checks that the journal belongs to campaign `c` (planned again from its header) and this
 * svqsim `version`, and that each record is the run its index names; an InputError otherwise.
 */
export function checkJournal(j: Journal, c: Campaign, version: string, file: string): void {
  const h = j.header;
  if (h.tool !== version) throw new InputError(`${file}: written by svqsim ${quoted(h.tool)}; this is svqsim ${version} (a campaign is resumed by the version that started it)`);
  if (h.resultVersion !== RESULT_VERSION) throw new InputError(`${file}: resultVersion ${h.resultVersion} is not this svqsim's (${RESULT_VERSION})`);
  c.loaded.forEach((l, i) => {
    if (l.hash !== h.hashes[i]) throw new InputError(`${file}: ${l.file} changed since the campaign started (${h.hashes[i]} then, ${l.hash} now): it cannot be resumed`);
  });
  if (c.runs.length !== h.runs || planHash(c) !== h.plan) {
    throw new InputError(`${file}: the campaign plans differently now than when it started (a profile file it uses changed?): it cannot be resumed`);
  }
  for (const [run, r] of j.records) {
    const p = c.runs[run]!; // run < h.runs === c.runs.length
    const name = c.loaded[p.file]!.scenario.name;
    if (p.spec.warmup || r.scenario !== name || r.variant !== p.spec.variantId || r.replication !== p.spec.replication) {
      throw new InputError(
        `${file}: the record of run ${run} is ${quoted(`${r.scenario}/${r.variant}`)} replication ${r.replication}, but run ${run} of the plan is ${p.spec.warmup ? 'a warm-up run' : `${quoted(`${name}/${p.spec.variantId}`)} replication ${p.spec.replication}`}`,
      );
    }
  }
}
