/**
 * Writes the AsyncAPI document of the Kafka topics to docs/asyncapi.yaml (`npm run asyncapi`), the same
 * document ingest-api serves at /docs/asyncapi.yaml; a unit test fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildAsyncApiDocument } from '@media/asset-model';
import { dump } from 'js-yaml';

const target = path.join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');
const header = '# Generated from libs/asset-model by `npm run asyncapi`; do not edit by hand.\n';
writeFileSync(target, header + dump(buildAsyncApiDocument(), { noRefs: true, lineWidth: 120 }));
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
