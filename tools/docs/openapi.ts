/**
 * Writes the gateway's OpenAPI document to docs/openapi.json (`npm run openapi`), the same document it
 * serves at /docs/openapi.json; a unit test fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from '../../apps/ingest-api/src/app/docs/openapi.document';

const target = path.join(__dirname, '..', '..', 'docs', 'openapi.json');
writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
