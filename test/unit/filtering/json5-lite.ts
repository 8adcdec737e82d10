/**
 * Reads the JSON5 subset the event-pattern corpus (test/fixtures/event-patterns) uses: JSON plus
 * `//` and `/* *\/` comments and trailing commas. Written here instead of
 * adding the json5 package, so this work needs no package.json change. Any
 * other JSON5 feature (unquoted keys, single quotes, hex...) reaches
 * JSON.parse untouched and fails loudly, so the corpus can't be misread.
 */
export function parseJson5Lite(text: string): unknown {
  let out = '';
  let i = 0;
  // Index in `out` of the last comma outside strings, while only whitespace
  // or comments have followed it; dropped if a closing bracket comes next.
  let pendingComma = -1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end;
      pendingComma = -1;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) throw new SyntaxError('unterminated block comment');
      i = close + 2;
    } else if (ch === ',') {
      pendingComma = out.length;
      out += ch;
      i++;
    } else if (ch === '}' || ch === ']') {
      if (pendingComma >= 0) out = out.slice(0, pendingComma) + out.slice(pendingComma + 1);
      pendingComma = -1;
      out += ch;
      i++;
    } else {
      if (!/\s/.test(ch)) pendingComma = -1;
      out += ch;
      i++;
    }
  }
  return JSON.parse(out);
}

/** Index just past the JSON string literal starting at `start` (a `"`). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else i++;
  }
  throw new SyntaxError('unterminated string');
}
