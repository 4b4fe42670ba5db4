// main.ts — the svqsim command line: a thin commander program over testable command modules.
// `main(argv, io)` returns the exit code instead of exiting, so tests call it in-process.

import { Command, CommanderError } from 'commander';
import { ExitCode, ExitWith, InputError, processIo, type CliIo } from './io.js';
import { toolVersion } from '../tool/version.js';

/** Adds one subcommand to the program. */
type Register = (program: Command, io: CliIo) => void;

/**
 * The subcommands in help order, each loaded on demand: a command line that names one loads
 * only that one's modules, so start-up does not pay for the simulator when gating a result.
 */
const COMMANDS: [string, () => Promise<Register>][] = [
  ['run', async () => (await import('./commands/run.js')).registerRunCommand],
  ['validate', async () => (await import('./commands/validate.js')).registerValidateCommand],
  ['init', async () => (await import('./commands/init.js')).registerInitCommand],
  ['schema', async () => (await import('./commands/schema.js')).registerSchemaCommand],
  ['list', async () => (await import('./commands/list.js')).registerListCommand],
  ['trace', async () => (await import('./commands/trace.js')).registerTraceCommand],
  ['compare', async () => (await import('./commands/compare.js')).registerCompareCommand],
  ['diff', async () => (await import('./commands/diff.js')).registerDiffCommand],
  ['gate', async () => (await import('./commands/gate.js')).registerGateCommand],
  ['report', async () => (await import('./commands/report.js')).registerReportCommand],
  ['merge', async () => (await import('./commands/merge.js')).registerMergeCommand],
  ['export', async () => (await import('./commands/export.js')).registerExportCommand],
  ['completion', async () => (await import('./commands/completion.js')).registerCompletionCommand],
];

/** Commands that need every command registered (a completion script covers them all). */
const NEEDS_ALL: readonly string[] = ['completion'];

const EXAMPLES = `
Examples:
  svqsim run scenarios/default.yaml                 run the default scenario, print a summary
  svqsim run scenarios/reference-128g.yaml --json   the result document on standard output
  svqsim run my.yaml --replications 50 --out r.json write results to a file
  svqsim validate scenarios/*.yaml                  check scenario files without running them
  svqsim compare r.json --baseline baseline         side-by-side table, ratios at each sweep point
  svqsim diff old.json new.json                     what changed, per variant and metric
  svqsim export r.json -o runs.csv                  one CSV row per run
  svqsim gate r.json --threshold 'downtime2.p99<300ms'
  svqsim list                                       shipped scenarios and device profiles
  svqsim init my.yaml                               write a commented starter scenario

Exit codes: 0 success, 1 internal error, 2 bad input (usage, scenario or result), 3 a gate failed,
130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP.
`;

/**
 * Builds the program; every command writes through `io`. With `argv`, only the subcommand it
 * names is registered when it names one, none for a bare --version, and all otherwise (for help
 * and for "unknown command" suggestions).
 */
export async function buildProgram(io: CliIo, argv: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('svqsim')
    .description('Discrete-event simulator of live migration of VMs with vhost-vdpa NICs and QEMU shadow virtqueues')
    .version(toolVersion(), '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of internal errors')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(s),
    });
  const named = argv.find((a) => !a.startsWith('-'));
  const versionOnly = named === undefined && (argv.includes('-V') || argv.includes('--version')) && !argv.some((a) => a === '-h' || a === '--help');
  const wanted = versionOnly ? [] : NEEDS_ALL.includes(named ?? '') ? COMMANDS : COMMANDS.filter(([name]) => name === named);
  for (const [, load] of wanted.length > 0 || versionOnly ? wanted : COMMANDS) (await load())(program, io);
  for (const c of program.commands) {
    c.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  }
  return program;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const debug = argv.includes('--debug');
  const program = await buildProgram(io, argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (e.exitCode === 0) return ExitCode.OK;
      return ExitCode.BAD_INPUT;
    }
    if (e instanceof ExitWith) {
      if (e.message) io.stderr(`svqsim: ${e.message}\n`);
      return e.code;
    }
    if (e instanceof InputError) {
      io.stderr(`svqsim: error: ${e.message}\n`);
      return ExitCode.BAD_INPUT;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr(`svqsim: internal error: ${err.message}\n`);
    if (debug && err.stack) io.stderr(`${err.stack}\n`);
    else io.stderr('(run again with --debug for the stack trace)\n');
    return ExitCode.INTERNAL;
  }
}
