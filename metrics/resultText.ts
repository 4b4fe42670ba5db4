// resultText.ts — a result document as text in pieces, both ways, so campaigns whose document is
// larger than one JavaScript string (about 512 MiB, some 40,000 runs) can be written and read.

import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../sim/tool/inputError.js';

/** The top-level `runs` member as JSON.stringify(doc, null, 2) lays it out when it is empty. */
const EMPTY_RUNS = '\n  "runs": []';

/**
 * Pieces whose concatenation is exactly `JSON.stringify(doc, null, 2) + '\n'`, without ever
 * building that string: one piece per run, plus the document around the runs.
 */
export function* documentPieces(doc: { runs: readonly unknown[] }): Generator<string> {
  const shell = JSON.stringify({ ...doc, runs: [] }, null, 2);
  if (doc.runs.length === 0) {
    yield shell + '\n';
    return;
  }
  // A raw newline followed by two spaces only starts a top-level member: newlines inside
  // strings are escaped, and deeper members are indented further.
  const at = shell.indexOf(EMPTY_RUNS);
  if (at < 0) throw new Error('result document without a top-level runs member');
  yield shell.slice(0, at + EMPTY_RUNS.length - 1);
  let first = true;
  for (const run of doc.runs) {
    yield (first ? '\n    ' : ',\n    ') + JSON.stringify(run, null, 2).replace(/\n/g, '\n    ');
    first = false;
  }
  yield '\n  ]' + shell.slice(at + EMPTY_RUNS.length) + '\n';
}

/** Joins pieces into chunks of about `bytes` characters (fewer, larger writes). */
export function* chunked(pieces: Iterable<string>, bytes = 1 << 20): Generator<string> {
  let buf: string[] = [];
  let size = 0;
  for (const p of pieces) {
    buf.push(p);
    size += p.length;
    if (size >= bytes) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  if (size > 0) yield buf.join('');
}

/**
 * Writes the document to `path` through `path.tmp` and a rename, so a reader never sees half a
 * document. Throws the file system's error (the caller words it).
 */
export function writeDocumentFile(path: string, doc: { runs: readonly unknown[] }): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const chunk of chunked(documentPieces(doc))) writeSync(fd, chunk);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Writes the document to `path` (relative to `cwd`); failures are one InputError line. */
export function writeResultFile(cwd: string, path: string, doc: { runs: readonly unknown[] }): void {
  try {
    writeDocumentFile(resolve(cwd, path), doc);
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Hands the document's text to `write` in chunks of about a MiB. */
export function printDocument(doc: { runs: readonly unknown[] }, write: (text: string) => void): void {
  for (const chunk of chunked(documentPieces(doc))) write(chunk);
}

/** Where the top-level `runs` array's elements lie in a JSON text held as bytes. */
export interface RunsLayout {
  /** Byte offset just after the array's `[`. */
  open: number;
  /** Byte offset of the array's `]`. */
  close: number;
  /** [start, end) byte ranges of the elements, each an object. */
  elements: [number, number][];
}

/** A byte at `at` that is not where an object element of `runs` may be. */
export class RunsLayoutError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Finds the elements of the top-level `runs` array by scanning bytes (strings, escapes and
 * nesting tracked), so each can be parsed on its own. Returns null when the text has no such
 * array (the caller parses it whole, which reports the problem). Syntax elsewhere is not
 * checked here: the pieces are parsed afterwards.
 */
export function findRuns(buf: Uint8Array): RunsLayout | null {
  let depth = 0;
  let keyStart = -1;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === QUOTE) {
      const start = i;
      for (i++; i < buf.length && buf[i] !== QUOTE; i++) if (buf[i] === BACKSLASH) i++;
      if (depth === 1) keyStart = start;
      continue;
    }
    if (b === COLON && depth === 1 && keyStart >= 0 && isRunsKey(buf, keyStart, i)) {
      let j = i + 1;
      while (j < buf.length && isSpace(buf[j]!)) j++;
      if (buf[j] !== 0x5b) throw new RunsLayoutError(j, 'member runs should be an array');
      return elementsOf(buf, j + 1);
    }
    if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) depth--;
  }
  return null;
}

/** True when the string at `start` is "runs" and only spaces lie between it and `colon`. */
function isRunsKey(buf: Uint8Array, start: number, colon: number): boolean {
  const key = [QUOTE, 0x72, 0x75, 0x6e, 0x73, QUOTE];
  for (let k = 0; k < key.length; k++) if (buf[start + k] !== key[k]) return false;
  for (let j = start + key.length; j < colon; j++) if (!isSpace(buf[j]!)) return false;
  return true;
}

/** The object elements of the array whose contents start at `open`. */
function elementsOf(buf: Uint8Array, open: number): RunsLayout {
  const elements: [number, number][] = [];
  let expectElement = true;
  for (let i = open; i < buf.length; i++) {
    const b = buf[i]!;
    if (isSpace(b)) continue;
    if (b === 0x5d && (elements.length === 0 || !expectElement)) return { open, close: i, elements };
    if (b === COMMA && !expectElement) {
      expectElement = true;
      continue;
    }
    if (b !== 0x7b || !expectElement) throw new RunsLayoutError(i, `runs[${elements.length}] should be an object`);
    const start = i;
    let depth = 0;
    for (; i < buf.length; i++) {
      const c = buf[i];
      if (c === QUOTE) {
        for (i++; i < buf.length && buf[i] !== QUOTE; i++) if (buf[i] === BACKSLASH) i++;
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) break;
      }
    }
    if (i >= buf.length) throw new RunsLayoutError(start, `runs[${elements.length}] is not closed`);
    elements.push([start, i + 1]);
    expectElement = false;
  }
  throw new RunsLayoutError(buf.length, 'member runs is not closed');
}
