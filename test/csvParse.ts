// csvParse.ts — a strict RFC 4180 reader for the tests of CSV output.

/** A strict RFC 4180 reader: records end with CRLF, quoted fields may hold anything. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const m = /[,\r"]/.exec(text.slice(i));
      const end = m === null ? text.length : i + m.index;
      if (text[end] === '"') throw new Error(`bare quote at ${end}`);
      field = text.slice(i, end);
      if (field.includes('\n')) throw new Error(`bare LF at ${i}`);
      i = end;
    }
    row.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length) throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  if (row.length > 0) throw new Error('last record without CRLF');
  return rows;
}
