/**
 * The control plane's operations on mappings: validation in the order of api.md §10,
 * state transitions (§6), and the store. The API turns HTTP into calls here; nothing
 * here knows HTTP.
 */
import { checkTraceTag } from './invocation-trace.js';
import { randomUUID } from 'node:crypto';
import type { FunctionRegistry, ResolvedFunction } from '../functions/index.js';
import { resolveFunctionArn, unqualifiedFunctionArn, FUNCTION_NAME_PATTERN, matchesFunctionNamePattern } from '../functions/index.js';
import { invalidParameter, mappingInUse, mappingNotFound, validationError, LambdaApiError } from './errors.js';
import type { EventSource } from './event-source-arn.js';
import { requireQueue, requireStream, type SourceChecks } from './source-checks.js';
import type { AllowedResources } from './allowed-resources.js';
import { checkLambdaRules } from './lambda-rules.js';
import { decodeMarker, encodeMarker } from './list-marker.js';
import { createOnlyFields, normaliseSettings, toConfiguration, type MappingSettings, type StoredMapping } from './model.js';
import { constraintItem, maxItemsConstraintItems, modelConstraintItems, MAX_TAGS } from './model-constraints.js';
import { parseMappingBody, parseMappingUpdateBody } from './request-body.js';
import { canDelete, stateAfterCreate, stateAfterUpdate } from './states.js';
import { orderMember, type MappingStore, type VersionedMapping } from './store.js';

export interface MappingServiceOptions {
  region: string;
  accountId: string;
  maxFiltersPerMapping: number;
  store: MappingStore;
  functions: FunctionRegistry;
  sources: SourceChecks;
  /** `sources.allow` / `destinations.allow`; absent: everything allowed. */
  allowed?: AllowedResources;
  /**
   * Pins where LATEST is for a new stream mapping (streams.md §3: records written between
   * Create and the first poll are delivered); `undefined` removes a pin.
   */
  /**
   * Pins where a new stream mapping starts (streams.md §3): LATEST positions, or for
   * AT_TIMESTAMP the shards that exist at creation (later ones start at TRIM_HORIZON).
   */
  latestPins?: { pin(uuid: string, eventSourceArn: string, startingPosition: 'LATEST' | 'AT_TIMESTAMP'): Promise<void>; remove(uuid: string): Promise<void> };
  now?: () => number;
}

export interface ListQuery {
  EventSourceArn?: string;
  FunctionName?: string;
  Marker?: string;
  MaxItems?: string;
}

/** Pages hold at most 100 mappings whatever MaxItems says (api.md §2.1). */
const PAGE_LIMIT = 100;
/** Attempts of an optimistic update before giving up on a very busy mapping. */
const MAX_CAS_ATTEMPTS = 20;
const uuidFormat = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The members a request may set, in the order of api.md §3. Unknown members are ignored (chosen). */
const settingKeys = [
  'FunctionName', 'EventSourceArn', 'Enabled', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'StartingPosition',
  'StartingPositionTimestamp', 'ParallelizationFactor', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError', 'TumblingWindowInSeconds', 'DestinationConfig', 'FunctionResponseTypes', 'FilterCriteria',
  'ScalingConfig', 'ProvisionedPollerConfig', 'KMSKeyArn', 'MetricsConfig', 'Tags', 'Topics', 'Queues',
  'SourceAccessConfigurations', 'SelfManagedEventSource', 'SelfManagedKafkaEventSourceConfig',
  'AmazonManagedKafkaEventSourceConfig', 'DocumentDBEventSourceConfig', 'LoggingConfig',
] as const satisfies readonly (keyof MappingSettings)[];

function knownSettings(body: MappingSettings): MappingSettings {
  const out: Record<string, unknown> = {};
  for (const key of settingKeys) if (body[key] !== undefined) out[key] = body[key];
  return out;
}

export class MappingService {
  private readonly now: () => number;

