/** List markers (api.md §2.1, V45): a marker Sluice issued decodes to its order member; anything else does not. */
import { describe, expect, it } from 'vitest';
import { decodeMarker, encodeMarker } from '../../../src/mappings/list-marker.js';

const member = '000001700000000:6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';

describe('list markers', () => {
  it('round-trips an order member through an opaque base64url token', () => {
    const marker = encodeMarker(member);
    expect(marker).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(marker).toBe(Buffer.from(`v1|${member}`).toString('base64url'));
    expect(decodeMarker(marker)).toBe(member);
  });

  it.each([
    ['not base64url', 'abc+/='],
    ['empty', ''],
    ['without the version', Buffer.from(member).toString('base64url')],
    ['another version', Buffer.from(`v2|${member}`).toString('base64url')],
    ['a 14-digit time', encodeMarker(member.slice(1))],
    ['a UUID that is not version 4', encodeMarker(member.replace('-4c5d-', '-5c5d-'))],
    ['a UUID with a bad variant', encodeMarker(member.replace('-8e9f-', '-ce9f-'))],
    ['upper-case hex', encodeMarker(member.toUpperCase())],
    ['trailing text', encodeMarker(`${member}x`)],
    ['leading text', encodeMarker(`x${member}`)],
  ])('%s does not decode', (_label, marker) => {
    expect(decodeMarker(marker)).toBeUndefined();
  });

  it('a token that decodes to a member but is not the canonical encoding does not decode', () => {
    // `v1|` + member is 55 bytes: the last character carries 4 unused bits, so setting one
    // gives another token for the same bytes.
    const marker = encodeMarker(member);
    const last = marker.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = marker.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1]!;
    expect(variant).not.toBe(marker);
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(marker, 'base64url'))).toBe(true);
    expect(decodeMarker(variant)).toBeUndefined();
    expect(decodeMarker(marker)).toBe(member);
  });
});
