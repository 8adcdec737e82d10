import getPort from 'get-port';

/*
 * Free TCP ports come from get-port (replacing a hand-written probe). What it gives that
 * the sandbox and the test bed rely on:
 * - with no host, a port is probed on the unspecified address (dual stack), which matters
 *   because some emulators (kinesis-local, DynamoDB Local) bind every interface and cannot
 *   be told otherwise; a port free there is free on 127.0.0.1 too. Clients always talk to
 *   127.0.0.1.
 * - a port it handed out is locked inside this process for 15 to 30 s, so two callers
 *   (or one call asking for several) never get the same port, even across calls; the
 *   hand-written probe only kept ports distinct within one call.
 */

/** `count` distinct free TCP ports. */
export async function getFreePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  // One after another: each answer is locked before the next probe starts.
  for (let i = 0; i < count; i++) ports.push(await getPort());
  return ports;
}

export async function getFreePort(): Promise<number> {
  return getPort();
}

/**
 * True when nothing listens on `port` on any local address. get-port returns the asked
 * port only when it is free (otherwise another one), and it then locks that port so that
 * getFreePorts will not hand it out to an emulator: the caller means to use it.
 */
export async function isPortFree(port: number): Promise<boolean> {
  return (await getPort({ port })) === port;
}
