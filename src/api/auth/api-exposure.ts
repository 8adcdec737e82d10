/**
 * Secure by default: an API reachable beyond this machine must say who may call it. On a
 * loopback `api.host` an unset `api.auth.mode` means `none` (what Sluice always did, and
 * what `sluice dev` relies on); on any other host it stops the start (exit 2, one line).
 * A host name other than `localhost` counts as non-loopback: it may resolve anywhere.
 */
import { BlockList, isIP } from 'node:net';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && loopback.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

export type ApiExposure =
  | { kind: 'ok' }
  /** `none` on a reachable host: allowed, but worth a warning at start. */
  | { kind: 'open-beyond-loopback' }
  /** No mode on a reachable host: the start is refused with this one line. */
  | { kind: 'refused'; reason: string };

export function apiExposure(api: { host: string; auth: { mode?: 'sigv4' | 'none' | undefined } }): ApiExposure {
  if (isLoopbackHost(api.host)) return { kind: 'ok' };
  if (api.auth.mode === 'sigv4') return { kind: 'ok' };
  if (api.auth.mode === 'none') return { kind: 'open-beyond-loopback' };
  return {
    kind: 'refused',
    reason:
      `api.host ${api.host} is reachable beyond this machine but api.auth.mode is not set: ` +
      'set api.auth.mode: sigv4 with api.auth.keys (SLUICE_API_AUTH_MODE=sigv4 SLUICE_API_AUTH_KEYS=<access key id>:<secret>), ' +
      'or api.auth.mode: none (SLUICE_API_AUTH_MODE=none) to let anyone who reaches the port call the API',
  };
}
