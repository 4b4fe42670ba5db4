// merge.ts — `svqsim merge A.json B.json … --out M.json`: merge shard results into one document.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { mergeResults } from '../../../metrics/merge.js';
import { readResultFile } from '../../../metrics/resultFile.js';
import { chunked, documentPieces, writeDocumentFile } from '../../../metrics/resultText.js';

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
        try {
          writeDocumentFile(resolve(io.cwd, opts.out), merged);
        } catch (e) {
          throw new InputError(`cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
        io.stderr(`merged ${merged.runs.length} runs from ${files.length} files into ${opts.out}\n`);
      } else for (const chunk of chunked(documentPieces(merged))) io.stdout(chunk);
    });
}
