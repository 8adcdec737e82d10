/**
 * What callers may point Sluice at (issue #11): `sources.allow` and `destinations.allow`,
 * lists of ARN patterns. A Create or Update naming an EventSourceArn or an on-failure
 * destination outside them is refused with InvalidParameterValueException, in the style
 * of Lambda's own messages, naming the setting; declared mappings (config `mappings:`)
 * go through the same check, so a start with one outside the list fails.
 *
 * Pattern syntax: `*` matches any run of characters, `:` and `/` included (so
 * `arn:aws:sqs:*:123456789012:orders-*` covers every region, and
 * `arn:aws:kinesis:us-east-1:123456789012:stream/clicks*` covers the stream and its
 * consumers); every other character matches itself, case-sensitively like ARNs. Not a
 * glob library: globs stop `*` at `/` and give `?`, `[`, `{` and `!` meanings that an ARN
 * pattern must not have.
 */
import { invalidParameter, type LambdaApiError } from './errors.js';

/** The two settings, by the key a message names. */
export type AllowSetting = 'sources.allow' | 'destinations.allow';

export interface AllowListsConfig {
  sources: { allow?: readonly string[] | undefined };
  destinations: { allow?: readonly string[] | undefined };
}

/** One compiled list: `undefined` patterns = the setting is unset = everything allowed. */
export class AllowList {
  private readonly matchers: RegExp[] | undefined;

  constructor(
    readonly setting: AllowSetting,
    readonly patterns: readonly string[] | undefined,
  ) {
    this.matchers = patterns?.map(compileArnPattern);
  }

  /** The setting is set (an empty list is set too, and allows nothing). */
  get restricts(): boolean {
    return this.matchers !== undefined;
  }

  allows(arn: string): boolean {
    return this.matchers === undefined || this.matchers.some((matcher) => matcher.test(arn));
  }
}

/** `*` = any run of characters; everything else literal; the whole ARN must match. */
export function compileArnPattern(pattern: string): RegExp {
  const literal = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${literal.join('.*')}$`, 's');
}

/** Both lists of one Sluice, and the refusals a Create or Update gets from them. */
export class AllowedResources {
  readonly sources: AllowList;
  readonly destinations: AllowList;

  constructor(config: AllowListsConfig) {
    this.sources = new AllowList('sources.allow', config.sources.allow);
    this.destinations = new AllowList('destinations.allow', config.destinations.allow);
  }

  /** An EventSourceArn outside `sources.allow`, as the error a Create answers. */
  checkSource(eventSourceArn: string): void {
    if (!this.sources.allows(eventSourceArn)) throw notAllowed('EventSourceArn', eventSourceArn, this.sources);
  }

  /** An on-failure destination outside `destinations.allow`; `""` (none) is always fine. */
  checkDestination(destination: string | undefined): void {
    if (destination && !this.destinations.allows(destination)) {
      throw notAllowed('DestinationConfig.OnFailure.Destination', destination, this.destinations);
    }
  }

  /**
   * What a stored mapping uses that the lists do not allow (empty when nothing): the
   * start-up warning about mappings created before a list was narrowed.
   */
  outsideOf(mapping: { EventSourceArn: string; destination?: string | undefined }): AllowSetting[] {
    const outside: AllowSetting[] = [];
    if (!this.sources.allows(mapping.EventSourceArn)) outside.push('sources.allow');
    if (mapping.destination && !this.destinations.allows(mapping.destination)) outside.push('destinations.allow');
    return outside;
  }
}

/**
 * Worded like Lambda's refusals of a value (a sentence naming the member and quoting the
 * value, ending in a period), plus the setting that decides, so the caller knows what the
 * operator has to change.
 */
function notAllowed(member: string, value: string, list: AllowList): LambdaApiError {
  return invalidParameter(`${member} ${value} is not allowed by this Sluice's ${list.setting} setting.`);
}
