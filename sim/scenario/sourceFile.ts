// sourceFile.ts — reading a YAML/JSON input file into a parsed document that can locate fields.
// Every way a file can be unusable (missing, a directory, too large, binary, invalid UTF-8, empty,
// YAML syntax error, alias bomb, a top level that is not a mapping) becomes one InputError line.

import { createHash } from 'node:crypto';
import { relative, isAbsolute } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InputError } from '../tool/inputError.js';
import { quoted } from '../notation/units.js';
import { readBounded } from '../tool/boundedRead.js';
import type { FieldPath } from './fieldPath.js';

/** Largest input file accepted (scenario or profile). */
const MAX_INPUT_BYTES = 10 * 1024 * 1024;
/** Most alias expansions allowed when converting YAML to data (guards against alias bombs). */
const MAX_ALIAS_COUNT = 1000;

/** A 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** A parsed input file. */
export interface SourceFile {
  /** Path as shown in messages (relative to the working directory when inside it). */
  readonly file: string;
  /** Absolute path. */
  readonly path: string;
  /** `sha256:<hex>` of the file's bytes as read. */
  readonly hash: string;
  /** The YAML document (nodes carry source ranges). */
  readonly doc: Document;
  /** Maps offsets to line and column. */
  readonly lines: LineCounter;
  /** The document as plain data; the top level is a mapping. */
  readonly data: Record<string, unknown>;
}

/** How a path is shown in messages: relative to `cwd` when inside it, else absolute. */
export function displayPath(absPath: string, cwd: string): string {
  const rel = relative(cwd, absPath);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absPath;
}

function describeNode(node: unknown): string {
  if (isSeq(node)) return 'a sequence';
  if (isScalar(node)) return node.value === null ? 'null' : `a scalar (${typeof node.value === 'string' ? quoted(node.value) : JSON.stringify(node.value)})`;
  return 'something else';
}

/** Parse the bytes of an input file; throws InputError with one line. */
export function parseSource(bytes: Uint8Array, file: string, path: string): SourceFile {
  if (bytes.length > MAX_INPUT_BYTES) {
    throw new InputError(`${file}: file is too large (${bytes.length} bytes; the limit is ${MAX_INPUT_BYTES} bytes)`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputError(`${file}: not a text file (NUL byte at byte offset ${nul})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new InputError(`${file}: not a text file (invalid UTF-8)`);
  }
  const hash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = pos(e.pos[0]);
    const what = e.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'YAML syntax error';
    throw new InputError(`${file}:${p.line}:${p.col}: ${what}: ${e.message.split('\n')[0]}`);
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw new InputError(`${file}: file is empty`);
  }
  if (!isMap(doc.contents)) {
    const p = pos(doc.contents.range?.[0] ?? 0);
    throw new InputError(
      `${file}:${p.line}:${p.col}: expected a mapping at the top level, found ${describeNode(doc.contents)}`,
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new InputError(`${file}: too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}; an alias bomb?)`);
    }
    throw new InputError(`${file}: cannot read YAML: ${(err as Error).message}`);
  }
  return { file, path, hash, doc, lines, data: data as Record<string, unknown> };
}

/** Read and parse an input file (absolute `path`, shown as `file`): a regular file of at most MAX_INPUT_BYTES. */
// eslint-disable-next-line @typescript-eslint/require-await -- kept async for its callers; the bounded read is synchronous
export async function readSource(path: string, file: string): Promise<SourceFile> {
  return parseSource(readBounded(path, file, MAX_INPUT_BYTES), file, path);
}

/** Synchronous readSource (profile files, resolved while validating). */
export function readSourceSync(path: string, file: string): SourceFile {
  return parseSource(readBounded(path, file, MAX_INPUT_BYTES), file, path);
}

function findPair(map: unknown, key: string): { key: Node | null; value: unknown } | null {
  if (!isMap(map)) return null;
  for (const item of map.items) {
    if (!isPair(item)) continue;
    const k: unknown = item.key;
    const name = isScalar(k) ? String(k.value) : String(k);
    if (name === key) return { key: (isScalar(k) ? k : null) as Node | null, value: item.value };
  }
  return null;
}

/**
 * Position of the field at `path`: its value when present; otherwise the key of the deepest
 * present ancestor (so a missing key points at its parent); 1:1 when nothing matches.
 * With `key`, the position of that key inside the mapping at `path` (unknown keys).
 */
export function locate(src: SourceFile, path: FieldPath, key?: string): Position {
  const pos = (offset: number | undefined): Position => {
    const p = src.lines.linePos(offset ?? 0);
    return { line: p.line, col: p.col };
  };
  let node: unknown = src.doc.contents;
  let fallback: Position = { line: 1, col: 1 };
  const full = key === undefined ? path : [...path, key];
  for (let i = 0; i < full.length; i++) {
    const seg = full[i]!;
    if (typeof seg === 'number') {
      if (!isSeq(node) || seg >= node.items.length) return fallback;
      node = node.items[seg];
      fallback = pos((node as Node | null)?.range?.[0]);
    } else {
      const pair = findPair(node, seg);
      if (pair === null) return fallback;
      const keyPos = pos(pair.key?.range?.[0]);
      if (key !== undefined && i === full.length - 1) return keyPos;
      node = pair.value;
      fallback = keyPos;
    }
  }
  const v = node as Node | null;
  if (v === null || v.range === undefined || v.range === null) return fallback;
  if (isScalar(v) && v.value === null) return fallback;
  return pos(v.range[0]);
}
