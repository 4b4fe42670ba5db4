// compare.ts — `svqsim compare RESULT-or-SCENARIO...`: side-by-side downtime statistics of variants.

import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { compareResults, type CompareFormat } from '../../../metrics/compare.js';
import { readResultFile } from '../../../metrics/resultFile.js';
import { documentsHdrLog } from '../../../metrics/hdrLogExport.js';
import { writeOutputFile } from '../../../metrics/outputFile.js';
import type { ResultDocument } from '../../../metrics/result.js';
import { toolVersion } from '../../tool/version.js';
import { intFlag } from '../flags.js';
import { planCampaign, resultDocument } from '../../campaign/campaign.js';
import { executeCampaign } from '../../campaign/executor.js';

/** A scenario file (YAML, or JSON that is not a result document) is run first. */
function isScenarioFile(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

/** Result documents of the arguments: result files read, scenario files run. */
async function documentsOf(files: string[], io: CliIo, replications: number | undefined, jobs: number | undefined): Promise<ResultDocument[]> {
  const docs: ResultDocument[] = [];
  for (const f of files) {
    if (!isScenarioFile(f)) {
      docs.push(readResultFile(f, io.cwd));
      continue;
    }
    const campaign = await planCampaign([f], { cwd: io.cwd, replications });
    const outcome = await executeCampaign(campaign, { jobs, progress: false });
    docs.push(resultDocument(campaign, outcome.records, toolVersion(), outcome.interrupted));
  }
  return docs;
}

const FORMATS: readonly string[] = ['table', 'md', 'json', 'csv'];

/** Add the `compare` subcommand. */
export function registerCompareCommand(program: Command, io: CliIo): void {
  program
    .command('compare')
    .description('compare variants side by side: downtime percentiles, ratios to a baseline variant, map/unmap counts')
    .argument('<inputs...>', 'result JSON files, or scenario files (.yaml) to run first')
    .option('--replications <n>', 'replications when running scenario files (default: the scenario\'s)')
    .option('-j, --jobs <n>', 'worker threads when running scenario files')
    .option('--baseline <variant>', 'variant the ratios refer to (default: the first variant of each scenario)')
    .option('--metric <metric>', 'metric of the ratio columns and histograms', 'downtime2')
    .option('--format <format>', 'table, md, json or csv', 'table')
    .option('--hdr-log <file>', 'also write every variant\'s histograms as an HdrHistogram log')
    .action(async (files: string[], opts: { baseline?: string; metric: string; format: string; hdrLog?: string; replications?: string; jobs?: string }) => {
      if (!FORMATS.includes(opts.format)) throw new InputError(`--format ${opts.format}: expected one of ${FORMATS.join(', ')}`);
      const docs = await documentsOf(files, io, intFlag('--replications', opts.replications, 1), intFlag('--jobs', opts.jobs, 1));
      if (opts.hdrLog) writeOutputFile(io.cwd, opts.hdrLog, documentsHdrLog(docs));
      io.stdout(compareResults(docs, { baseline: opts.baseline, metric: opts.metric, format: opts.format as CompareFormat }));
    });
}
