// main.ts — `npm run bench`: the simulator's speed figures, printed as a table or as one JSON line.
// Each figure is measured beside a reference measured in the same process, and reported as a ratio.

import { performance } from 'node:perf_hooks';
import { availableParallelism, cpus } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { holdDelays, holdKernel, holdPlainHeap, holdRxjs } from './holdModel.js';
import { packageRoot } from '../tool/version.js';
import { warmRun } from './warmRun.js';

const PENDING = 1_000;
const EVENTS = 1_000_000;

/** Best-of-N events per second of one hold-model variant. */
function measure(fn: (p: number, e: number, d: Int32Array) => number, delays: Int32Array, rounds: number): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn(PENDING, EVENTS, delays);
    best = Math.min(best, performance.now() - t0);
  }
  return EVENTS / (best / 1000);
}

export interface BenchFigures {
  heapEventsPerSec: number;
  kernelEventsPerSec: number;
  rxjsEventsPerSec: number;
  kernelVsHeap: number;
  rxjsVsHeap: number;
}

export function runKernelBench(rounds = 15): BenchFigures {
  const delays = holdDelays(1 << 16);
  // Warm the JIT on all three before measuring.
  for (const fn of [holdPlainHeap, holdKernel, holdRxjs]) fn(PENDING, 200_000, delays);
  // Interleave rounds so machine noise hits all variants alike.
  let heap = 0;
  let kernel = 0;
  let rxjs = 0;
  for (let r = 0; r < rounds; r++) {
    heap = Math.max(heap, measure(holdPlainHeap, delays, 1));
    kernel = Math.max(kernel, measure(holdKernel, delays, 1));
    rxjs = Math.max(rxjs, measure(holdRxjs, delays, 1));
  }
  return {
    heapEventsPerSec: Math.round(heap),
    kernelEventsPerSec: Math.round(kernel),
    rxjsEventsPerSec: Math.round(rxjs),
    kernelVsHeap: +(kernel / heap).toFixed(3),
    rxjsVsHeap: +(rxjs / heap).toFixed(3),
  };
}

/** One run of a scenario variant in a fresh process: wall time (ms) and peak RSS (MB). */
function childRunOnce(scenario: string, variant: string): { ms: number; maxRssMB: number } {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'freshProcessRun.js');
  const r = spawnSync(process.execPath, [script, scenario, variant], { cwd: packageRoot(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench run of ${scenario}/${variant} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; maxRssMB: number };
}

/**
 * Best of 7 fresh-process runs of each [scenario, variant], taken in turns so that a slow spell of
 * the machine hits all of them alike (their ratios are what the bench reports).
 */
function childRuns(which: [string, string][]): { ms: number; maxRssMB: number }[] {
  const best = which.map(() => ({ ms: Infinity, maxRssMB: Infinity }));
  for (let i = 0; i < 7; i++) {
    which.forEach(([scenario, variant], k) => {
      const m = childRunOnce(scenario, variant);
      if (m.ms < best[k]!.ms) best[k] = m;
    });
  }
  return best;
}

/** Command line of `svqsim run` on a scenario with the given flags. */
function cliArgs(args: string[]): string[] {
  return [join(packageRoot(), 'dist', 'sim', 'cli', 'bundle', 'bin.js'), 'run', ...args, '--quiet'];
}

/** Busy CPU time of the whole machine so far (ms, all cores). */
function machineBusyMs(): number {
  let busy = 0;
  for (const c of cpus()) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return busy;
}

/**
 * `svqsim run` commands started together in fresh processes, until all end: wall time (s), and
 * how many cores the machine kept busy meanwhile (its busy CPU time ÷ wall time).
 */
async function cliRunTogether(argsList: string[][]): Promise<{ sec: number; cores: number }> {
  const busy0 = machineBusyMs();
  const t0 = performance.now();
  await Promise.all(
    argsList.map(
      (args) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, cliArgs(args), { cwd: packageRoot(), stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench sweep failed: ${stderr}`))));
        }),
    ),
  );
  const ms = performance.now() - t0;
  return { sec: ms / 1000, cores: (machineBusyMs() - busy0) / ms };
}

/** CPU time (ms, every thread) of `svqsim run` commands, each in its own process, run one after the other. */
function cliCpuMs(argsList: string[][]): number {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'cpuRun.js');
  let total = 0;
  for (const args of argsList) {
    const r = spawnSync(process.execPath, [script, 'run', ...args, '--quiet'], { cwd: packageRoot(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench CPU run failed: ${r.stderr}`);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    total += (JSON.parse(last) as { cpuMs: number }).cpuMs;
  }
  return total;
}

/** Rounds of the sweep timings: interleaved so machine noise hits all three alike, best of each. */
const SWEEP_ROUNDS = 3;

export interface ModelFigures {
  referenceEventsPerRun: number;
  warmReferenceRunMs: number;
  referenceLoopVsHeapLimit: number;
  sweepMsPerRun: number;
  memory16TiBVs16GiBTime: number;
  freshProcessMs: number;
  referenceRunMs: number;
  referenceRunMaxRssMB: number;
  memory16GiBMs: number;
  memory1TiBMs: number;
  memory1TiBVs16GiBTime: number;
  memory1TiBVs16GiBRss: number;
  /** The same ratio with guest RAM on 4 KiB pages (one IOTLB and MTT entry per page, counted arithmetically). */
  memory1TiBVs16GiBTime4k: number;
  sweepSec: number;
  workerSpeedup: number;
  parallelCeiling: number;
  workerEfficiency: number;
  oneThreadCores: number;
  /** CPU time of two `--shard` processes over that of one process doing every run. */
  shardCpuRatio: number;
  /** What the second process adds, in CPU ms: its fixed cost (start-up, the worker's warm-up, V8's compiler), whatever its number of runs. */
  shardExtraCpuMs: number;
}

/** Best of 5 wall times (ms) of `svqsim run scenarios/default.yaml --quiet` as a fresh process. */
function freshProcessMs(): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, cliArgs(['scenarios/default.yaml']), { cwd: packageRoot(), encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`bench fresh run failed: ${r.stderr}`);
    best = Math.min(best, ms);
  }
  return best;
}

