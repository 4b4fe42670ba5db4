// trace.ts — `svqsim trace SCENARIO`: one run's timeline as Chrome/Perfetto trace JSON.

import { quoted } from '../../notation/units.js';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, type CliIo } from '../io.js';
import { toolVersion } from '../../tool/version.js';
import { intFlag } from '../flags.js';
import { expandScenario, loadScenarioFile, runPlan } from '../../scenario/index.js';
import { simulateMigration } from '../../testbed/simulateMigration.js';
import { toChromeTrace } from '../../../metrics/trace.js';

interface TraceFlags {
  variant?: string;
  replication?: string;
  seed?: string;
  out?: string;
}

export function registerTraceCommand(program: Command, io: CliIo): void {
  program
    .command('trace')
    .description('write one run\'s timeline (phases, vhost-vdpa messages, map rebuilds; a process per host, a track per device) as Chrome/Perfetto trace JSON')
    .argument('<scenario>', 'scenario file')
    .option('--variant <id>', 'which variant (default: the first)')
    .option('--replication <n>', 'which recorded replication (default: 0)')
    .option('--seed <n>', 'override the scenario seed')
    .option('-o, --out <file>', 'write the trace here (default: standard output)')
    .addHelpText(
      'after',
      '\nProcesses: the migration (phases without a device, the guest probe flow), the source host, the\n' +
        'destination host. Each device has a track of its calls and, for deferred device work such as\n' +
        'MKEY destruction (mrDestroy), "async work" tracks; slices nest on every track. Timestamps are\n' +
        'µs rounded to the ns.\n\nOpen the file in https://ui.perfetto.dev or chrome://tracing.\n',
    )
    .action(async (file: string, flags: TraceFlags) => {
      const loaded = await loadScenarioFile(file, { cwd: io.cwd });
      const variants = expandScenario(loaded);
      const vi = flags.variant === undefined ? 0 : variants.findIndex((v) => v.id === flags.variant);
      if (vi < 0) throw new InputError(`--variant: no variant ${quoted(flags.variant ?? "")} in ${file}; variants: ${variants.map((v) => v.id).join(', ')}`);
      const sc = loaded.scenario;
      const rep = intFlag('--replication', flags.replication, 0, sc.replications - 1) ?? 0;
      const seed = intFlag('--seed', flags.seed, 0, 0xffffffff) ?? sc.seed;
      const spec = runPlan(variants, { replications: sc.replications, warmup: sc.warmup, seed }).find(
        (s) => s.variantIndex === vi && !s.warmup && s.replication === rep,
      );
      if (spec === undefined) throw new Error('run plan has no such run');
      const v = variants[vi]!;
      const out = simulateMigration({ scenario: v.scenario, variant: v.id, params: v.params, replication: rep, stream: spec.stream, seed }, { keepEvents: true });
      const trace = toChromeTrace(out.events ?? [], {
        title: `${sc.name}/${v.id} #${rep}`,
        metadata: { scenario: sc.name, variant: v.id, replication: rep, seed, file: loaded.file, hash: loaded.hash, tool: `svqsim ${toolVersion()}` },
      });
      const text = JSON.stringify(trace) + '\n';
      if (flags.out) {
        try {
          writeFileSync(resolve(io.cwd, flags.out), text);
        } catch (e) {
          throw new InputError(`cannot write ${flags.out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
        io.stderr(`trace of ${sc.name}/${v.id} #${rep} written to ${flags.out}\n`);
      } else io.stdout(text);
    });
}
