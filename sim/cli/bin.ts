#!/usr/bin/env node
// bin.ts — the `svqsim` executable: runs main() on the process arguments and exits with its code.
import { main } from './main.js';

// A reader that stops early (`svqsim run --json | head`) closes the pipe: end quietly, as
// command-line tools do, instead of dying on EPIPE with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
