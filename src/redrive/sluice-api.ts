/**
 * What `sluice redrive` asks of Sluice, through its API like any client: the mapping
 * (GetEventSourceMapping, Lambda's API) and one invocation of its function
 * (`POST /sluice/v1/functions/{name}/invocations`, api/invocation-routes.ts), both signed
 * with SigV4 as the Lambda API is.
 */
import { GetEventSourceMappingCommand, LambdaClient, type GetEventSourceMappingCommandOutput } from '@aws-sdk/client-lambda';
import { createSignedFetch, readRefusal, type Credentials } from '../aws/signed-fetch.js';
import { http1Handler } from '../aws/clients.js';

export type MappingConfiguration = GetEventSourceMappingCommandOutput;

/** The route's answer (api/invocation-routes.ts). */
export interface InvocationAnswer {
  FunctionArn: string;
  Outcome: 'success' | 'function-error' | 'invocation-error';
  DurationMs: number;
  Response?: unknown;
  ResponseIsJson?: boolean;
  FunctionError?: string;
  ErrorType?: string;
  ErrorMessage?: string;
  Reason?: string;
  ErrorCode?: string;
  StatusCode?: number;
}

/** Sluice refused or could not be reached: the run cannot start or go on. */
export class SluiceApiError extends Error {
  override name = 'SluiceApiError';
}

export interface SluiceApiOptions {
  endpoint: string;
  region: string;
  credentials?: Credentials;
}

export class SluiceApi {
  private readonly lambda: LambdaClient;
  private readonly signedFetch: ReturnType<typeof createSignedFetch>;

  constructor(private readonly options: SluiceApiOptions) {
    // One attempt: a refusal is reported as it came, not retried in silence.
    this.lambda = new LambdaClient({
      endpoint: options.endpoint,
      region: options.region,
      maxAttempts: 1,
      requestHandler: http1Handler(),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    // An invocation may last as long as the function's timeout (up to 15 minutes).
    this.signedFetch = createSignedFetch({ ...options, timeoutMs: 16 * 60_000 });
  }

  async getMapping(uuid: string): Promise<MappingConfiguration> {
    try {
      return await this.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'ResourceNotFoundException') throw new SluiceApiError(`mapping ${uuid} does not exist at ${this.options.endpoint}`);
      throw new SluiceApiError(`GetEventSourceMapping ${uuid} at ${this.options.endpoint} failed: ${name}: ${message}`);
    }
  }

  /** One invocation of the mapping's function with `payload`; throws SluiceApiError when Sluice refused it. */
  async invoke(functionArn: string, mappingId: string, payload: string): Promise<InvocationAnswer> {
    const path = `/sluice/v1/functions/${encodeURIComponent(functionArn)}/invocations`;
    let response: Response;
    try {
      response = await this.signedFetch({ method: 'POST', path, query: { mapping: mappingId }, body: payload });
    } catch (error) {
      throw new SluiceApiError(`could not reach Sluice at ${this.options.endpoint}: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) {
      const { type, message } = readRefusal(response, text);
      const hint = response.status === 404 && !type ? ' (is this Sluice recent enough to serve /sluice/v1/functions/{name}/invocations?)' : '';
      throw new SluiceApiError(`POST ${path} answered ${response.status}${type ? ` ${type}` : ''}: ${message}${hint}`);
    }
    return JSON.parse(text) as InvocationAnswer;
  }

  close(): void {
    this.lambda.destroy();
  }
}
