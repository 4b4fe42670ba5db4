// profileLoader.ts — resolving a device's `profile`: a shipped profile name, or a YAML/JSON
// profile file merged over its `extends` chain (cycles rejected), then device overrides.
// Problems inside a profile file are thrown as one InputError line naming that file; problems with
// the reference itself (unknown name, missing file) are returned so the caller can point at it.

import { quoted } from '../notation/units.js';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  profileFileSchema,
  profileSchema,
  type Capabilities,
  type Costs,
  type Profile,
} from '../../device/profiles/profile.js';
import { shippedProfiles } from '../../device/profiles/index.js';
import { InputError } from '../tool/inputError.js';
import { didYouMean } from '../notation/didYouMean.js';
import type { FieldPath } from './fieldPath.js';
import { firstInFileOrder, problemsFromZod, renderProblem, type Problem } from './problem.js';
import { displayPath, readSourceSync, type SourceFile } from './sourceFile.js';

/** A resolved reference, or why the reference itself is wrong. */
export type ProfileResult = { ok: true; profile: Profile } | { ok: false; message: string };

/** Partial overrides a scenario applies to a device's profile. */
export interface ProfileOverrides {
  capabilities?: Partial<Capabilities>;
  costs?: Partial<Costs>;
}

/** Whether a reference names a file rather than a shipped profile. */
function isProfilePath(ref: string): boolean {
  return /[/\\]/.test(ref) || /\.(ya?ml|json)$/i.test(ref);
}

/** Rules spanning several profile fields that the shape alone does not express. */
function checkProfile(p: Profile): Problem[] {
  const c = p.capabilities;
  const out: Problem[] = [];
  const group = (field: 'dataGroup' | 'cvqGroup' | 'dataDescGroup', v: number | null) => {
    if (v !== null && v >= c.ngroups) {
      out.push({
        path: ['capabilities', field],
        message: `expected a group below capabilities.ngroups (${c.ngroups}), found ${v}`,
      });
    }
  };
  group('dataGroup', c.dataGroup);
  group('cvqGroup', c.cvqGroup);
  group('dataDescGroup', c.dataDescGroup);
  if (c.dataDescGroup !== null && c.dataDescGroup === c.dataGroup) {
    out.push({
      path: ['capabilities', 'dataDescGroup'],
      message: `a descriptor group must differ from capabilities.dataGroup (both are ${c.dataGroup})`,
    });
  }
  return out;
}

/** Validate a merged profile; problems have paths inside the profile. */
function validateProfile(candidate: unknown): { ok: true; profile: Profile } | { ok: false; problems: Problem[] } {
  const r = profileSchema.safeParse(candidate);
  if (!r.success) return { ok: false, problems: problemsFromZod(r.error, candidate, profileSchema) };
  const problems = checkProfile(r.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, profile: r.data };
}

/** `base` with `overrides` merged field by field (not yet validated). */
function mergeProfile(base: Profile, overrides: ProfileOverrides): Record<string, unknown> {
  return {
    ...base,
    capabilities: { ...base.capabilities, ...overrides.capabilities },
    costs: { ...base.costs, ...overrides.costs },
  };
}

/** Resolves profile references, caching files by absolute path. */
export class ProfileLoader {
  /** Directory shown paths are relative to. */
  private readonly cwd: string;
  /** Profiles already loaded from files, by absolute path. */
  private readonly cache = new Map<string, Profile>();

  constructor(cwd: string) {
    this.cwd = cwd;
  }

  /** Resolve `ref` written in a file living in `baseDir`. */
  resolve(ref: string, baseDir: string): ProfileResult {
    return this.resolveFrom(ref, baseDir, []);
  }

  /** Load one profile file (absolute path); throws InputError for any problem. */
  loadFile(path: string): Profile {
    const abs = resolve(this.cwd, path);
    if (!existsSync(abs)) throw new InputError(`${displayPath(abs, this.cwd)}: no such file`);
    return this.loadFileChain(abs, []);
  }

  private resolveFrom(ref: string, baseDir: string, chain: readonly string[]): ProfileResult {
    const shipped = Object.hasOwn(shippedProfiles, ref) ? shippedProfiles[ref] : undefined;
    if (shipped !== undefined) return { ok: true, profile: shipped };
    const names = Object.keys(shippedProfiles);
    if (!isProfilePath(ref)) {
      const near = didYouMean(ref, names);
      const hint = near !== null ? ` (did you mean "${near}"?)` : '';
      return {
        ok: false,
        message: `unknown profile ${quoted(ref)}${hint}; shipped profiles: ${names.join(', ')}; or give a path to a profile file`,
      };
    }
    const abs = resolve(baseDir, ref);
    if (!existsSync(abs)) {
      return { ok: false, message: `profile file ${quoted(ref)} not found (looked for ${displayPath(abs, this.cwd)})` };
    }
    return { ok: true, profile: this.loadFileChain(abs, chain) };
  }

  private loadFileChain(abs: string, chain: readonly string[]): Profile {
    const cached = this.cache.get(abs);
    if (cached !== undefined) return cached;
    const src = readSourceSync(abs, displayPath(abs, this.cwd));
    const fail = (problems: Problem[], prefix: FieldPath = []): never => {
      const located = problems.map((p) => renderProblem(src, { ...p, path: [...prefix, ...p.path] }));
      throw new InputError(firstInFileOrder(located).line);
    };
    const parsed = profileFileSchema.safeParse(src.data);
    if (!parsed.success) return fail(problemsFromZod(parsed.error, src.data, profileFileSchema));
    const file = parsed.data;
    let merged: Record<string, unknown> = { ...file };
    if (file.extends !== undefined) {
      const base = this.resolveBase(file.extends, src, [...chain, abs]);
      merged = {
        ...mergeProfile(base, { capabilities: file.capabilities, costs: file.costs }),
        name: file.name,
        description: file.description ?? base.description,
        extends: file.extends,
      };
    }
    const v = validateProfile(merged);
    if (!v.ok) return fail(v.problems);
    this.cache.set(abs, v.profile);
    return v.profile;
  }

  private resolveBase(ref: string, src: SourceFile, chain: readonly string[]): Profile {
    const target = isProfilePath(ref) ? resolve(dirname(src.path), ref) : null;
    if (target !== null && chain.includes(target)) {
      const cycle = [...chain.slice(chain.indexOf(target)), target].map((p) => displayPath(p, this.cwd));
      const located = renderProblem(src, { path: ['extends'], message: `cycle: ${cycle.join(' -> ')}` });
      throw new InputError(located.line);
    }
    const r = this.resolveFrom(ref, dirname(src.path), chain);
    if (!r.ok) throw new InputError(renderProblem(src, { path: ['extends'], message: r.message }).line);
    return r.profile;
  }
}

/** A device's profile with the scenario's overrides applied and validated again. */
export function applyOverrides(
  base: Profile,
  overrides: ProfileOverrides,
): { ok: true; profile: Profile } | { ok: false; problems: Problem[] } {
  if (overrides.capabilities === undefined && overrides.costs === undefined) return { ok: true, profile: base };
  return validateProfile(mergeProfile(base, overrides));
}
