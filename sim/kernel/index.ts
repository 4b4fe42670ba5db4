// index.ts — the kernel's public surface.
export { Kernel } from './kernel.js';
export { QueuedEvent } from './eventQueue.js';
export { SimulationError } from './errors.js';
export { Process, Signal, allOf, sleep, wait, type Proc, type Waitable } from './process.js';
export { Resource } from './resource.js';
export { SimScheduler } from './scheduler.js';
export { Rng } from './rng.js';
