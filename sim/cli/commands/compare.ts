// compare.ts — `svqsim compare RESULT-or-SCENARIO...`: side-by-side downtime statistics of variants,
// each against the baseline variant at its own sweep point.

import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { COMPARE_DEFAULT_COLUMNS, compareResults, type CompareFormat } from '../../../metrics/compare.js';
import { readResultFile } from '../../../metrics/resultFile.js';
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

/** Width the table fits: the terminal's, else $COLUMNS, else 120. */
export function outputWidth(io: CliIo): number {
  if (io.columns !== undefined && io.columns > 0) return io.columns;
  const env = Number(io.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : 120;
}

/** Add the `compare` subcommand. */
export function registerCompareCommand(program: Command, io: CliIo): void {
  program
    .command('compare')
    .description('compare variants side by side: downtimes, the ratio to a baseline variant at the same sweep point (95% CI), map/unmap and pinning counts')
    .argument('<inputs...>', 'result JSON files, or scenario files (.yaml) to run first')
    .option('--replications <n>', 'replications when running scenario files (default: the scenario\'s)')
    .option('-j, --jobs <n>', 'worker threads when running scenario files')
    .option('--baseline <variant>', 'variant the ratios refer to, at each row\'s sweep point ("baseline"); sweep values to fix ("profile=mlx5"); or one variant id (default: the first named variant, else the first sweep point)')
    .option('--metric <metric>', 'metric of the ratio columns and histograms', 'downtime2')
    .option('--columns <list>', `table and md columns, comma-separated (default ${COMPARE_DEFAULT_COLUMNS.join(',')}, fitted to the terminal)`)
    .option('--no-histograms', 'no terminal histograms after the table')
    .option('--format <format>', 'table, md (or markdown), json or csv', 'table')
    .option('--hdr-log <file>', 'also write every variant\'s histograms as an HdrHistogram log')
    .action(
      async (
        files: string[],
        opts: { baseline?: string; metric: string; format: string; columns?: string; histograms: boolean; hdrLog?: string; replications?: string; jobs?: string },
      ) => {
        const format = opts.format === 'markdown' ? 'md' : opts.format;
        if (!FORMATS.includes(format)) throw new InputError(`--format ${opts.format}: expected one of ${FORMATS.join(', ')}`);
        const columns = opts.columns === undefined ? undefined : opts.columns.split(',').map((c) => c.trim());
        if (columns !== undefined && (columns.length === 0 || columns.some((c) => c === ''))) {
          throw new InputError(`--columns: expected comma-separated column names, found ${JSON.stringify(opts.columns)}`);
        }
        const replications = intFlag('--replications', opts.replications, 1);
        const jobs = intFlag('--jobs', opts.jobs, 1);
        const docs = await documentsOf(files, io, replications, jobs);
        if (opts.hdrLog) writeOutputFile(io.cwd, opts.hdrLog, (await import('../../../metrics/hdrLogExport.js')).documentsHdrLog(docs));
        io.stdout(
          compareResults(docs, {
            baseline: opts.baseline,
            metric: opts.metric,
            format: format as CompareFormat,
            columns,
            width: outputWidth(io),
            histograms: opts.histograms,
          }),
        );
      },
    );
}
