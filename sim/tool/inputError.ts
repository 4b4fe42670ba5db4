// inputError.ts — bad input (usage, scenario, profile or result file): the CLI prints the one-line
// message and exits 2, without a stack trace. Thrown by loaders anywhere; caught only by the CLI.

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
