/**
 * `sluice mappings shards UUID`: a stream mapping's shards as a table, read from the API
 * (`GET /sluice/v1/event-source-mappings/{UUID}/shards`, api/shards-route.ts) like any
 * client: signed with SigV4 as the AWS SDK signs Lambda calls, so the credentials that let
 * a user's `aws lambda ...` through let this through too. The endpoint is found as
 * `sluice loadtest` finds it: `--endpoint-url`, AWS_ENDPOINT_URL_LAMBDA, or the sandbox
 * running in this folder.
 */
import { resolveEndpoints, type EndpointOptions } from '../loadtest/cli/endpoints.js';
import { createSignedGet } from '../loadtest/sluice-client.js';
import { textTable } from '../loadtest/report/table.js';
import type { ShardsBody } from '../api/shards-route.js';

export interface MappingsShardsOptions extends EndpointOptions {
  /** Print the route's JSON as it came. */
  json?: boolean;
}

const dash = '-';

/** Fetches the shards of `uuid` and returns what to print. Errors: UsageError, SluiceClientError (one line each). */
export async function runShardsCommand(uuid: string, options: MappingsShardsOptions, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<string> {
  const { endpoints } = resolveEndpoints(options, env, cwd);
  const body = await createSignedGet(endpoints)(`/sluice/v1/event-source-mappings/${encodeURIComponent(uuid)}/shards`, {});
  if (options.json) return body;
  return formatShards(JSON.parse(body) as ShardsBody, Date.now());
}

/** The shards table, then the workers: what an operator reads at a glance. */
export function formatShards(body: ShardsBody, now: number): string {
  const rows = [['shard', 'status', 'parent', 'checkpoint', 'lease holder', 'lease left', 'iterator age', 'in flight', 'buffered']];
  for (const shard of body.Shards) {
    rows.push([
      shard.ShardId,
      shard.Status,
      shard.ParentShardId ?? dash,
      shard.Checkpoint ?? dash,
      shard.LeaseHolder ?? dash,
      shard.LeaseExpiresAt === null ? dash : `${Math.max(0, (shard.LeaseExpiresAt - now) / 1000).toFixed(1)} s`,
      shard.IteratorAgeMs === null ? dash : `${shard.IteratorAgeMs} ms`,
      shard.Lanes === null ? dash : String(shard.Lanes.InFlight),
      shard.Lanes === null ? dash : String(shard.Lanes.Buffered),
    ]);
  }
  const workers = [['worker', 'host', 'pid', 'last seen'], ...body.Workers.map((w) => [w.WorkerId, w.Host, String(w.Pid), `${Math.max(0, (now - w.LastSeen) / 1000).toFixed(1)} s ago`])];
  return [
    `mapping ${body.UUID} (${body.EventSourceMappingArn})`,
    body.Shards.length > 0 ? textTable(rows) : 'no shards',
    '',
    body.Workers.length > 0 ? textTable(workers) : 'no live workers',
  ].join('\n');
}
