/**
 * Reading what a target answered: JSON decoding with Lambda's rules (sqs.md §2) and the
 * `{"errorType", "errorMessage"}` shape Lambda runtimes use for errors.
 */

export interface DecodedResponse {
  response: unknown;
  responseIsJson: boolean;
}

/** Empty (or whitespace-only) = null; valid JSON = its value; anything else = the raw text, not JSON. */
export function decodeResponseBody(text: string): DecodedResponse {
  if (text.trim() === '') return { response: null, responseIsJson: true };
  try {
    return { response: JSON.parse(text) as unknown, responseIsJson: true };
  } catch {
    return { response: text, responseIsJson: false };
  }
}

export interface LambdaError {
  errorMessage?: string;
  errorType?: string;
}

/** The `errorMessage` / `errorType` of a Lambda-like error body, when the body is one. */
export function lambdaErrorOf(body: unknown): LambdaError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const { errorMessage, errorType } = body as Record<string, unknown>;
  return {
    ...(typeof errorMessage === 'string' ? { errorMessage } : {}),
    ...(typeof errorType === 'string' ? { errorType } : {}),
  };
}
