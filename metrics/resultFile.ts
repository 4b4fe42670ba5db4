// resultFile.ts — read a result JSON file with a size bound and check it (structure, then
// consistency with its own runs), failing with one clear InputError line naming the file.

import { resolve } from 'node:path';
import { InputError } from '../sim/tool/inputError.js';
import { readBounded } from '../sim/tool/boundedRead.js';
import { jsonSyntaxError } from './jsonPosition.js';
import type { ResultDocument } from './result.js';
import { documentProblem } from './resultSchema.js';
import { documentInconsistency } from './resultConsistency.js';
import { toolVersion } from '../sim/tool/version.js';
import { findRuns, RunsLayoutError } from './resultText.js';

/** Largest result file read (2 GiB: about 160k runs). */
const MAX_RESULT_BYTES = 2 * 1024 * 1024 * 1024;
/** Files up to this size are parsed as one string; larger ones run by run (strings top out near 512 MiB). */
const WHOLE_TEXT_LIMIT = 256 * 1024 * 1024;

/** Read the result document at `path` (relative to `cwd`). */
export function readResultFile(path: string, cwd = '.', wholeTextLimit = WHOLE_TEXT_LIMIT): ResultDocument {
  const full = resolve(cwd, path);
  let buf: Buffer;
  try {
    buf = readBounded(full, path, MAX_RESULT_BYTES);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const tooLarge = e.message.includes('too large') ? ' (split the campaign into shards and compare or gate them separately)' : '';
    throw new InputError(`cannot read result file ${e.message}${tooLarge}`);
  }
  return buf.length <= wholeTextLimit ? parseResultText(buf.toString('utf8'), path) : parseResultPieces(buf, path);
}

/** Parse a result held as bytes run by run, never as one string; errors name line and column. */
function parseResultPieces(buf: Buffer, name: string): ResultDocument {
  const at = (offset: number) => {
    const { line, col } = byteLineCol(buf, offset);
    return `${name}:${line}:${col}`;
  };
  let layout;
  try {
    layout = findRuns(buf);
  } catch (e) {
    if (e instanceof RunsLayoutError) throw new InputError(`${at(e.offset)}: ${e.message}`);
    throw e;
  }
  if (layout === null) throw new InputError(`${name}: not a svqsim result: member runs is missing`);
  const piece = (start: number, end: number): unknown => {
    const text = buf.toString('utf8', start, end);
    try {
      return JSON.parse(text);
    } catch (e) {
      const found = jsonSyntaxError(text);
      const pos = Buffer.byteLength(text.slice(0, found?.offset ?? text.length));
      const reason = found?.reason ?? (e as Error).message.split('\n')[0];
      throw new InputError(`${at(start + pos)}: not valid JSON (${reason})`);
    }
  };
  const runs = layout.elements.map(([s, e]) => piece(s, e));
  // The document around the runs, with the array emptied, is small: parse it whole.
  const shell = Buffer.concat([buf.subarray(0, layout.open), buf.subarray(layout.close)]);
  let doc: unknown;
  try {
    doc = JSON.parse(shell.toString('utf8'));
  } catch (e) {
    const text = shell.toString('utf8');
    const found = jsonSyntaxError(text);
    let pos = Buffer.byteLength(text.slice(0, found?.offset ?? text.length));
    if (pos >= layout.open) pos += layout.close - layout.open;
    throw new InputError(`${at(pos)}: not valid JSON (${found?.reason ?? (e as Error).message.split('\n')[0]})`);
  }
  if (kindOf(doc) === 'object') (doc as Record<string, unknown>).runs = runs;
  checkDocument(doc, name);
  return doc;
}

/** Line and column (in bytes) of a byte offset. */
function byteLineCol(buf: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < buf.length; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/** Parse and check result JSON text; `name` is used in error messages. */
export function parseResultText(text: string, name: string): ResultDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const found = jsonSyntaxError(text);
    const pos = found?.offset ?? text.length;
    const reason = found?.reason ?? (e as Error).message.split('\n')[0];
    const { line, col } = lineCol(text, pos);
    throw new InputError(`${name}:${line}:${col}: not valid JSON (${reason})`);
  }
  checkDocument(doc, name);
  return doc;
}

function lineCol(text: string, pos: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, col };
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Checks the parsed document: its structure (resultVersion, members and their types), then its
 * consistency with its own runs; the first problem is one InputError line naming the file.
 */
function checkDocument(doc: unknown, name: string): asserts doc is ResultDocument {
  const problem = documentProblem(doc);
  if (problem !== null) throw new InputError(`${name}: ${problem}`);
  const d = doc as ResultDocument;
  const inconsistency = documentInconsistency(d, { verifyAggregates: d.tool.version === toolVersion() });
  if (inconsistency !== null) throw new InputError(`${name}: ${inconsistency}`);
}
