// cpuRun.ts — bench helper run in a child process: the `svqsim` executable (the bundled CLI, as
// `npm start` runs it) on this process's arguments, then the CPU time the whole process used
// (every thread: main, workers, V8's helpers) as one JSON line.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../tool/version.js';

// The executable reads process.argv itself (the arguments after this script's path).
await import(pathToFileURL(join(packageRoot(), 'dist', 'sim', 'cli', 'bundle', 'bin.js')).href);
const u = process.cpuUsage();
process.stdout.write(JSON.stringify({ code: process.exitCode ?? 0, cpuMs: (u.user + u.system) / 1000 }) + '\n');
