// flags.ts — parsing of numeric command-line flags into InputErrors that name the flag.

import { quoted } from '../notation/units.js';
import { InputError } from '../tool/inputError.js';

/** An integer flag >= min (undefined when absent). */
export function intFlag(flag: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new InputError(`${flag}: expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`}, found ${quoted(text)}`);
  }
  return n;
}
