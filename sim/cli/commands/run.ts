// run.ts — `svqsim run FILE...`: run scenarios and print a summary, or the result document;
// `svqsim run --resume OUT.runs.jsonl` finishes an interrupted campaign from its run journal.

import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { MAX_REPLICATIONS } from '../../scenario/schema.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitWith, InputError, type CliIo } from '../io.js';
import { toolVersion } from '../../tool/version.js';
import { intFlag } from '../flags.js';
import { parseShard, planCampaign, resultDocument, type Campaign, type CampaignOptions } from '../../campaign/campaign.js';
import { executeCampaign } from '../../campaign/executor.js';
import { prestartWorkers } from '../../campaign/workerPool.js';
import { SIGNAL_EXIT, SignalWatch } from '../../campaign/signals.js';
import { checkJournal, journalHeaderLine, journalOptions, journalRunLine, readJournal } from '../../campaign/journal.js';
import { formatSummary, wantsColor } from '../../../metrics/summary.js';
import type { RunRecord } from '../../../metrics/result.js';
import { printDocument, writeResultFile } from '../../../metrics/resultText.js';

interface RunFlags {
  seed?: string;
  replications?: string;
  json?: boolean;
  out?: string;
  quiet?: boolean;
  shard?: string;
  jobs?: string;
  hdrLog?: string;
  progress?: boolean;
  resume?: string;
}

/** What the command runs: the plan, the runs already recorded, and where the journal goes. */
interface Prepared {
  campaign: Campaign;
  /** Records of runs finished before (a resumed campaign), by plan index. */
  done: Map<number, RunRecord>;
  /** The run journal (absolute path and as named), or null without --out. */
  journal: { path: string; name: string } | null;
  out: string | undefined;
}

const JOURNAL_SUFFIX = '.runs.jsonl';

function cannotWrite(name: string, e: unknown): InputError {
  return new InputError(`cannot write ${name}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
}

function writeFile(io: CliIo, path: string, text: string): void {
  const abs = resolve(io.cwd, path);
  try {
    // Write next to the target, then rename: a reader never sees half a file.
    writeFileSync(`${abs}.tmp`, text);
    renameSync(`${abs}.tmp`, abs);
  } catch (e) {
    throw cannotWrite(path, e);
  }
}

/** A new campaign from the command line; its journal is started (header line) next to --out. */
async function prepareNew(files: string[], opts: CampaignOptions, out: string | undefined, io: CliIo): Promise<Prepared> {
  if (files.length === 0) throw new InputError('run: give scenario files, or --resume OUT.runs.jsonl to finish an interrupted campaign');
  const campaign = await planCampaign(files, opts);
  const journal = out === undefined ? null : { path: resolve(io.cwd, `${out}${JOURNAL_SUFFIX}`), name: `${out}${JOURNAL_SUFFIX}` };
  if (journal) {
    try {
      writeFileSync(journal.path, journalHeaderLine(campaign, toolVersion()));
    } catch (e) {
      throw cannotWrite(journal.name, e);
    }
  }
  return { campaign, done: new Map(), journal, out };
}

/**
 * An interrupted campaign planned again from its journal. Scenario files and --seed,
 * --replications or --shard may be repeated from the first command line, but must agree.
 */
async function prepareResume(name: string, files: string[], cli: CampaignOptions, out: string | undefined, io: CliIo): Promise<Prepared> {
  const path = resolve(io.cwd, name);
  const j = readJournal(path, name);
  const opts = journalOptions(j.header);
  const differs = (flag: string, given: string | number | undefined, then: string | number | undefined) => {
    if (given !== undefined && given !== then) {
      throw new InputError(`--resume ${name}: ${flag} differs from the campaign's (${then ?? 'none'}); give the same, or leave it out`);
    }
  };
  const shardText = (s: CampaignOptions['shard']) => (s === undefined ? undefined : `${s.index}/${s.count}`);
  differs('--seed', cli.seed, opts.seed);
  differs('--replications', cli.replications, opts.replications);
  differs('--shard', shardText(cli.shard), shardText(opts.shard));
  const then = j.header.files.map((f) => resolve(j.header.cwd, f));
  if (files.length > 0 && JSON.stringify(files.map((f) => resolve(io.cwd, f))) !== JSON.stringify(then)) {
    throw new InputError(`--resume ${name}: the scenario files differ from the campaign's (${then.join(', ')}); give the same, or none`);
  }
  const campaign = await planCampaign(j.header.files, opts);
  checkJournal(j, campaign, toolVersion(), name);
  const derived = name.endsWith(JOURNAL_SUFFIX) ? name.slice(0, -JOURNAL_SUFFIX.length) : undefined;
  return { campaign, done: j.records, journal: { path, name }, out: out ?? derived };
}

