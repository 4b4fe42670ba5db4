// jsonPosition.ts — offset and reason of the first syntax error in JSON text (for messages that name line and column).

/** Thrown by the scanner, once the failure is recorded, to unwind to jsonSyntaxError. */
const STOP = new Error('JSON syntax error');

/** Where and why `text` stops being JSON; undefined when it parses. */
export function jsonSyntaxError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  let failure: { offset: number; reason: string } | undefined;
  const fail = (reason: string): never => {
    failure = { offset: i, reason };
    throw STOP;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const what = () => (i >= text.length ? 'end of input' : `'${text[i]}'`);
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${what()}`);
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('control character in string');
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail(`unexpected ${what()}`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name, found ${what()}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ':', found ${what()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail(`expected ',' or '}', found ${what()}`);
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail(`expected ',' or ']', found ${what()}`);
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail(`unexpected ${what()}`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${what()} after the document`);
    return undefined;
  } catch (e) {
    return e === STOP ? failure : (e as { offset: number; reason: string });
  }
}
