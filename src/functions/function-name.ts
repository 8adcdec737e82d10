/**
 * FunctionName forms (api.md §4): a name, a name with qualifier, a partial ARN, or a full
 * ARN with or without a version / alias qualifier.
 */

/** Lambda's own FunctionName pattern, as the V6 message quotes it. */
export const FUNCTION_NAME_PATTERN = String.raw`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`;
const functionNameRegex = new RegExp(`^${FUNCTION_NAME_PATTERN}$`);

/** The parts a FunctionName carries; region and account only when it spelt them out. */
export interface FunctionNameParts {
  partition?: string;
  region?: string;
  account?: string;
  name: string;
  qualifier?: string;
}

export function matchesFunctionNamePattern(value: string): boolean {
  return functionNameRegex.test(value);
}

/** Splits a FunctionName that satisfies the pattern; undefined otherwise. */
export function parseFunctionName(value: string): FunctionNameParts | undefined {
  const match = functionNameRegex.exec(value);
  if (!match) return undefined;
  const [, arnPrefix, partition, regionPart, , accountPart, , name, , qualifier] = match;
  return {
    name: name!,
    ...(arnPrefix !== undefined ? { partition: partition ?? '' } : {}),
    ...(regionPart !== undefined ? { region: regionPart.slice(0, -1) } : {}),
    ...(accountPart !== undefined ? { account: accountPart.slice(0, -1) } : {}),
    ...(qualifier !== undefined ? { qualifier } : {}),
  };
}

export interface ArnContext {
  region: string;
  accountId: string;
}

export function buildFunctionArn(context: ArnContext, name: string, qualifier?: string): string {
  return `arn:aws:lambda:${context.region}:${context.accountId}:function:${name}${qualifier !== undefined ? `:${qualifier}` : ''}`;
}

/**
 * The FunctionArn a FunctionName stands for in this Sluice, or undefined when it names a
 * foreign partition, region or account (treated as an unknown function, V38 — chosen).
 */
export function resolveFunctionArn(context: ArnContext, value: string): { arn: string; parts: FunctionNameParts } | undefined {
  const parts = parseFunctionName(value);
  if (!parts) return undefined;
  if (parts.partition !== undefined && parts.partition !== 'aws') return undefined;
  if (parts.region !== undefined && parts.region !== context.region) return undefined;
  if (parts.account !== undefined && parts.account !== context.accountId) return undefined;
  return { arn: buildFunctionArn(context, parts.name, parts.qualifier), parts };
}

/** The unqualified function ARN of a (possibly qualified) function ARN. */
export function unqualifiedFunctionArn(functionArn: string): string {
  const parts = functionArn.split(':');
  return parts.slice(0, 7).join(':');
}
