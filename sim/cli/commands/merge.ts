// merge.ts — `svqsim merge A.json B.json … --out M.json`: merge shard results into one document.

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { mergeResults } from '../../../metrics/merge.js';
import { readResultFile } from '../../../metrics/resultFile.js';

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
      const text = JSON.stringify(merged, null, 2) + '\n';
      if (opts.out) {
        try {
          writeFileSync(resolve(io.cwd, opts.out), text);
        } catch (e) {
          throw new InputError(`cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
        io.stderr(`merged ${merged.runs.length} runs from ${files.length} files into ${opts.out}\n`);
      } else io.stdout(text);
    });
}
