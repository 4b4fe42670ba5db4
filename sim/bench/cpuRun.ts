// cpuRun.ts — bench helper run in a child process: `svqsim <args>` in this process, then the CPU
// time the whole process used (every thread: main, workers, V8's helpers) as one JSON line.

import { main } from '../cli/main.js';

const code = await main(process.argv.slice(2));
const u = process.cpuUsage();
process.stdout.write(JSON.stringify({ code, cpuMs: (u.user + u.system) / 1000 }) + '\n');
