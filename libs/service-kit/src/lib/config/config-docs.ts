import { z } from 'zod';

/** One environment variable as an operator reads about it: name, default, what it means. */
export interface ConfigVariableDoc {
  name: string;
  required: boolean;
  /** The default as it would be written in the environment; undefined when there is none. */
  default: string | undefined;
  /**
   * Words for a default that depends on the machine (cores, temp folder), from `.meta({ defaultDoc })`:
   * the table must read the same wherever it is generated.
   */
  defaultDoc?: string;
  /** From the schema's `.describe()`; undefined when the schema has none (a test insists on one). */
  description: string | undefined;
}

export interface ServiceConfigSchema {
  service: string;
  schema: z.ZodType;
}

type JsonSchemaProperty = { default?: unknown; description?: string; defaultDoc?: unknown };

/**
 * The variables a config schema reads, from the schema itself (its input side: what the environment
 * holds before coercion), so the README's table is generated, not kept in step by hand.
 */
export function configVariables(schema: z.ZodType): ConfigVariableDoc[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchemaProperty>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    required: required.has(name),
    default: property.default === undefined ? undefined : String(property.default),
    ...(typeof property.defaultDoc === 'string' ? { defaultDoc: property.defaultDoc } : {}),
    description: property.description,
  }));
}

/** A default as the table shows it. */
export function formatDefault(variable: Pick<ConfigVariableDoc, 'required' | 'default' | 'defaultDoc'>): string {
  if (variable.required) return '(required)';
  if (variable.defaultDoc !== undefined) return variable.defaultDoc;
  if (variable.default === undefined) return '—';
  if (variable.default === '') return '(none)';
  return /^\d+$/.test(variable.default) ? variable.default : `\`${variable.default}\``;
}

export interface ConfigTableRow {
  name: string;
  /** `all`, or the services that read it, comma-separated. */
  services: string;
  default: string;
  description: string;
}

/**
 * One row per variable, in the order the schemas declare them (shared ones first): which services read
 * it, its default (per service when they differ), its description.
 */
export function configTableRows(schemas: readonly ServiceConfigSchema[]): ConfigTableRow[] {
  const byName = new Map<string, { service: string; variable: ConfigVariableDoc }[]>();
  for (const { service, schema } of schemas) {
    for (const variable of configVariables(schema)) {
      const users = byName.get(variable.name) ?? [];
      users.push({ service, variable });
      byName.set(variable.name, users);
    }
  }
  return [...byName.entries()].map(([name, users]) => {
    const defaults = users.map(({ service, variable }) => ({ service, value: formatDefault(variable) }));
    const sameDefault = defaults.every((entry) => entry.value === defaults[0]?.value);
    return {
      name,
      services: users.length === schemas.length ? 'all' : users.map((user) => user.service).join(', '),
      default: sameDefault ? (defaults[0]?.value ?? '—') : defaults.map((entry) => `${entry.value} ${entry.service}`).join(', '),
      description: users.find((user) => user.variable.description)?.variable.description ?? '(undocumented: add `.describe()` to its schema)',
    };
  });
}

/** The markdown table, as `npm run docs:config` writes it into the README. */
export function renderConfigTable(schemas: readonly ServiceConfigSchema[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| variable | services | default | meaning |', '|---|---|---|---|'];
  for (const row of configTableRows(schemas)) lines.push(`| \`${row.name}\` | ${row.services} | ${cell(row.default)} | ${cell(row.description)} |`);
  return lines.join('\n');
}
