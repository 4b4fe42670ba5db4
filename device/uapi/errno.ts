// errno.ts — the Linux error codes the vhost-vdpa uAPI returns, and the typed result of a call.
// Expected failures are values, not exceptions: a call returns Ok or Err with the kernel's errno.

/** Linux errno names used by vhost-vdpa and the vDPA drivers, with their numbers. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  E2BIG: 7,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  ENOBUFS: 105,
  ENOTSUPP: 524,
  EOPNOTSUPP: 95,
} as const;
export type ErrnoName = keyof typeof Errno;

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}
export interface Err {
  readonly ok: false;
  /** The errno the kernel would return (negated in the kernel, positive here). */
  readonly errno: ErrnoName;
  /** Why, in words a kernel engineer would recognise. */
  readonly reason: string;
}
export type Result<T = void> = Ok<T> | Err;

export const OK: Ok<void> = Object.freeze({ ok: true, value: undefined });
export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}
export function err(errno: ErrnoName, reason: string): Err {
  return { ok: false, errno, reason };
}
