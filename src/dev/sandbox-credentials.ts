/**
 * Credentials for what the sandbox started: its emulators take any, and Sluice's API checks
 * no signatures. Letters and digits only, as DynamoDB Local demands of an access key id.
 */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'sluicedev', secretAccessKey: 'sluicedev' } as const;

/**
 * Puts the sandbox credentials in the environment (where every SDK client of this process
 * finds them) unless some are configured: a fresh clone or a clean environment has none,
 * and the SDK's credential chain would fail before any request reached an emulator.
 */
export function useSandboxCredentialsIfNone(env: NodeJS.ProcessEnv = process.env): void {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE) return;
  env.AWS_ACCESS_KEY_ID = SANDBOX_CREDENTIALS.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = SANDBOX_CREDENTIALS.secretAccessKey;
}
