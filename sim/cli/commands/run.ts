// run.ts — `svqsim run FILE...`: run scenarios and print a summary, or the result document.

import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { MAX_REPLICATIONS } from '../../scenario/schema.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitWith, InputError, type CliIo } from '../io.js';
import { toolVersion } from '../../tool/version.js';
import { intFlag } from '../flags.js';
import { parseShard, planCampaign, resultDocument, type Campaign } from '../../campaign/campaign.js';
import { executeCampaign, SIGNAL_EXIT } from '../../campaign/executor.js';
import { formatSummary, wantsColor } from '../../../metrics/summary.js';
import { documentsHdrLog } from '../../../metrics/hdrLogExport.js';
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
}

function writeFile(io: CliIo, path: string, text: string): void {
  const abs = resolve(io.cwd, path);
  try {
    // Write next to the target, then rename: a reader never sees half a document.
    writeFileSync(`${abs}.tmp`, text);
    renameSync(`${abs}.tmp`, abs);
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('run scenario files (all variants × replications) and report downtimes and map/unmap counts')
    .argument('<files...>', 'scenario files (YAML or JSON)')
    .option('--seed <n>', 'override the scenarios\' seed (32-bit integer)')
    .option('--replications <n>', 'override the replications per variant')
    .option('--json', 'print the result document (JSON) on standard output and nothing else there')
    .option('-o, --out <file>', 'write the result document to FILE (runs stream to FILE.runs.jsonl meanwhile)')
    .option('-q, --quiet', 'print no summary')
    .option('--shard <i/n>', 'run only shard i of n (merge the shards with `svqsim merge`)')
    .option('-j, --jobs <n>', 'worker threads (default: one per core; 1 runs in this thread)')
    .option('--hdr-log <file>', 'also write the downtime histograms in HdrHistogram log format')
    .option('--no-progress', 'no progress bar even on a terminal')
    .addHelpText(
      'after',
      `
Examples:
  svqsim run scenarios/default.yaml
  svqsim run scenarios/reference-128g.yaml --replications 20 --out ref.json
  svqsim run sweep.yaml --shard 2/4 --out shard2.json   # then: svqsim merge shard*.json --out all.json

Ctrl-C, SIGTERM or SIGHUP write the runs finished so far (marked "partial": true) and exit
130, 143 or 129; a second signal exits at once.`,
    )
    .action(async (files: string[], flags: RunFlags) => {
      const seed = intFlag('--seed', flags.seed, 0, 0xffffffff);
      const replications = intFlag('--replications', flags.replications, 1, MAX_REPLICATIONS);
      const jobs = intFlag('--jobs', flags.jobs, 1);
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const campaign: Campaign = await planCampaign(files, { cwd: io.cwd, seed, replications, shard });

      const stream = flags.out ? resolve(io.cwd, `${flags.out}.runs.jsonl`) : null;
      if (stream) {
        try {
          writeFileSync(stream, '');
        } catch (e) {
          throw new InputError(`cannot write ${flags.out}.runs.jsonl: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
      }
      const showProgress = flags.progress !== false && io.isTTY && !io.env.CI && !flags.json;
      const outcome = await executeCampaign(campaign, {
        jobs,
        progress: showProgress,
        onRecord: (r: RunRecord) => {
          if (stream) appendFileSync(stream, JSON.stringify(r) + '\n');
        },
      });
      const doc = resultDocument(campaign, outcome.records, toolVersion(), outcome.interrupted);
      // Written in pieces: a large campaign's document does not fit in one string.
      if (flags.out) {
        writeResultFile(io.cwd, flags.out, doc);
        if (stream) rmSync(stream, { force: true });
      }
      if (flags.hdrLog) writeFile(io, flags.hdrLog, documentsHdrLog([doc]));
      if (flags.json) printDocument(doc, io.stdout);
      else if (!flags.quiet) io.stdout(formatSummary(doc, { color: wantsColor(io.env, io.isTTY) }));
      if (outcome.interrupted) {
        throw new ExitWith(
          SIGNAL_EXIT[outcome.signal ?? 'SIGINT'],
          `interrupted: ${outcome.records.length} of ${campaign.runs.length} runs finished` +
            (flags.out ? `; partial results written to ${flags.out}` : ' (use --out to keep partial results)'),
        );
      }
    });
}