export async function runModelBench(heapEventsPerSec: number): Promise<ModelFigures> {
  // One result per [scenario, variant], in order.
  const runs = childRuns([
    ['scenarios/reference-128g.yaml', 'baseline'],
    ['scenarios/memory-sweep.yaml', 'baseline/memory=16GiB'],
    ['scenarios/memory-sweep.yaml', 'baseline/memory=1TiB'],
    ['sim/bench/memory16TiB.yaml', 'memory=16GiB'],
    ['sim/bench/memory16TiB.yaml', 'memory=16TiB'],
    ['sim/bench/memory4k.yaml', 'memory=16GiB'],
    ['sim/bench/memory4k.yaml', 'memory=1TiB'],
  ]);
  const ref = runs[0]!;
  const small = runs[1]!;
  const big = runs[2]!;
  const warm = await warmRun(join(packageRoot(), 'scenarios', 'reference-128g.yaml'), 'baseline');
  const fresh = freshProcessMs();
  const sweep = 'sim/bench/sweep.yaml';
  // One thread, two workers, and the same runs as two independent processes (one shard each,
  // nothing shared, nothing to merge): the last is what two cores give this workload at best on
  // this machine, so the pool's figure can be read against it.
  let oneThread = { sec: Infinity, cores: 0 };
  let twoWorkers = Infinity;
  let twoProcesses = Infinity;
  for (let r = 0; r < SWEEP_ROUNDS; r++) {
    const one = await cliRunTogether([[sweep, '--jobs', '1']]);
    if (one.sec < oneThread.sec) oneThread = one;
    twoWorkers = Math.min(twoWorkers, (await cliRunTogether([[sweep, '--jobs', '2']])).sec);
    const pair = await cliRunTogether([
      [sweep, '--jobs', '1', '--shard', '1/2'],
      [sweep, '--jobs', '1', '--shard', '2/2'],
    ]);
    twoProcesses = Math.min(twoProcesses, pair.sec);
  }
  // The work two shards do over the work of one process doing all runs (each its best of the rounds).
  let oneCpu = Infinity;
  let shardsCpu = Infinity;
  for (let r = 0; r < SWEEP_ROUNDS; r++) {
    oneCpu = Math.min(oneCpu, cliCpuMs([[sweep, '--jobs', '1']]));
    shardsCpu = Math.min(shardsCpu, cliCpuMs([
      [sweep, '--jobs', '1', '--shard', '1/2'],
      [sweep, '--jobs', '1', '--shard', '2/2'],
    ]));
  }
  const r3 = (x: number) => +x.toFixed(3);
  const workerSpeedup = oneThread.sec / twoWorkers;
  const parallelCeiling = oneThread.sec / twoProcesses;
  const sweepRuns = 4 * 3 * 200; // sim/bench/sweep.yaml
  return {
    referenceEventsPerRun: warm.events,
    warmReferenceRunMs: r3(warm.ms),
    // A warm run's event-loop time over what its events cost at the plain heap's rate.
    referenceLoopVsHeapLimit: r3(warm.ms / ((warm.events / heapEventsPerSec) * 1000)),
    sweepMsPerRun: r3((oneThread.sec * 1000) / sweepRuns),
    memory16TiBVs16GiBTime: r3(runs[4]!.ms / runs[3]!.ms),
    freshProcessMs: r3(fresh),
    referenceRunMs: r3(ref.ms),
    referenceRunMaxRssMB: r3(ref.maxRssMB),
    memory16GiBMs: r3(small.ms),
    memory1TiBMs: r3(big.ms),
    memory1TiBVs16GiBTime: r3(big.ms / small.ms),
    memory1TiBVs16GiBRss: r3(big.maxRssMB / small.maxRssMB),
    memory1TiBVs16GiBTime4k: r3(runs[6]!.ms / runs[5]!.ms),
    sweepSec: r3(twoWorkers),
    workerSpeedup: r3(workerSpeedup),
    parallelCeiling: r3(parallelCeiling),
    workerEfficiency: r3(workerSpeedup / parallelCeiling),
    oneThreadCores: r3(oneThread.cores),
    shardCpuRatio: r3(shardsCpu / oneCpu),
    shardExtraCpuMs: r3(shardsCpu - oneCpu),
  };
}

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const kernelOnly = argv.includes('--kernel-only');
  const k = runKernelBench();
  const m = kernelOnly ? null : await runModelBench(k.heapEventsPerSec);
  const figures: Record<string, number> = { ...k, ...(m ?? {}) };
  if (json) {
    process.stdout.write(JSON.stringify({ timing: 'wall-clock, this machine', ...figures }) + '\n');
    return;
  }
  const fmt = (n: number) => n.toLocaleString('en-US');
  process.stdout.write(
    [
      `hold model: ${fmt(PENDING)} pending events, ${fmt(EVENTS)} events processed (wall-clock timing)`,
      `  plain binary heap (reference)  ${fmt(k.heapEventsPerSec)} events/s`,
      `  kernel                         ${fmt(k.kernelEventsPerSec)} events/s   kernelVsHeap ${k.kernelVsHeap} (target >= 0.9)`,
      `  kernel via RxJS scheduler      ${fmt(k.rxjsEventsPerSec)} events/s   rxjsVsHeap   ${k.rxjsVsHeap} (target >= 0.4)`,
      ...(m === null
        ? []
        : [
            `reference run warm (same process, best of 20 after 20): ${m.warmReferenceRunMs.toFixed(1)} ms (target <= 40), ${fmt(m.referenceEventsPerRun)} events,`,
            `  x${m.referenceLoopVsHeapLimit} the time those events take on the plain heap (target <= 5)`,
            `fresh process \`svqsim run scenarios/default.yaml --quiet\`: ${m.freshProcessMs.toFixed(0)} ms (target <= 400)`,
            `16 TiB / 16 GiB (memory-sweep baseline): time x${m.memory16TiBVs16GiBTime} (target <= 1.5)`,
            `reference run (128 GiB, two mlx5 NICs, traffic; own process, best of 7)`,
            `  wall ${m.referenceRunMs.toFixed(0)} ms (target < 2000), peak RSS ${m.referenceRunMaxRssMB.toFixed(0)} MB (target < 300)`,
            `memory scaling (one mlx5 NIC, traffic)`,
            `  16 GiB ${m.memory16GiBMs.toFixed(0)} ms, 1 TiB ${m.memory1TiBMs.toFixed(0)} ms: time x${m.memory1TiBVs16GiBTime}, RSS x${m.memory1TiBVs16GiBRss} (target <= 1.5)`,
            `  on 4 KiB pages (sim/bench/memory4k.yaml): time x${m.memory1TiBVs16GiBTime4k} (target <= 1.5)`,
            `sweep (sim/bench/sweep.yaml: 4 variants x 3 memory sizes x 200 replications)`,
            `  ${m.sweepSec.toFixed(1)} s on 2 workers (target < 60), second worker x${m.workerSpeedup} (target >= 1.7); one thread ${m.sweepMsPerRun} ms per run (target <= 1.5)`,
            `  two independent processes, one shard each: x${m.parallelCeiling} (what 2 cores give these runs here),`,
            `  and their CPU time x${m.shardCpuRatio} that of one process doing every run (target <= 1.15),`,
            `  the second process adding ${(m.shardExtraCpuMs / 1000).toFixed(2)} s of CPU (its start-up, warm-up and compiler work),`,
            `  so the pool reaches ${(m.workerEfficiency * 100).toFixed(0)}% of it (best of ${SWEEP_ROUNDS} interleaved rounds each);`,
            `  one thread already keeps ${m.oneThreadCores} cores busy (V8's collector and compiler threads),`,
            `  so ${availableParallelism()} cores allow two workers at most x${Math.min(2, availableParallelism() / m.oneThreadCores).toFixed(2)} without less work per run`,
          ]),
      '',
    ].join('\n'),
  );
}

await main(process.argv.slice(2));
