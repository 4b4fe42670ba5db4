// merge.ts — `svqsim merge A.json B.json … --out M.json`: merge shard results into one document.

import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { mergeResults } from '../../../metrics/merge.js';
import { readResultFile } from '../../../metrics/resultFile.js';
import { printDocument, writeResultFile } from '../../../metrics/resultText.js';

/** Add the `merge` subcommand. */
export function registerMergeCommand(program: Command, io: CliIo): void {
  program
    .command('merge')
    .description('merge result files of shards (--shard i/n) into one result with recomputed aggregates')
    .argument('<results...>', 'result JSON files')
    .option('-o, --out <file>', 'write the merged result here (default: standard output)')
    .action((files: string[], opts: { out?: string }) => {
      const docs = files.map((f) => ({ name: f, doc: readResultFile(f, io.cwd) }));
      const merged = mergeResults(docs);
      if (opts.out) {
        writeResultFile(io.cwd, opts.out, merged);
        io.stderr(`merged ${merged.runs.length} runs from ${files.length} files into ${opts.out}\n`);
      } else printDocument(merged, io.stdout);
    });
}
