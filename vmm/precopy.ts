// precopy.ts — the RAM pre-copy loop of live migration as a kernel process (QEMU's migration/ram.c iterations).
//
// Iteration 1 sends every page of every RAM block (ram_save_setup starts with a full bitmap).
// Each later iteration sends the pages found dirty by the bitmap sync that closed the previous
// one (migration_bitmap_sync): guest CPU pages drawn from the dirty model over the time since the
// previous sync, united with the pages devices wrote (supplied by `deviceDirty`, as SVQ reports
// used buffers) — see dirtyLog.ts for how the two compose. Pages go out at `bandwidth` bytes/s.
// After each sync the loop stops when the expected downtime, remaining dirty bytes / bandwidth, is
// within the downtime limit (QEMU's threshold_size = bandwidth × downtime_limit) — converged — or
// when `maxIterations` passes have been sent — not converged. The pages still dirty stay in the
// DirtyLog for stop-and-copy to send.
//
// Simplifications: every page costs PAGE_SIZE bytes on the wire (no zero-page detection,
// compression, headers or multifd); the bandwidth is constant; postcopy is not modelled.
//
// Time and work: a pass is sent in at most `maxChunksPerIteration` slices of at least
// `chunkBytes` each; between slices the process sleeps, so other processes interleave at slice
// boundaries. The number of kernel events per pass is therefore bounded independently of the
// guest size, and no step does per-page work.

import type { Kernel, Proc } from '../sim/kernel/index.js';
import type { EventBus } from '../sim/events/events.js';
import { DirtyLog, type CpuDirtying, type DirtyRange } from './dirtyLog.js';
import { PAGE_SIZE, type GuestMemory } from './guestMemory.js';

/** QEMU's default downtime-limit (migration parameter), 300 ms. */
const DEFAULT_DOWNTIME_LIMIT_NS = 300_000_000;
/** Default iteration cap; QEMU has none by default, so this is the model's own (no source). */
const DEFAULT_MAX_ITERATIONS = 30;
/** Default minimum slice of a pass: 64 MiB. */
const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;
/** Default maximum slices per pass. */
const DEFAULT_MAX_CHUNKS = 64;

interface PrecopyParams {
  /** Migration bandwidth, bytes/s (> 0). */
  bandwidth: number;
  /** Downtime limit, ns; default 300 ms. */
  downtimeLimitNs?: number;
  /** Cap on passes; default 30. */
  maxIterations?: number;
  /** Minimum bytes per slice; default 64 MiB. */
  chunkBytes?: number;
  /** Maximum slices per pass; default 64. */
  maxChunksPerIteration?: number;
}

/** What one pass did, reported after the sync that closes it. */
export interface PrecopyIteration {
  /** 1-based pass number. */
  index: number;
  /** Simulated time the pass started, ns. */
  startNs: number;
  /** Time the pass took, ns. */
  durationNs: number;
  /** Pages sent in the pass. */
  pages: number;
  /** Bytes sent in the pass. */
  bytes: number;
  /** Distinct pages dirty at the closing sync. */
  dirtyPages: number;
  /** Of which dirtied by the guest CPU (model draw). */
  cpuDirtyPages: number;
  /** Of which written by devices (exact). */
  deviceDirtyPages: number;
  /** dirtyPages × PAGE_SIZE / bandwidth, ns. */
  expectedDowntimeNs: number;
}

/** A pass about to be sent: when it starts and when its closing sync will run. */
export interface PrecopyPass {
  /** 1-based pass number. */
  index: number;
  /** Simulated time the pass starts, ns (now). */
  startNs: number;
  /** Simulated time the pass ends and the bitmap sync closes it, ns (start + bytes / bandwidth). */
  endNs: number;
}

export interface PrecopyTotals {
  /** Passes sent. */
  iterations: number;
  /** Bytes sent during pre-copy. */
  bytesSent: number;
  /** Pages sent during pre-copy. */
  pagesSent: number;
  /** Pre-copy duration, ns. */
  durationNs: number;
  /** The last sync found the expected downtime within the limit. */
  converged: boolean;
  /** Pre-copy was cancelled (migrate_cancel) after the pass of `cancelAfterPass`. */
  cancelled: boolean;
  /** Pages still dirty at the stop (sent during stop-and-copy). */
  remainingDirtyPages: number;
  /** The same in bytes. */
  remainingDirtyBytes: number;
  /** remainingDirtyBytes / bandwidth, ns. */
  expectedDowntimeNs: number;
}

