// io.ts — what a CLI command may touch: output streams, working directory, environment.
// Commands write through CliIo so `main(argv, io)` is testable in-process.

/** The command's view of the outside world. */
export interface CliIo {
  /** Standard output (results, tables, JSON). */
  stdout: (text: string) => void;
  /** Standard error (progress, warnings, errors). */
  stderr: (text: string) => void;
  /** Directory relative paths resolve against. */
  cwd: string;
  /** Environment variables (CI, NO_COLOR, …). */
  env: Record<string, string | undefined>;
  /** True when stderr is an interactive terminal (progress bars only then). */
  isTTY: boolean;
  /** Width of standard output when it is a terminal (tables fit it); absent otherwise. */
  columns?: number;
}

/** Exit codes (DESIGN.md section 4). */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  BAD_INPUT: 2,
  GATE_FAILED: 3,
  /** A run interrupted by SIGINT (partial results were written). */
  INTERRUPTED: 130,
} as const;

export { InputError } from '../tool/inputError.js';

/** Thrown by a command to end with a given exit code after it has printed what it had to say. */
export class ExitWith extends Error {
  readonly code: number;
  constructor(code: number, message = '') {
    super(message);
    this.name = 'ExitWith';
    this.code = code;
  }
}

/** CliIo bound to the real process. */
export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stderr.isTTY),
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  };
}
