// index.ts — the kernel's public surface.
export { Kernel, type EventFn } from './kernel.js';
export { QueuedEvent } from './eventQueue.js';
export { SimulationError } from './errors.js';
export { Process, Signal, allOf, wait, sleep, type Proc, type Waitable, type Yieldable } from './process.js';
export { Resource } from './resource.js';
export { SimScheduler } from './scheduler.js';
export { Rng, fnv1a } from './rng.js';
