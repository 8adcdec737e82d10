/**
 * The configuration reference, derived from the schema and the environment table, so the
 * README's table cannot drift from what Sluice accepts.
 */
import type { z } from 'zod';
import { configSchema } from './schema.js';
import { environmentOverrides } from './environment.js';

export interface ReferenceRow {
  key: string;
  type: string;
  default: string;
  env: string;
  description: string;
}

interface Def {
  type: string;
  innerType?: Schema;
  defaultValue?: unknown;
  shape?: Record<string, Schema>;
  valueType?: Schema;
  element?: Schema;
  format?: string;
  entries?: Record<string, string>;
}
type Schema = z.ZodType & { def: Def; description?: string; shape?: Record<string, Schema>; options?: string[] };

/** Strips optional / default wrappers, keeping the first description and default seen. */
function unwrap(schema: Schema): { inner: Schema; description?: string; defaultValue?: unknown; hasDefault: boolean } {
  let node = schema;
  let description = schema.description;
  let defaultValue: unknown;
  let hasDefault = false;
  while (['optional', 'default', 'prefault', 'nullable'].includes(node.def.type)) {
    if (node.def.type === 'default' && !hasDefault) {
      hasDefault = true;
      defaultValue = node.def.defaultValue;
    }
    node = node.def.innerType!;
    description ??= node.description;
  }
  return { inner: node, description, defaultValue, hasDefault };
}

function typeName(schema: Schema): string {
  const def = schema.def;
  if (def.type === 'enum') return Object.values(def.entries ?? {}).map((v) => `\`${v}\``).join(' \\| ');
  if (def.type === 'string' && def.format === 'url') return 'URL';
  if (def.type === 'number') return 'integer';
  if (def.type === 'record') return 'map';
  if (def.type === 'array') return 'list';
  return def.type;
}

function rows(schema: Schema, prefix: string, out: ReferenceRow[]): void {
  for (const [name, field] of Object.entries(schema.shape ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    const { inner, description, defaultValue, hasDefault } = unwrap(field);
    if (inner.def.type === 'object') {
      rows(inner, key, out);
      continue;
    }
    const showDefault = hasDefault && !(typeof defaultValue === 'object' && defaultValue !== null);
    out.push({
      key,
      type: typeName(inner),
      default: showDefault ? `\`${String(defaultValue)}\`` : '',
      env: environmentOverrides
        .filter((o) => o.key === key)
        .map((o) => `\`${o.env}\``)
        .join(', '),
      description: description ?? '',
    });
    if (inner.def.type === 'record' && inner.def.valueType) {
      const value = unwrap(inner.def.valueType).inner;
      if (value.def.type === 'object') rows(value, `${key}.<name>`, out);
    }
  }
}

export function configReferenceRows(): ReferenceRow[] {
  const out: ReferenceRow[] = [];
  rows(configSchema as unknown as Schema, '', out);
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
