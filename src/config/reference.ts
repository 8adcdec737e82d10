/**
 * The configuration reference, derived from the schema and the environment table, so the
 * README's table cannot drift from what Sluice accepts.
 *
 * The schema is read through zod 4's own JSON Schema export (`z.toJSONSchema`), a public
 * and documented format, rather than zod's internal `def` objects, which change between
 * minor versions. The input side (`io: 'input'`) is what a config file may say: defaults
 * are shown and optional keys are not required.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';
import { environmentOverrides } from './environment.js';

export interface ReferenceRow {
  key: string;
  type: string;
  default: string;
  env: string;
  description: string;
}

/** The part of JSON Schema (draft 2020-12) that zod emits for Sluice's config schema. */
interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

/** The config schema as JSON Schema (input side: what a config file may contain). */
export function configJsonSchema(): JsonSchema {
  return z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchema;
}

/** A record (`z.record`) is an object whose keys are free: its value schema is additionalProperties. */
function recordValue(schema: JsonSchema): JsonSchema | undefined {
  if (schema.properties !== undefined) return undefined;
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

function typeName(schema: JsonSchema): string {
  if (schema.enum !== undefined) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (schema.type === 'string' && schema.format === 'uri') return 'URL';
  // Every number in the config is a count, a port or milliseconds; `number` would not say
  // more to a reader of the table, and the schema refuses fractions where it matters.
  if (schema.type === 'integer' || schema.type === 'number') return 'integer';
  if (schema.type === 'object') return 'map';
  if (schema.type === 'array') return 'list';
  return schema.type ?? 'any';
}

/** Nested objects and lists show no default: the keys inside them carry their own. */
function defaultCell(schema: JsonSchema): string {
  const value = schema.default;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return `\`${String(value)}\``;
  return '';
}

function rows(schema: JsonSchema, prefix: string, out: ReferenceRow[]): void {
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (field.type === 'object' && field.properties !== undefined) {
      rows(field, key, out);
      continue;
    }
    out.push({
      key,
      type: typeName(field),
      default: defaultCell(field),
      env: environmentOverrides
        .filter((o) => o.key === key)
        .map((o) => `\`${o.env}\``)
        .join(', '),
      description: field.description ?? '',
    });
    const value = recordValue(field);
    if (value?.properties !== undefined) rows(value, `${key}.<name>`, out);
  }
}

export function configReferenceRows(): ReferenceRow[] {
  const out: ReferenceRow[] = [];
  rows(configJsonSchema(), '', out);
  return out;
}

/** The reference as a Markdown table. */
export function configReferenceMarkdown(): string {
  const lines = ['| Key | Type | Default | Environment | Description |', '| --- | --- | --- | --- | --- |'];
  for (const row of configReferenceRows()) {
    lines.push(`| \`${row.key}\` | ${row.type} | ${row.default} | ${row.env} | ${row.description} |`);
  }
  return lines.join('\n');
}
