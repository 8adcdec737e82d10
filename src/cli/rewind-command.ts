/**
 * `sluice mappings rewind UUID --to trim-horizon|latest|<ISO time> | --shard ID=SEQ ...`
 * (issue #16): asks a running Sluice to rewind a stream mapping through its API
 * (`POST /sluice/v1/event-source-mappings/{UUID}/rewind`), then, unless `--no-wait`, polls
 * `GET .../rewind` until the rewind is Completed and prints where each shard moved.
 *
 * The API is reached at `--endpoint-url`, else AWS_ENDPOINT_URL_LAMBDA, else the config's
 * `api.host` / `api.port` (config/api-url.ts, as `sluice redrive`; chosen: the command runs
 * where Sluice's config is, like `sluice store`).
 * Requests are signed with SigV4 (service `lambda`) from the SDK's default credentials, as
 * the user's Lambda calls are, so `api.auth.mode: sigv4` lets them through; without
 * credentials they go unsigned (enough for `api.auth.mode: none`).
 */
import { createSignedFetch, readRefusal } from '../aws/signed-fetch.js';

/** A usage problem (exit 2) or a refusal / failure (exit 1), printed as one line. */
export class RewindCommandError extends Error {
  override name = 'RewindCommandError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export interface RewindCommandOptions {
  to?: string;
  shard?: string[];
  wait: boolean;
  endpointUrl: string;
  region: string;
  /** How long to wait for completion (ms). */
  timeoutMs: number;
}

/** The request body from `--to` / `--shard` (exactly one of them). */
export function rewindBody(to: string | undefined, shards: readonly string[] | undefined): Record<string, unknown> {
  const named = shards ?? [];
  if ((to === undefined) === (named.length === 0)) throw new RewindCommandError('give either --to trim-horizon|latest|<ISO time> or --shard ID=SEQUENCE (repeatable)', 2);
  if (to !== undefined) {
    const lower = to.toLowerCase();
    if (lower === 'trim-horizon' || lower === 'trim_horizon') return { Position: 'TRIM_HORIZON' };
    if (lower === 'latest') return { Position: 'LATEST' };
    const ms = /^\d{4}-\d{2}-\d{2}/.test(to) ? Date.parse(to) : NaN;
    if (Number.isNaN(ms)) throw new RewindCommandError(`--to must be trim-horizon, latest or an ISO time such as 2026-12-06T10:00:00Z (got ${to})`, 2);
    return { Position: 'AT_TIMESTAMP', Timestamp: ms / 1000 };
  }
  const Shards: Record<string, string> = {};
  for (const entry of named) {
    const match = /^([^=]+)=(\d+)$/.exec(entry);
    if (!match) throw new RewindCommandError(`--shard must be SHARD_ID=SEQUENCE_NUMBER (got ${entry})`, 2);
    Shards[match[1]!] = match[2]!;
  }
  return { Shards };
}

interface Move {
  ShardId: string;
  From: string | null;
  To: string;
}

interface RewindAnswer {
  RewindId: string;
  State: string;
  Moves?: Move[];
  PausedWorkers?: string[];
  WaitingFor?: string[];
  LastError?: string | null;
}

/** Sends a signed (when credentials resolve) request to Sluice's API; the parsed JSON, or a RewindCommandError. */
function apiClient(endpointUrl: string, region: string) {
  const signedFetch = createSignedFetch({ endpoint: endpointUrl, region });
  return async (method: 'GET' | 'POST', path: string, body?: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await signedFetch({ method, path, ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      throw new RewindCommandError(`could not reach Sluice at ${endpointUrl}: ${(error as Error).message}`, 1);
    }
    const text = await response.text();
    if (!response.ok) {
      const { type, message } = readRefusal(response, text);
      throw new RewindCommandError(`${method} ${path} answered ${response.status}${type ? ` ${type}` : ''}: ${message}`, 1);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // A proxy in front of Sluice, say: one line, as every other failure here.
      throw new RewindCommandError(`${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 120)}`, 1);
    }
  };
}

const describeMove = (move: Move) => `  ${move.ShardId}  ${move.From ?? '(no checkpoint)'} -> ${move.To}`;

/** Runs the command; `print` gets each output line. */
export async function runRewindCommand(uuid: string, options: RewindCommandOptions, print: (line: string) => void): Promise<void> {
  const body = rewindBody(options.to, options.shard);
  const call = apiClient(options.endpointUrl, options.region);
  const path = `/sluice/v1/event-source-mappings/${encodeURIComponent(uuid)}/rewind`;
  const startedAt = Date.now();
  const accepted = (await call('POST', path, JSON.stringify(body))) as RewindAnswer;
  if (!options.wait) {
    print(`rewind ${accepted.RewindId} of ${uuid}: ${accepted.State}; GET ${path} (or this command without --no-wait) shows when it is Completed`);
    return;
  }
  let shownWaiting = '';
  for (;;) {
    const last = (await call('GET', path)) as RewindAnswer;
    if (last.RewindId !== accepted.RewindId) throw new RewindCommandError(`another rewind (${last.RewindId}) replaced ${accepted.RewindId} meanwhile`, 1);
    if (last.State === 'Completed') {
      print(`rewind ${last.RewindId} of ${uuid}: Completed in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ${last.Moves?.length ?? 0} shard(s) moved (checkpoint before -> where it resumes):`);
      for (const move of last.Moves ?? []) print(describeMove(move));
      return;
    }
    const waiting = last.LastError
      ? `last attempt failed: ${last.LastError}`
      : `paused: ${(last.PausedWorkers ?? []).join(', ') || 'none yet'}; waiting for: ${(last.WaitingFor ?? []).join(', ') || 'the shards to move'}`;
    if (waiting !== shownWaiting) {
      print(`rewinding (${waiting})`);
      shownWaiting = waiting;
    }
    if (Date.now() - startedAt > options.timeoutMs) {
      throw new RewindCommandError(`rewind ${accepted.RewindId} not Completed after ${options.timeoutMs / 1000} s (${waiting}); it goes on: GET ${path} shows it`, 1);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
