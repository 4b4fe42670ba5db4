// csv.ts — RFC 4180 CSV: fields with a comma, a double quote, CR or LF are quoted (quotes doubled),
// records end with CRLF. Numbers keep full precision; a missing or non-finite number is an empty field.

/** One field. */
export function csvField(v: string | number | boolean | null | undefined): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : '';
  else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, with its CRLF. */
export function csvRecord(fields: readonly (string | number | boolean | null | undefined)[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}
