import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configVariables, formatDefault } from '@media/service-kit';
import type { z } from 'zod';
import { findRepoRoot } from './infra/repo-root';

const BEGIN = '<!-- config-table:begin';
const END = '<!-- config-table:end -->';

export interface ReadmeConfigRow {
  name: string;
  services: string[];
  /** The default cell; per service when it reads `3000 ingest-api, 3001 storage`. */
  defaults: string;
  description: string;
}

/** The rows of the README's generated configuration table. */
export function readmeConfigRows(readme: string = readFileSync(path.join(findRepoRoot(), 'README.md'), 'utf8')): ReadmeConfigRow[] {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error('README.md has no configuration table block (config-table:begin ... config-table:end)');
  return readme
    .slice(begin, end)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/\\\|/g, '|'));
      return { name: (cells[0] ?? '').replace(/`/g, ''), services: (cells[1] ?? '').split(',').map((s) => s.trim()), defaults: cells[2] ?? '', description: cells[3] ?? '' };
    });
}

/** This service's default out of a cell that may list one per service. */
function defaultFor(cell: string, service: string): string {
  const entries = cell.split(', ').map((entry) => /^(.*) ([a-z][a-z-]*)$/.exec(entry));
  if (entries.length > 1 && entries.every((match) => match !== null)) {
    return entries.find((match) => match?.[2] === service)?.[1] ?? '(not listed for this service)';
  }
  return cell;
}

/**
 * The README's configuration table says what this service's schema says: the same variables, defaults
 * and descriptions. The table is generated (`npm run docs:config`); this catches a schema changed
 * without regenerating it, and a variable without a `.describe()`.
 */
export function describeReadmeConfigTable(service: string, schema: z.ZodType): void {
  describe(`${service}: README's configuration table`, () => {
    const variables = configVariables(schema);

    it('has a description (`.describe()`) for every variable of the schema', () => {
      expect(variables.filter((variable) => !variable.description).map((variable) => variable.name)).toEqual([]);
    });

    it('lists exactly the variables of the schema, with their defaults and descriptions (else run `npm run docs:config`)', () => {
      const documented = readmeConfigRows()
        .filter((row) => row.services.includes('all') || row.services.includes(service))
        .map((row) => ({ name: row.name, default: defaultFor(row.defaults, service), description: row.description }));
      const expected = variables.map((variable) => ({ name: variable.name, default: formatDefault(variable), description: variable.description ?? '(undocumented: add `.describe()` to its schema)' }));
      expect(documented).toEqual(expected);
    });
  });
}
