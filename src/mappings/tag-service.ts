/**
 * TagResource / UntagResource / ListTags on mapping ARNs (api.md §2, V46–V49).
 */
import { invalidParameter, LambdaApiError, validationError } from './errors.js';
import { MAX_TAGS, tagConstraintItems } from './model-constraints.js';
import { parseTagBody } from './request-body.js';
import { checkTraceTag, TRACE_TAG } from './invocation-trace.js';
import type { MappingStore } from './store.js';

/** The resource pattern the V47 message quotes. */
export const TAGGABLE_RESOURCE_PATTERN = String.raw`arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)`;
const taggableResource = new RegExp(`^${TAGGABLE_RESOURCE_PATTERN}$`);
const mappingArn = /^arn:([^:]+):lambda:([^:]+):(\d{12}):event-source-mapping:([0-9a-fA-F-]{36})$/;

export class TagService {
  constructor(
    private readonly store: MappingStore,
    private readonly context: { region: string; accountId: string },
  ) {}

  async list(arn: string): Promise<Record<string, string>> {
    const uuid = await this.existingMapping(arn);
    return this.store.getTags(uuid);
  }

  async tag(arn: string, bodyText: string): Promise<void> {
    const uuid = await this.mappingUuid(arn);
    const { Tags = {} } = parseTagBody(bodyText);
    const items = tagConstraintItems(Tags);
    if (items.length > 0) throw validationError(items);
    checkTraceTag(Tags);
    if (!(await this.store.exists(uuid))) throw mappingNotFoundByArn(arn);
    const result = await this.store.addTags(uuid, Tags, MAX_TAGS);
    if (result === 'missing') throw mappingNotFoundByArn(arn);
    if (result === 'limit') throw invalidParameter('Number of tags exceeds resource tag limit.');
    // The running pollers follow the trace tag at once (supervisor/trace-switch.ts).
    if (Object.hasOwn(Tags, TRACE_TAG)) await this.store.notifyChanged(uuid);
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const uuid = await this.existingMapping(arn);
    await this.store.removeTags(uuid, keys);
    if (keys.includes(TRACE_TAG)) await this.store.notifyChanged(uuid);
  }

  private async existingMapping(arn: string): Promise<string> {
    const uuid = await this.mappingUuid(arn);
    if (!(await this.store.exists(uuid))) throw mappingNotFoundByArn(arn);
    return uuid;
  }

  /** V47 for anything that is not a taggable Lambda ARN, V48 for functions, V46 for foreign mappings (partition, region, account). */
  private async mappingUuid(arn: string): Promise<string> {
    if (!taggableResource.test(arn)) throw notATaggableResource(arn);
    const match = mappingArn.exec(arn);
    if (!match) throw new LambdaApiError('ResourceNotFoundException', `Function not found: ${arn}`);
    const [, partition, region, account, uuid] = match;
    if (partition !== 'aws' || region !== this.context.region || account !== this.context.accountId) throw mappingNotFoundByArn(arn);
    return uuid!.toLowerCase();
  }
}

/** V47 */
export const notATaggableResource = (arn: string) =>
  new LambdaApiError(
    'ValidationException',
    `1 validation error detected: Value '${arn}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAGGABLE_RESOURCE_PATTERN}`,
  );

/** V46 */
const mappingNotFoundByArn = (arn: string) => new LambdaApiError('ResourceNotFoundException', `Event source mapping not found: ${arn}`);
