// compare.ts — `svqsim compare RESULT...`: side-by-side downtime statistics of variants.

import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { compareResults, type CompareFormat } from '../../../metrics/compare.js';
import { readResultFile } from '../../../metrics/resultFile.js';
import { documentsHdrLog } from '../../../metrics/hdrLogExport.js';
import { writeOutputFile } from '../../../metrics/outputFile.js';

const FORMATS: readonly string[] = ['table', 'md', 'json', 'csv'];

/** Add the `compare` subcommand. */
export function registerCompareCommand(program: Command, io: CliIo): void {
  program
    .command('compare')
    .description('compare variants side by side: downtime percentiles, ratios to a baseline variant, map/unmap counts')
    .argument('<results...>', 'result JSON files')
    .option('--baseline <variant>', 'variant the ratios refer to (default: the first variant of each scenario)')
    .option('--metric <metric>', 'metric of the ratio columns and histograms', 'downtime2')
    .option('--format <format>', 'table, md, json or csv', 'table')
    .option('--hdr-log <file>', 'also write every variant\'s histograms as an HdrHistogram log')
    .action((files: string[], opts: { baseline?: string; metric: string; format: string; hdrLog?: string }) => {
      if (!FORMATS.includes(opts.format)) throw new InputError(`--format ${opts.format}: expected one of ${FORMATS.join(', ')}`);
      const docs = files.map((f) => readResultFile(f, io.cwd));
      if (opts.hdrLog) writeOutputFile(io.cwd, opts.hdrLog, documentsHdrLog(docs));
      io.stdout(compareResults(docs, { baseline: opts.baseline, metric: opts.metric, format: opts.format as CompareFormat }));
    });
}
