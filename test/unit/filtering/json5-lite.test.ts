/** The corpus reader must not alter string content while dropping comments and trailing commas. */
import { describe, expect, it } from 'vitest';
import { parseJson5Lite } from './json5-lite.js';

describe('parseJson5Lite', () => {
  it('drops comments and trailing commas outside strings only', () => {
    const text = `// head
{
  "a": "*/dir/*", /* block */ "b": "http://x//y", // tail
  "c": [1, 2, ],
  "d": "quote \\" , ]",
}`;
    expect(parseJson5Lite(text)).toEqual({ a: '*/dir/*', b: 'http://x//y', c: [1, 2], d: 'quote " , ]' });
  });

  it('fails on JSON5 features it does not implement', () => {
    expect(() => parseJson5Lite("{a: 'x'}")).toThrow(SyntaxError);
  });
});