export interface PrecopyContext {
  kernel: Kernel;
  memory: GuestMemory;
  params: PrecopyParams;
  /** Guest CPU dirtying; absent means the CPU dirties nothing. */
  model?: CpuDirtying;
  /** Dirty tracking to use (and leave populated for stop-and-copy); created if absent. */
  log?: DirtyLog;
  /** Called at every sync: the guest ranges devices wrote since the previous call. */
  deviceDirty?: () => Iterable<DirtyRange>;
  /** Called after every pass's closing sync. */
  onIteration?: (it: PrecopyIteration) => void;
  /** Called as a pass starts, with the time it will end (its bytes at the bandwidth). */
  onPass?: (pass: PrecopyPass) => void;
  /** Where to report the phase and one note per pass. */
  bus?: EventBus;
  /** migrate_cancel after this pass's closing sync (an injected cancel); absent: never. */
  cancelAfterPass?: number;
}

/** ns to send `bytes` at `bandwidth` bytes/s, rounded up to whole ns. */
export function transferNs(bytes: number, bandwidth: number): number {
  return Math.ceil((bytes * 1e9) / bandwidth);
}

/** The pre-copy loop; returns its totals when pre-copy stops. */
export function* precopy(ctx: PrecopyContext): Proc<PrecopyTotals> {
  const { kernel, memory, params, model, bus } = ctx;
  const bw = params.bandwidth;
  if (!(bw > 0) || !Number.isFinite(bw)) throw new RangeError(`migration bandwidth must be > 0 bytes/s, got ${bw}`);
  const limit = params.downtimeLimitNs ?? DEFAULT_DOWNTIME_LIMIT_NS;
  const maxIterations = params.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) throw new RangeError(`maxIterations must be >= 1`);
  const chunkBytes = Math.max(PAGE_SIZE, params.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const maxChunks = Math.max(1, params.maxChunksPerIteration ?? DEFAULT_MAX_CHUNKS);
  const log = ctx.log ?? new DirtyLog(memory);

  const start = kernel.now;
  bus?.emit({ kind: 'phase', t: start, edge: 'begin', name: 'precopy' });

  // Setup: start the dirty-log period; whatever devices wrote before is covered by the full pass.
  log.sync(0, ctx.deviceDirty?.() ?? []);
  log.takeRound();
  let lastSync = kernel.now;

  let toSend = memory.totalPages;
  let iterations = 0;
  let pagesSent = 0;
  let converged = false;
  let cancelled = false;
  let expectedDowntimeNs = 0;
  for (;;) {
    iterations++;
    const passStart = kernel.now;
    const bytes = toSend * PAGE_SIZE;
    const slices = bytes === 0 ? 0 : Math.min(maxChunks, Math.ceil(bytes / chunkBytes));
    ctx.onPass?.({ index: iterations, startNs: passStart, endNs: passStart + transferNs(bytes, bw) });
    for (let i = 1; i <= slices; i++) {
      const due = passStart + transferNs((bytes * i) / slices, bw);
      if (due > kernel.now) yield due - kernel.now;
    }
    pagesSent += toSend;

    // migration_bitmap_sync: CPU pages since the previous sync, device pages reported since then.
    const elapsed = kernel.now - lastSync;
    lastSync = kernel.now;
    const cpu = model === undefined ? 0 : model.sample(elapsed).pages;
    const r = log.sync(cpu, ctx.deviceDirty?.() ?? []);
    expectedDowntimeNs = transferNs(r.dirtyPages * PAGE_SIZE, bw);
    const it: PrecopyIteration = {
      index: iterations,
      startNs: passStart,
      durationNs: kernel.now - passStart,
      pages: toSend,
      bytes,
      dirtyPages: r.dirtyPages,
      cpuDirtyPages: r.cpuPages,
      deviceDirtyPages: r.devicePages,
      expectedDowntimeNs,
    };
    ctx.onIteration?.(it);
    bus?.emit({
      kind: 'note',
      t: kernel.now,
      text:
        `precopy pass ${it.index}: ${it.pages} pages in ${it.durationNs} ns; ` +
        `dirty ${it.dirtyPages} pages (cpu ${it.cpuDirtyPages}, device ${it.deviceDirtyPages}), ` +
        `expected downtime ${expectedDowntimeNs} ns`,
    });
    if (ctx.cancelAfterPass === iterations) {
      cancelled = true;
      break;
    }
    if (expectedDowntimeNs <= limit) {
      converged = true;
      break;
    }
    if (iterations >= maxIterations) break;
    toSend = log.takeRound().dirtyPages;
  }

  const remaining = log.dirtyPages();
  bus?.emit({ kind: 'phase', t: kernel.now, edge: 'end', name: 'precopy' });
  return {
    iterations,
    bytesSent: pagesSent * PAGE_SIZE,
    pagesSent,
    durationNs: kernel.now - start,
    converged,
    cancelled,
    remainingDirtyPages: remaining,
    remainingDirtyBytes: remaining * PAGE_SIZE,
    expectedDowntimeNs,
  };
}
