// report.ts — `svqsim report RESULT... --out report.html`: a self-contained HTML report with plots.

import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { readResultFile } from '../../../metrics/resultFile.js';
import { writeOutputFile } from '../../../metrics/outputFile.js';

/** Add the `report` subcommand. */
export function registerReportCommand(program: Command, io: CliIo): void {
  program
    .command('report')
    .description('write one self-contained HTML report (stats, downtime against swept parameters, box plots, CDFs, histograms, phase waterfalls)')
    .argument('<results...>', 'result JSON files (one section per scenario, in this order)')
    .option('-o, --out <file>', 'HTML file to write', 'report.html')
    .option('--title <title>', 'page title', 'svqsim report')
    .action(async (files: string[], opts: { out: string; title: string }) => {
      const docs = files.map((f) => readResultFile(f, io.cwd));
      // Loaded on use: the plotting libraries take a noticeable share of every command's start-up.
      const { renderReport } = await import('../../../metrics/report.js');
      const html = await renderReport(docs, opts.title);
      writeOutputFile(io.cwd, opts.out, html);
      io.stderr(`wrote ${opts.out}\n`);
    });
}
