// init.ts — `svqsim init [FILE]`: write a commented starter scenario (never over a file unless --force).

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { starterScenario } from '../starterScenario.js';

const DEFAULT_FILE = 'scenario.yaml';

/** Writes `text` to `file` (relative to `cwd`); without `force`, only when nothing is there yet. */
function writeStarter(cwd: string, file: string, text: string, force: boolean): void {
  try {
    // 'wx' fails when the path exists, so a file appearing meanwhile is not overwritten either.
    writeFileSync(resolve(cwd, file), text, { flag: force ? 'w' : 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new InputError(`${file} already exists (use --force to overwrite it)`);
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(e));
    throw new InputError(`cannot write ${file}: ${why}`);
  }
}

export function registerInitCommand(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('write a commented starter scenario to FILE (default scenario.yaml; "-": standard output)')
    .argument('[file]', 'scenario file to create', DEFAULT_FILE)
    .option('-f, --force', 'overwrite FILE if it exists')
    .addHelpText('after', '\nExample:\n  svqsim init my-test.yaml && svqsim validate my-test.yaml && svqsim run my-test.yaml\n')
    .action((file: string, opts: { force?: boolean }) => {
      if (file === '-') {
        io.stdout(starterScenario(DEFAULT_FILE));
        return;
      }
      writeStarter(io.cwd, file, starterScenario(file), Boolean(opts.force));
      io.stderr(`wrote ${file}: check it with \`svqsim validate ${file}\`, run it with \`svqsim run ${file}\`\n`);
    });
}
