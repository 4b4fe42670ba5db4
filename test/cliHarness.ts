// cliHarness.ts — runs `svqsim <args>` in-process through main() with captured output.

import { main } from '../sim/cli/main.js';
import type { CliIo } from '../sim/cli/io.js';

/** What a command printed and how it ended. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliOutcome> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? {},
    isTTY: false,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
