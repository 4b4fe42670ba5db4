// export.ts — `svqsim export RESULT... --format csv`: one CSV row per run, sweep parameters as columns.

import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { readResultFile } from '../../../metrics/resultFile.js';
import { runsCsvChunks } from '../../../metrics/runsCsv.js';

/** Add the `export` subcommand. */
export function registerExportCommand(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('export every run of results as CSV (RFC 4180): one row per run, sweep parameters, downtimes, phases and counts as columns')
    .argument('<results...>', 'result JSON files')
    .option('--format <format>', 'csv (the only format yet)', 'csv')
    .option('-o, --out <file>', 'write the CSV here (default: standard output)')
    .action((files: string[], flags: { format: string; out?: string }) => {
      if (flags.format !== 'csv') throw new InputError(`--format ${flags.format}: expected csv`);
      const docs = files.map((f) => readResultFile(f, io.cwd));
      const chunks = runsCsvChunks(docs);
      if (!flags.out) {
        for (const c of chunks) io.stdout(c);
        return;
      }
      let fd: number;
      try {
        fd = openSync(resolve(io.cwd, flags.out), 'w');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError(`cannot write ${flags.out}: ${code === 'ENOENT' ? 'no such directory' : (code ?? String(e))}`);
      }
      let rows = -1;
      try {
        for (const c of chunks) {
          writeSync(fd, c);
          rows += c.split('\r\n').length - 1;
        }
      } finally {
        closeSync(fd);
      }
      io.stderr(`${rows} runs written to ${flags.out}\n`);
    });
}
