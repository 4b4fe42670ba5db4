// cliHarness.ts — runs a metrics command through the real CLI entry point with captured output.

import type { Command } from 'commander';
import type { CliIo } from '../../sim/cli/io.js';
import { cli, type CliOutcome } from '../cliHarness.js';

export type { CliOutcome };

/** Run `svqsim <args>` (the command's register function documents which command is meant). */
export async function runCommand(_register: (p: Command, io: CliIo) => void, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliOutcome> {
  return cli(args, { cwd, env });
}
