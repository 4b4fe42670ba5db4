// cliHarness.ts — run one of the metrics commands in-process with a captured CliIo.

import { Command } from 'commander';
import { ExitWith, InputError, type CliIo } from '../../sim/cli/io.js';

/** What a command printed and how it ended. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `svqsim <args>` with only the given command registered. */
export async function runCommand(register: (p: Command, io: CliIo) => void, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliOutcome> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env, isTTY: false };
  const program = new Command('svqsim').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  register(program, io);
  try {
    await program.parseAsync(['node', 'svqsim', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (e instanceof InputError) return { code: 2, stdout, stderr: stderr + e.message + '\n' };
    if (e instanceof ExitWith) return { code: e.code, stdout, stderr };
    throw e;
  }
}
