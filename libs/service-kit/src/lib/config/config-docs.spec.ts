import { z } from 'zod';
import { configTableRows, configVariables, renderConfigTable } from './config-docs';

const a = z.object({
  PORT: z.coerce.number().default(3000).describe('HTTP port'),
  URL: z.url().describe('where | to go'),
  LIST: z.string().default('').transform((value) => value.split(',')).describe('a list'),
  SECRET: z.string().optional(),
  WORKERS: z.coerce.number().default(7).meta({ description: 'jobs at once', defaultDoc: 'one per CPU core' }),
});
const b = z.object({ PORT: z.coerce.number().default(3001).describe('HTTP port'), ONLY_B: z.string().default('x').describe('b only') });

describe('configuration docs from zod schemas', () => {
  it('reads names, required, defaults as written in the environment, and descriptions', () => {
    expect(configVariables(a)).toEqual([
      { name: 'PORT', required: false, default: '3000', description: 'HTTP port' },
      { name: 'URL', required: true, default: undefined, description: 'where | to go' },
      { name: 'LIST', required: false, default: '', description: 'a list' },
      { name: 'SECRET', required: false, default: undefined, description: undefined },
      { name: 'WORKERS', required: false, default: '7', defaultDoc: 'one per CPU core', description: 'jobs at once' },
    ]);
  });

  it('merges services into one row per variable, with per-service defaults when they differ', () => {
    const rows = configTableRows([
      { service: 'a', schema: a },
      { service: 'b', schema: b },
    ]);
    expect(rows.map((row) => [row.name, row.services, row.default])).toEqual([
      ['PORT', 'all', '3000 a, 3001 b'],
      ['URL', 'a', '(required)'],
      ['LIST', 'a', '(none)'],
      ['SECRET', 'a', '—'],
      ['WORKERS', 'a', 'one per CPU core'],
      ['ONLY_B', 'b', '`x`'],
    ]);
    expect(renderConfigTable([{ service: 'a', schema: a }])).toContain('| `URL` | all | (required) | where \\| to go |');
  });
});
