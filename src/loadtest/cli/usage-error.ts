/**
 * A problem with what the user asked (an option, the scenario file, no endpoint): said in
 * one line, exit 2. Anything else that stops a run before it measures (an unreachable
 * endpoint, a mapping the API refuses) also exits 2, through `oneLine` in command.ts.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
