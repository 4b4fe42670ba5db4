// version.ts — the tool's version and install location, read once from the package manifest.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'svqsim' && typeof pkg.version === 'string') {
        cached = { root: dir, version: pkg.version };
        return cached;
      }
    }
    dir = dirname(dir);
  }
  throw new Error('svqsim package.json not found above ' + fileURLToPath(import.meta.url));
}

/** The package version (works from the sources and from the compiled dist/ tree). */
export function toolVersion(): string {
  return find().version;
}

/** The package's root directory (where scenarios/ ships). */
export function packageRoot(): string {
  return find().root;
}
