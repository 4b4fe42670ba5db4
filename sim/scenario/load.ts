// load.ts — reading a scenario file into a LoadedScenario, or one InputError line.
//
// Error policy: a file with several problems reports only the first one in file order (line,
// then column) of the earliest stage that fails (file → YAML → schema → variants/sweep →
// profiles → capability rules), as `<file>:<line>:<col>: <field.path>: <message>`.
// The hash is sha256 of the file's bytes as read, so any edit (even a comment) changes it.

import { dirname, resolve } from 'node:path';
import { InputError } from '../tool/inputError.js';
import { firstInFileOrder, renderProblem, type Problem } from './problem.js';
import { ProfileLoader } from './profileLoader.js';
import { resolveScenario } from './resolve.js';
import type { Scenario } from './scenario.js';
import type { ScenarioInput } from './schema.js';
import { displayPath, readSource, type SourceFile } from './sourceFile.js';

export interface LoadedScenario {
  /** Path as shown in messages. */
  file: string;
  /** Absolute path. */
  path: string;
  /** `sha256:<hex>` of the file's bytes. */
  hash: string;
  /** The document as parsed (plain data, before validation). */
  raw: Record<string, unknown>;
  /** The document after schema validation (units converted, defaults filled, profiles as written). */
  input: ScenarioInput;
  /** The resolved scenario (profiles attached), without variants or sweep applied. */
  scenario: Scenario;
  /** The parsed source, used to place problems found later (e.g. while expanding a sweep). */
  source: SourceFile;
  /** Profile resolution context shared with expansion. */
  profiles: ProfileLoader;
}

export interface LoadOptions {
  /** Directory relative paths resolve against and messages are relative to. */
  cwd: string;
}

/** Throw the first (in file order) of `problems` as one InputError line. */
function throwProblems(src: SourceFile, problems: readonly Problem[]): never {
  throw new InputError(firstInFileOrder(problems.map((p) => renderProblem(src, p))).line);
}

/** Validate a parsed scenario source; its relative profile paths resolve against its directory. */
export function loadScenarioSource(source: SourceFile, cwd: string): LoadedScenario {
  const profiles = new ProfileLoader(cwd);
  const r = resolveScenario(source.data, { dir: dirname(source.path), profiles });
  if (!r.ok) return throwProblems(source, r.problems);
  return {
    file: source.file,
    path: source.path,
    hash: source.hash,
    raw: source.data,
    input: r.input,
    scenario: r.scenario,
    source,
    profiles,
  };
}

/** Read, parse and validate a scenario file; throws InputError (one line) on bad input. */
export async function loadScenarioFile(path: string, opts: LoadOptions): Promise<LoadedScenario> {
  const abs = resolve(opts.cwd, path);
  const source = await readSource(abs, displayPath(abs, opts.cwd));
  return loadScenarioSource(source, opts.cwd);
}

