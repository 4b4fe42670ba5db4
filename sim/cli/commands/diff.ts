// diff.ts — `svqsim diff OLD.json NEW.json`: what changed between two results, per variant and metric.

import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { DIFF_DEFAULT_METRICS, diffResults, formatDiff, type DiffFormat } from '../../../metrics/diff.js';
import { parseFraction } from '../../../metrics/gate.js';
import { readResultFile } from '../../../metrics/resultFile.js';
import { writeOutputFile } from '../../../metrics/outputFile.js';

interface DiffFlags {
  metric?: string[];
  noiseThreshold: string;
  alpha: string;
  format: string;
  out?: string;
}

const FORMATS: readonly string[] = ['table', 'markdown', 'json'];
const collect = (v: string, acc: string[] | undefined) => [...(acc ?? []), v];

/** Add the `diff` subcommand. */
export function registerDiffCommand(program: Command, io: CliIo): void {
  program
    .command('diff')
    .description('what changed from OLD to NEW, per variant and metric: means, % change with 95% CI, Mann–Whitney p, improved / regressed / no change / inconclusive')
    .argument('<old>', 'the earlier result JSON file')
    .argument('<new>', 'the later result JSON file')
    .option('--metric <metric>', `metric to report (repeatable; default ${DIFF_DEFAULT_METRICS.join(', ')})`, collect)
    .option('--noise-threshold <pct>', 'a significant change smaller than this is "no change" ("2%" or 0.02)', '1%')
    .option('--alpha <p>', 'significance level of the Mann–Whitney test', '0.05')
    .option('--format <format>', 'table, markdown (or md) or json', 'table')
    .option('-o, --out <file>', 'write the report here (default: standard output)')
    .addHelpText('after', '\nExit codes: 0 the report was written (whatever it says; use `svqsim gate --baseline` to fail CI), 2 bad input or no variant in common.\n')
    .action((oldFile: string, newFile: string, flags: DiffFlags) => {
      const format = flags.format === 'md' ? 'markdown' : flags.format;
      if (!FORMATS.includes(format)) throw new InputError(`--format ${flags.format}: expected one of ${FORMATS.join(', ')}`);
      const noiseThreshold = parseFraction(flags.noiseThreshold, '--noise-threshold');
      const alpha = Number(flags.alpha);
      if (!(alpha > 0 && alpha < 1)) throw new InputError(`--alpha: expected a number between 0 and 1, found ${JSON.stringify(flags.alpha)}`);
      const report = diffResults(
        { name: oldFile, doc: readResultFile(oldFile, io.cwd) },
        { name: newFile, doc: readResultFile(newFile, io.cwd) },
        { metrics: flags.metric, noiseThreshold, alpha },
      );
      const text = formatDiff(report, format as DiffFormat);
      if (flags.out) writeOutputFile(io.cwd, flags.out, text);
      else io.stdout(text);
    });
}