export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('run scenario files (all variants × replications) and report downtimes and map/unmap counts')
    .argument('[files...]', 'scenario files (YAML or JSON)')
    .option('--seed <n>', 'override the scenarios\' seed (32-bit integer)')
    .option('--replications <n>', 'override the replications per variant')
    .option('--json', 'print the result document (JSON) on standard output and nothing else there')
    .option('-o, --out <file>', 'write the result document to FILE (runs are journaled to FILE.runs.jsonl meanwhile)')
    .option('-q, --quiet', 'print no summary')
    .option('--shard <i/n>', 'run only shard i of n (merge the shards with `svqsim merge`)')
    .option('-j, --jobs <n>', 'worker threads (default: one per core)')
    .option('--hdr-log <file>', 'also write the downtime histograms in HdrHistogram log format')
    .option('--no-progress', 'no progress bar even on a terminal')
    .option('--resume <journal>', 'finish an interrupted campaign from its OUT.runs.jsonl (result to OUT unless --out)')
    .addHelpText(
      'after',
      `
Examples:
  svqsim run scenarios/default.yaml
  svqsim run scenarios/reference-128g.yaml --replications 20 --out ref.json
  svqsim run sweep.yaml --shard 2/4 --out shard2.json   # then: svqsim merge shard*.json --out all.json
  svqsim run --resume ref.json.runs.jsonl               # finish an interrupted --out ref.json

Ctrl-C, SIGTERM or SIGHUP stop the runs in progress, write the runs finished so far (marked
"partial": true) and exit 130, 143 or 129; a second signal exits at once. With --out the journal
FILE.runs.jsonl is kept, and --resume finishes the campaign to the same bytes as an
uninterrupted run.`,
    )
    .action(async (files: string[], flags: RunFlags) => {
      // A worker loads its code while this thread reads and checks the scenarios (every run executes on one).
      prestartWorkers(1);
      const seed = intFlag('--seed', flags.seed, 0, 0xffffffff);
      const replications = intFlag('--replications', flags.replications, 1, MAX_REPLICATIONS);
      const jobs = intFlag('--jobs', flags.jobs, 1);
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const cli: CampaignOptions = { cwd: io.cwd, seed, replications, shard };
      // Listening from before the plan: a signal at any point stops the campaign and is reported.
      const signals = new SignalWatch();
      try {
        await runCampaign(files, flags, jobs, cli, signals, io);
      } finally {
        signals.dispose();
      }
    });
}

/** The run command once its flags are parsed. */
async function runCampaign(files: string[], flags: RunFlags, jobs: number | undefined, cli: CampaignOptions, signals: SignalWatch, io: CliIo): Promise<void> {
  const p = flags.resume === undefined ? await prepareNew(files, cli, flags.out, io) : await prepareResume(flags.resume, files, cli, flags.out, io);
  const { campaign, journal, out } = p;
  const showProgress = flags.progress !== false && io.isTTY && !io.env.CI && !flags.json;
  // Warm-up runs are not repeated on a resume: they record nothing, and no run depends on another.
  const skip = new Set(p.done.keys());
  if (p.done.size > 0) campaign.runs.forEach((r, i) => r.spec.warmup && skip.add(i));
  const outcome = await executeCampaign(campaign, {
    jobs,
    progress: showProgress,
    skip,
    signals,
    onRecord: (r: RunRecord, run: number) => {
      if (journal) appendFileSync(journal.path, journalRunLine(run, r));
    },
  });
  const doc = resultDocument(campaign, [...p.done.values(), ...outcome.records], toolVersion(), outcome.interrupted);
  // Written in pieces: a large campaign's document does not fit in one string.
  if (out !== undefined) writeResultFile(io.cwd, out, doc);
  // The journal is needed until the campaign is complete.
  if (journal && !outcome.interrupted) rmSync(journal.path, { force: true });
  if (flags.hdrLog) writeFile(io, flags.hdrLog, (await import('../../../metrics/hdrLogExport.js')).documentsHdrLog([doc]));
  if (flags.json) printDocument(doc, io.stdout);
  else if (!flags.quiet) io.stdout(formatSummary(doc, { color: wantsColor(io.env, io.isTTY) }));
  if (outcome.interrupted) {
    const recorded = campaign.runs.filter((r) => !r.spec.warmup).length;
    const kept = out === undefined ? ' (use --out to keep partial results)' : `; partial results written to ${out}`;
    const resume = journal ? `; finish with: svqsim run --resume ${journal.name}` : '';
    throw new ExitWith(SIGNAL_EXIT[outcome.signal ?? 'SIGINT'], `interrupted: ${doc.runs.length} of ${recorded} runs finished${kept}${resume}`);
  }
}
