/**
 * The config file's declared mappings: checked before the process joins the others,
 * applied once it runs, and applied again when Redis lost the store.
 */
import type { FunctionRegistry } from '../functions/index.js';
import type { Logger } from '../observability/logger.js';
import { LambdaApiError } from './errors.js';
import { applyDeclaredMapping, type MappingService } from './mapping-service.js';
import type { MappingStore } from './store.js';

export interface DeclaredMappings {
  bodies: Record<string, unknown>[];
  service: MappingService;
  store: MappingStore;
  functions: FunctionRegistry;
  logger: Logger;
}

/** A declared mapping that cannot be applied, named by its place in the config. */
export class DeclaredMappingError extends Error {
  override name = 'DeclaredMappingError';
}

function declaredMappingError(index: number, body: Record<string, unknown>, error: unknown): DeclaredMappingError {
  const detail = error instanceof LambdaApiError ? `${error.type}: ${error.message}` : (error as Error).message;
  return new DeclaredMappingError(`mappings[${index}] (${String(body.EventSourceArn)} -> ${String(body.FunctionName)}): ${detail}`);
}

/** Runs every check a Create runs, writing nothing; the first failure names its mapping. */
export async function checkDeclaredMappings({ bodies, service }: DeclaredMappings): Promise<void> {
  for (const [index, body] of bodies.entries()) {
    try {
      await service.checkCreate(JSON.stringify(body));
    } catch (error) {
      throw declaredMappingError(index, body, error);
    }
  }
}

/** Creates the missing declared mappings and updates those that differ; the first failure names its mapping. */
export async function applyDeclaredMappings({ bodies, service, store, functions, logger }: DeclaredMappings): Promise<void> {
  for (const [index, body] of bodies.entries()) {
    // A mapping still settling from a previous change answers ResourceInUse: wait for it.
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await applyDeclaredMapping(service, store, functions, body);
        logger.info({ mappingId: result.uuid, action: result.action }, 'declared mapping applied');
        break;
      } catch (error) {
        if (error instanceof LambdaApiError && error.type === 'ResourceInUseException' && attempt < 30) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        throw declaredMappingError(index, body, error);
      }
    }
  }
}
