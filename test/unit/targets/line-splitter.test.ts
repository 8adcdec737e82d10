import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/targets/line-splitter.js';

describe('LineSplitter', () => {
  it('emits whole lines across pieces, and the unfinished last one on flush', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('one\ntw');
    splitter.push('o\r\nthree\n\nfou');
    expect(lines).toEqual(['one', 'two', 'three', '']);
    splitter.push('r');
    splitter.flush();
    splitter.flush();
    expect(lines).toEqual(['one', 'two', 'three', '', 'four']);
  });
});
