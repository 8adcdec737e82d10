/**
 * What the global setup (test/support/emulators.ts) shares with test files through
 * vitest's provide/inject. Plain JSON: it is serialised to every worker.
 */

export interface EmulatorEndpoints {
  /** Region every client uses (the emulators accept anything; tests use this one). */
  region: string;
  /** Dummy credentials; no emulator validates them. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Account id the emulators put in ARNs (fauxqs and kinesis-local). */
  accountId: string;
  redis: { host: string; port: number; url: string };
  /** fauxqs (in-process), AWS JSON 1.0 protocol for SQS. */
  sqs: string;
  /** Same fauxqs endpoint; SNS over the Query protocol (SNS -> SQS fan-out only). */
  sns: string;
  /** kinesis-local plain-HTTP port. Clients must use an HTTP/1.1 handler. */
  kinesis: string;
  /** DynamoDB Local (-inMemory -sharedDb). */
  dynamodb: string;
  /** Same endpoint as dynamodb: DynamoDB Local serves DynamoDB Streams too. */
  dynamodbStreams: string;
  /** Milliseconds each emulator took to answer, for the curious. */
  startupMs: Record<string, number>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Undefined when the run was started with SLUICE_TEST_NO_EMULATORS=1. */
    emulators: EmulatorEndpoints | undefined;
  }
}

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const TEST_ACCOUNT_ID = '000000000000';

/** Account id of the test Sluice: deliberately not the emulators' own (sources may be foreign, api.md §5). */
export const SLUICE_ACCOUNT_ID = '123456789012';
