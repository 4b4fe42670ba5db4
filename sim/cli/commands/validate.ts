// validate.ts — `svqsim validate FILE...`: load, validate and expand scenarios without running them.

import type { Command } from 'commander';
import { ExitCode, ExitWith, InputError, type CliIo } from '../io.js';
import { expandScenario, loadScenarioFile } from '../../scenario/index.js';

export function registerValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check scenario files (schema, capabilities, sweeps) without running them')
    .argument('<files...>', 'scenario files (YAML or JSON)')
    .action(async (files: string[]) => {
      let bad = 0;
      for (const file of files) {
        try {
          const loaded = await loadScenarioFile(file, { cwd: io.cwd });
          const variants = expandScenario(loaded);
          const sc = loaded.scenario;
          const runs = variants.length * (sc.replications + sc.warmup);
          const reps = `${sc.replications} replication${sc.replications === 1 ? '' : 's'}`;
          const each = sc.warmup > 0 ? `(${reps} + ${sc.warmup} warm-up)` : reps;
          io.stdout(`ok  ${file}: ${variants.length} variant${variants.length === 1 ? '' : 's'} × ${each} = ${runs} run${runs === 1 ? '' : 's'}\n`);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          bad++;
          io.stderr(`svqsim: error: ${e.message}\n`);
        }
      }
      if (bad > 0) throw new ExitWith(ExitCode.BAD_INPUT, `${bad} of ${files.length} file${files.length === 1 ? '' : 's'} invalid`);
    });
}
