// boundedRead.ts — reading a user's input file with a size bound: only regular files, at most
// `limit` bytes plus one (to tell "too large" apart), so /dev/zero, a FIFO or a growing file
// cannot make the tool read without end. Failures are one InputError line naming the file.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from './inputError.js';

/** Why an open or read failed, for people. */
function why(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot read (${code ?? String(err)})`;
}

/**
 * The bytes of the regular file at `path` (shown as `file` in messages), at most `limit` of them:
 * a directory, a device, a FIFO or a socket, and a file over the limit, are InputErrors.
 */
export function readBounded(path: string, file: string, limit: number): Buffer {
  let fd: number;
  try {
    // Non-blocking open: a FIFO without a writer must not block us (it is refused below anyway).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new InputError(`${file}: ${why(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`${file}: is a directory, not a file`);
    if (!st.isFile()) throw new InputError(`${file}: not a regular file (a device, FIFO or socket is not read)`);
    if (st.size > limit) throw new InputError(`${file}: file is too large (${st.size} bytes; the limit is ${limit} bytes)`);
    // The size can change under us: read at most limit + 1 bytes whatever stat said.
    const buf = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(st.size, 0) + 1));
    let got = 0;
    for (;;) {
      if (got === buf.length) break;
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    if (got > limit) throw new InputError(`${file}: file is too large (more than ${limit} bytes)`);
    if (got === buf.length) throw new InputError(`${file}: the file grew while it was read`);
    return buf.subarray(0, got);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${file}: ${why(err)}`);
  } finally {
    closeSync(fd);
  }
}
