/**
 * Start-up warnings about the allow lists (issue #11):
 *  - a list left unset while the API listens beyond loopback: any caller who reaches the
 *    API may make Sluice read and delete from any queue or stream its credentials reach,
 *    or ship records to any destination;
 *  - mappings already stored that a list does not allow (created before it was set or
 *    narrowed).
 *
 * Decision for the second case: those mappings keep running, and each gets one warning
 * line at every start naming it, its ARNs and the setting, until the operator deletes or
 * repoints it. Not refused at poll start: a changed config file would silently stop a
 * production pipeline, and stream records would age out meanwhile. The lists guard what
 * callers may create; the operator decides about what exists.
 */
import type { Logger } from '../observability/logger.js';
import type { AllowedResources } from './allowed-resources.js';
import type { StoredMapping } from './model.js';

export function warnAboutOpenAllowLists(allowed: AllowedResources, apiHost: string, apiReachableBeyondLoopback: boolean, logger: Logger): void {
  if (!apiReachableBeyondLoopback) return;
  const open = [allowed.sources, allowed.destinations].filter((list) => !list.restricts).map((list) => list.setting);
  if (open.length === 0) return;
  logger.warn(
    { settings: open, apiHost },
    `${open.join(' and ')} unset while the API listens on ${apiHost}: callers may point mappings at any source or destination Sluice's AWS credentials reach`,
  );
}

export function warnAboutMappingsOutsideAllowLists(allowed: AllowedResources, mappings: readonly StoredMapping[], logger: Logger): void {
  if (!allowed.sources.restricts && !allowed.destinations.restricts) return;
  for (const mapping of mappings) {
    const destination = mapping.settings.DestinationConfig?.OnFailure?.Destination;
    const outside = allowed.outsideOf({ EventSourceArn: mapping.EventSourceArn, destination });
    if (outside.length === 0) continue;
    logger.warn(
      { mappingId: mapping.UUID, function: mapping.FunctionArn, eventSourceArn: mapping.EventSourceArn, ...(destination ? { destination } : {}), settings: outside },
      `mapping ${mapping.UUID} uses what ${outside.join(' and ')} does not allow; it keeps running until deleted or repointed`,
    );
  }
}
