/** Sequence numbers compare as arbitrary-precision integers (streams.md §5). */
import { describe, expect, it } from 'vitest';
import {
  compareSequenceNumbers,
  InvalidSequenceNumberError,
  isSequenceNumber,
  SHARD_END,
} from '../../../../../src/sources/streams/checkpoints/sequence-numbers.js';

const KINESIS = '49590338271490256608559692538361571095921575989136588898';

describe('compareSequenceNumbers', () => {
  it('orders numbers beyond 2^53 that differ only in the last digit', () => {
    const lower = `${KINESIS.slice(0, -1)}7`;
    const higher = `${KINESIS.slice(0, -1)}9`;
    // As JS numbers they are the same value: the comparison must not go through Number.
    expect(Number(lower)).toBe(Number(higher));
    expect(compareSequenceNumbers(lower, higher)).toBeLessThan(0);
    expect(compareSequenceNumbers(higher, lower)).toBeGreaterThan(0);
    expect(compareSequenceNumbers(KINESIS, KINESIS)).toBe(0);
  });

  it('orders by length first: a shorter number is smaller even when lexically greater', () => {
    expect(compareSequenceNumbers('9', '10')).toBeLessThan(0);
    expect(compareSequenceNumbers('999999999999999999999', '1000000000000000000000')).toBeLessThan(0);
    expect(compareSequenceNumbers('1000000000000000000000', '999999999999999999999')).toBeGreaterThan(0);
    expect(compareSequenceNumbers('0', '1')).toBeLessThan(0);
  });

  it('agrees with BigInt on random pairs', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const randomNumber = () => {
      const length = 1 + Math.floor(rand() * 60);
      let digits = String(1 + Math.floor(rand() * 9));
      while (digits.length < length) digits += String(Math.floor(rand() * 10));
      return digits;
    };
    for (let i = 0; i < 2000; i++) {
      const a = randomNumber();
      const b = rand() < 0.3 ? `${a.slice(0, -1)}${Math.floor(rand() * 10)}` : randomNumber();
      const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
      expect(Math.sign(compareSequenceNumbers(a, b)), `${a} vs ${b}`).toBe(expected);
    }
  });

  it('compares zero-padded numbers (DynamoDB Local) by value', () => {
    expect(compareSequenceNumbers('000000000000000000003', '000000000000000000012')).toBeLessThan(0);
    expect(compareSequenceNumbers('000000000000000000012', '12')).toBe(0);
    expect(compareSequenceNumbers('0100', '99')).toBeGreaterThan(0);
    expect(compareSequenceNumbers('000', '0')).toBe(0);
  });

  it('refuses anything but decimal strings', () => {
    for (const bad of ['', '-1', '1.5', '1e3', ' 1', SHARD_END, '0x10']) {
      expect(isSequenceNumber(bad), bad).toBe(false);
      expect(() => compareSequenceNumbers(bad, '1')).toThrow(InvalidSequenceNumberError);
    }
    expect(isSequenceNumber('0')).toBe(true);
    expect(isSequenceNumber('000000000000000000003')).toBe(true);
    expect(isSequenceNumber(KINESIS)).toBe(true);
  });
});
