/**
 * List pagination markers: opaque to clients, they encode the last (creation time, UUID)
 * returned, so pages stay stable while mappings come and go (chosen, api.md §2.1).
 */
const memberFormat = /^\d{15}:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const VERSION = 'v1|';

export const encodeMarker = (orderMember: string): string => Buffer.from(`${VERSION}${orderMember}`).toString('base64url');

/** The order member a marker stands for, or undefined for a marker Sluice did not issue (V45). */
export function decodeMarker(marker: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(marker)) return undefined;
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  if (!text.startsWith(VERSION)) return undefined;
  const member = text.slice(VERSION.length);
  return memberFormat.test(member) && encodeMarker(member) === marker ? member : undefined;
}