  constructor(private readonly options: MappingServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  private get store() {
    return this.options.store;
  }

  async get(uuid: string): Promise<Record<string, unknown>> {
    return toConfiguration((await this.load(uuid)).mapping);
  }

  /** CreateEventSourceMapping. */
  async create(bodyText: string): Promise<Record<string, unknown>> {
    const { settings, source, fn } = await this.checkCreate(bodyText);

    const uuid = randomUUID();
    const nowMs = this.now();
    const mapping: StoredMapping = {
      UUID: uuid,
      EventSourceMappingArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:event-source-mapping:${uuid}`,
      EventSourceArn: source.arn,
      FunctionArn: fn.functionArn,
      sourceType: source.type,
      fifo: source.fifo ?? false,
      State: stateAfterCreate(settings.Enabled ?? true),
      generation: 1,
      enabled: settings.Enabled ?? true,
      LastModified: nowMs / 1000,
      createdAt: nowMs,
      // SQS mappings have no LastProcessingResult until their first attempt (api.md §6.2).
      ...(source.type === 'sqs' ? {} : { LastProcessingResult: 'No records processed' }),
      settings: normaliseSettings(settings),
    };
    const startingPosition = settings.StartingPosition;
    const pinned = source.type !== 'sqs' && (startingPosition === 'LATEST' || startingPosition === 'AT_TIMESTAMP') && this.options.latestPins !== undefined;
    if (pinned) await this.options.latestPins!.pin(uuid, source.arn, startingPosition);
    const created = await this.store.create(mapping, settings.Tags ?? {});
    if (!created.ok) {
      if (pinned) await this.options.latestPins!.remove(uuid).catch(() => undefined);
      throw duplicateMapping(source, settings.FunctionName!, created.holder);
    }
    return toConfiguration(mapping);
  }

  /**
   * Every check of a Create, writing nothing (the event source is read, never changed):
   * also how declared mappings are checked before a process joins the others.
   */
  async checkCreate(bodyText: string): Promise<{ settings: MappingSettings; source: EventSource; fn: ResolvedFunction }> {
    const body = parseMappingBody(bodyText);
    this.checkModel(body, true);
    const settings = knownSettings(body);
    const source = this.checkRules(settings, 'create');
    // Allow lists after Lambda's own rules (V17–V37) and before the function (V38), so a
    // refused ARN is refused whatever the function is (chosen).
    this.options.allowed?.checkSource(source.arn);
    this.options.allowed?.checkDestination(settings.DestinationConfig?.OnFailure?.Destination);
    const fn = this.resolveFunction(settings.FunctionName!);
    await this.checkSource(source, fn, 'create');
    return { settings, source, fn };
  }

  /** UpdateEventSourceMapping. */
  async update(uuid: string, bodyText: string): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.load(uuid);
      const body = parseMappingUpdateBody(bodyText);
      this.checkModel(body, false);
      const changes = knownSettings(body);
      for (const key of createOnlyFields) delete changes[key];
      const stored = current.mapping;
      const merged: MappingSettings = { ...stored.settings, ...changes, EventSourceArn: stored.EventSourceArn };
      const source = this.checkRules(merged, 'update');
      // Decision: an Update checks the destination only when its body sets one, and never
      // the source (fixed at create). A mapping created before a list was narrowed can
      // then still be disabled, retuned or deleted; pointing it somewhere new cannot
      // escape the list. Such mappings are listed by a start-up warning (app.ts).
      if (changes.DestinationConfig !== undefined) this.options.allowed?.checkDestination(merged.DestinationConfig?.OnFailure?.Destination);

      let functionArn = stored.FunctionArn;
      if (changes.FunctionName !== undefined) {
        const fn = this.resolveFunction(changes.FunctionName);
        await this.checkSource(source, fn, 'update');
        functionArn = fn.functionArn;
      }
      if (functionArn !== stored.FunctionArn) {
        const holder = await this.store.findPair(stored.EventSourceArn, functionArn);
        if (holder !== undefined && holder !== uuid) throw duplicateMapping(source, changes.FunctionName!, holder);
      }
      const state = stateAfterUpdate(stored.State, changes.Enabled);
      if (state === undefined) throw mappingInUse('update');

      const { Enabled, ...mergedSettings } = merged;
      const next: StoredMapping = {
        ...stored,
        FunctionArn: functionArn,
        State: state,
        generation: stored.generation + 1,
        enabled: Enabled ?? stored.enabled,
        LastModified: this.now() / 1000,
        settings: normaliseSettings(mergedSettings),
      };
      const result = await this.store.replace(current, next);
      if (result.ok) return toConfiguration(next);
      if (result.reason === 'missing') throw mappingNotFound();
      if (result.reason === 'conflict') throw duplicateMapping(source, changes.FunctionName ?? stored.FunctionArn, result.holder);
    }
    throw mappingInUse('update');
  }

  /** DeleteEventSourceMapping: the mapping goes to Deleting; the supervisor removes it. */
  async delete(uuid: string): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.load(uuid);
      const stored = current.mapping;
      if (stored.State === 'Deleting') return toConfiguration(stored);
      if (!canDelete(stored.State)) throw mappingInUse('delete');
      const next: StoredMapping = { ...stored, State: 'Deleting', generation: stored.generation + 1, LastModified: this.now() / 1000 };
      const result = await this.store.replace(current, next);
      if (result.ok) return toConfiguration(next);
      if (result.reason === 'missing') throw mappingNotFound();
    }
    throw mappingInUse('delete');
  }

  /** ListEventSourceMappings (api.md §2.1). */
  async list(query: ListQuery): Promise<{ EventSourceMappings: Record<string, unknown>[]; NextMarker?: string }> {
    const maxItems = query.MaxItems === undefined ? undefined : parseMaxItems(query.MaxItems);
    const items = maxItemsConstraintItems(maxItems);
    if (query.FunctionName !== undefined && !matchesFunctionNamePattern(query.FunctionName)) {
      items.push(constraintItem(query.FunctionName, 'functionName', `Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN}`));
    }
    if (items.length > 0) throw validationError(items);
    let after: string | undefined;
    if (query.Marker !== undefined) {
      after = decodeMarker(query.Marker);
      if (after === undefined) throw invalidParameter('Invalid Marker provided.');
    }
    const matches = this.listFilter(query);
    const pageSize = Math.min(maxItems ?? PAGE_LIMIT, PAGE_LIMIT);
    const page: StoredMapping[] = [];
    let hasMore = false;
    while (!hasMore) {
      const members = await this.store.orderPage(after, 200);
      if (members.length === 0) break;
      after = members[members.length - 1];
      for (const mapping of await this.store.getMany(members)) {
        if (!matches(mapping)) continue;
        if (page.length === pageSize) {
          hasMore = true;
          break;
        }
        page.push(mapping);
      }
    }
    const last = page[page.length - 1];
    return {
      EventSourceMappings: page.map(toConfiguration),
      ...(hasMore && last ? { NextMarker: encodeMarker(orderMember(last)) } : {}),
    };
  }

  /** Loads a mapping or fails with V1 (malformed ids included). */
  async load(uuid: string): Promise<VersionedMapping> {
    const found = uuidFormat.test(uuid) ? await this.store.get(uuid) : undefined;
    if (!found) throw mappingNotFound();
    return found;
  }

  private listFilter(query: ListQuery): (mapping: StoredMapping) => boolean {
    const sourceArn = query.EventSourceArn;
    let functionMatches: (arn: string) => boolean = () => true;
    if (query.FunctionName !== undefined) {
      const resolved = resolveFunctionArn(this.options, query.FunctionName);
      if (!resolved) return () => false; // a foreign region or account matches nothing
      // Qualified: exact; unqualified: the function and any of its qualifiers (chosen).
      functionMatches =
        resolved.parts.qualifier !== undefined ? (arn) => arn === resolved.arn : (arn) => unqualifiedFunctionArn(arn) === resolved.arn;
    }
    return (mapping) => (sourceArn === undefined || mapping.EventSourceArn === sourceArn) && functionMatches(mapping.FunctionArn);
  }

  private checkModel(body: MappingSettings, isCreate: boolean): void {
    const items = modelConstraintItems(body, isCreate);
    if (items.length > 0) throw validationError(items);
    // Tag count on create; placed right after the model constraints (chosen).
    if (isCreate && body.Tags && Object.keys(body.Tags).length > MAX_TAGS) {
      throw invalidParameter('Number of tags exceeds resource tag limit.');
    }
    if (isCreate) checkTraceTag(body.Tags);
  }

  private checkRules(merged: MappingSettings, operation: 'create' | 'update'): EventSource {
    return checkLambdaRules(merged, {
      operation,
      maxFilters: this.options.maxFiltersPerMapping,
      nowSeconds: this.now() / 1000,
    });
  }

  /** V38 */
  private resolveFunction(functionName: string): ResolvedFunction {
    const fn = this.options.functions.resolve(functionName);
    if (!fn) throw invalidParameter('Function does not exist');
    return fn;
  }

  /** V39 / V40 on create, V41 whenever the function is (re)named. */
  private async checkSource(source: EventSource, fn: ResolvedFunction, operation: 'create' | 'update'): Promise<void> {
    if (source.type !== 'sqs') {
      if (operation === 'create') await requireStream(this.options.sources, source);
      return;
    }
    let facts;
    try {
      facts = await requireQueue(this.options.sources, source);
    } catch (error) {
      // Source existence is not re-checked on update (chosen, api.md §3.1): without the
      // queue there is no visibility timeout to compare.
      if (operation === 'update' && error instanceof LambdaApiError && error.type === 'InvalidParameterValueException') return;
      throw error;
    }
    if (facts.visibilityTimeoutSeconds < fn.config.timeout) {
      throw invalidParameter(
        `Queue visibility timeout: ${facts.visibilityTimeoutSeconds} seconds is less than Function timeout: ${fn.config.timeout} seconds`,
      );
    }
  }
}

/** MaxItems from the query string; a non-integer counts as below the minimum (chosen). */
function parseMaxItems(raw: string): number {
  return /^-?\d+$/.test(raw) ? Number(raw) : 0;
}

/** V42 / V43 */
function duplicateMapping(source: EventSource, functionNameAsSent: string, holder: string): LambdaApiError {
  const message =
    source.type === 'sqs'
      ? `An event source mapping with SQS arn (" ${source.arn} ") and function (" ${functionNameAsSent} ") already exists. Please update or delete the existing mapping with UUID ${holder}`
      : `The event source arn (" ${source.arn} ") and function (" ${functionNameAsSent} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${holder}`;
  return new LambdaApiError('ResourceConflictException', message);
}

/**
 * Declarative mappings from the config file (issue: "applied idempotently at start,
 * matched by EventSourceArn + FunctionName"): created when missing, updated when a
 * setting differs, left alone otherwise. Returns what was done.
 */
export async function applyDeclaredMapping(
  service: MappingService,
  store: MappingStore,
  functions: FunctionRegistry,
  body: Record<string, unknown>,
): Promise<{ action: 'created' | 'updated' | 'unchanged'; uuid: string }> {
  const functionName = typeof body.FunctionName === 'string' ? body.FunctionName : undefined;
  const sourceArn = typeof body.EventSourceArn === 'string' ? body.EventSourceArn : undefined;
  const functionArn = functionName === undefined ? undefined : functions.resolve(functionName)?.functionArn;
  const existing = sourceArn && functionArn ? await store.findPair(sourceArn, functionArn) : undefined;
  if (existing === undefined) {
    try {
      const created = await service.create(JSON.stringify(body));
      return { action: 'created', uuid: created.UUID as string };
    } catch (error) {
      // Another process applied the same declaration first: fall through to compare.
      const raced = error instanceof LambdaApiError && error.type === 'ResourceConflictException';
      if (!raced || !sourceArn || !functionArn) throw error;
      return applyDeclaredMapping(service, store, functions, body);
    }
  }
  const { mapping } = await service.load(existing);
  const wanted = knownSettings(body);
  for (const key of createOnlyFields) delete wanted[key];
  const { Enabled, ...wantedSettings } = wanted;
  const same =
    (Enabled === undefined || Enabled === mapping.enabled) &&
    JSON.stringify(sortKeys(normaliseSettings({ ...mapping.settings, ...wantedSettings }))) === JSON.stringify(sortKeys(mapping.settings));
  if (same) return { action: 'unchanged', uuid: existing };
  await service.update(existing, JSON.stringify(wanted));
  return { action: 'updated', uuid: existing };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
}
