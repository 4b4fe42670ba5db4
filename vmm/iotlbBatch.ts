// iotlbBatch.ts — wraps a sequence of IOTLB messages in BATCH_BEGIN/BATCH_END for one ASID,
// as QEMU does when VHOST_BACKEND_F_IOTLB_BATCH is negotiated.

import type { Proc } from '../sim/kernel/index.js';
import type { IotlbWriter } from '../device/uapi/uapi.js';
import type { Result } from '../device/uapi/errno.js';

/**
 * Runs `body` inside one batch on `asid` when `batch` is true; the batch is closed even on error.
 * Without a batch it is `body` itself, one level fewer on the stack. `body` is a generator not
 * yet started (it does nothing until it runs, here after BATCH_BEGIN), made by a generator method
 * or a module-level generator function (see eslint.config.js on generators made per call).
 */
export function iotlbBatch(fd: IotlbWriter, asid: number, batch: boolean, body: Proc<Result>): Proc<Result> {
  return batch ? batched(fd, asid, body) : body;
}

/** BATCH_BEGIN, the body, BATCH_END. */
function* batched(fd: IotlbWriter, asid: number, body: Proc<Result>): Proc<Result> {
  const b = yield* fd.iotlbMsg({ type: 'batchBegin', asid });
  if (!b.ok) return b;
  const r = yield* body;
  const e = yield* fd.iotlbMsg({ type: 'batchEnd', asid });
  return r.ok ? e : r;
}
