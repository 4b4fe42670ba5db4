// loadObject.ts — a scenario given as plain data (the programmatic API) loaded as a file is: the
// data written out as JSON is the source, so validation, messages and the hash work alike.

import { resolve } from 'node:path';
import { InputError } from '../tool/inputError.js';
import { describeFound } from '../notation/units.js';
import { loadScenarioSource, type LoadedScenario, type LoadOptions } from './load.js';
import { parseSource } from './sourceFile.js';

/**
 * Validate the scenario `data`, shown in messages and results as `label`; relative profile paths
 * in it resolve against `opts.cwd`. Throws InputError (one line) on bad input.
 */
export function loadScenarioObject(data: unknown, label: string, opts: LoadOptions): LoadedScenario {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError(`${label}: expected a scenario (an object), found ${describeFound(data)}`);
  }
  let text: string;
  try {
    text = JSON.stringify(data, null, 2);
  } catch (e) {
    throw new InputError(`${label}: not plain data (${(e as Error).message})`);
  }
  return loadScenarioSource(parseSource(new TextEncoder().encode(text), label, resolve(opts.cwd, label)), opts.cwd);
}
