// fieldPath.ts — paths to fields of a document (`devices[0].profile`): parsing, printing, get and set.

/** One step of a path: a mapping key or a sequence index. */
export type PathSegment = string | number;
/** A path from the document root. */
export type FieldPath = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `devices[0].profile`; keys that are not plain identifiers print as `["vm.memory"]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (seg.length <= 60 && PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${seg.length > 60 ? `${JSON.stringify(seg.slice(0, 57))}...` : JSON.stringify(seg)}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** Parse a dotted path with indices (`devices[0].capabilities.nas`); null if malformed. */
export function parsePath(text: string): PathSegment[] | null {
  const out: PathSegment[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|(\.)/gy;
  let expectKey = true;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    m = re.exec(text);
    if (m === null) return null;
    if (m[1] !== undefined) {
      if (!expectKey) return null;
      out.push(m[1]);
      expectKey = false;
    } else if (m[2] !== undefined) {
      if (expectKey) return null;
      out.push(Number(m[2]));
    } else {
      if (expectKey) return null;
      expectKey = true;
    }
    at = re.lastIndex;
  }
  return expectKey ? null : out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `path`, or undefined. */
export function getAt(root: unknown, path: FieldPath): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (!isRecord(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = cur[seg];
    }
  }
  return cur;
}

/**
 * Set `value` at `path` in `root` (mutated), creating missing mappings on the way.
 * Returns an error message when the path crosses a value of the wrong kind or an index out of range.
 */
export function setAt(root: Record<string, unknown>, path: FieldPath, value: unknown): string | null {
  let cur: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return `${formatPath(path.slice(0, i))} is not a sequence`;
      if (seg >= cur.length) return `${formatPath(path.slice(0, i + 1))} does not exist (${cur.length} item(s))`;
      if (last) cur[seg] = value;
      else cur = cur[seg];
    } else {
      if (!isRecord(cur)) return `${formatPath(path.slice(0, i))} is not a mapping`;
      if (last) cur[seg] = value;
      else {
        if (cur[seg] === undefined || cur[seg] === null) cur[seg] = {};
        cur = cur[seg];
      }
    }
  }
  return null;
}

/** Whether `prefix` is a prefix of (or equal to) `path`. */
export function startsWith(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}
