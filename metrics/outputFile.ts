// outputFile.ts — write a report file relative to the command's working directory, as an InputError on failure.

import { appendFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../sim/tool/inputError.js';

/** Write (or append) `text` to `path` resolved against `cwd`. */
export function writeOutputFile(cwd: string, path: string, text: string, append = false): void {
  try {
    if (append) appendFileSync(resolve(cwd, path), text);
    else writeFileSync(resolve(cwd, path), text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`cannot write ${path}: ${code === 'ENOENT' ? 'no such directory' : (code ?? String(e))}`);
  }
}
