// defined.ts — narrowing for values the tests read by index or key: a missing one fails the test by name.
import { expect } from 'vitest';

/** `value`, after asserting that it is present; `what` names it in the failure message. */
export function defined<T>(value: T | undefined, what: string): T {
  expect(value, `${what} is missing`).toBeDefined();
  return value as T;
}
