/**
 * Mints a development token: `npm run token -- --tenant acme --scopes assets,assets_publish`.
 * Signs with JWT_HS256_SECRET, or with the secret `npm start` generated for the local suite.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isScope, mintHs256Token, SCOPES, type Scope } from '@media/scopes';
import { devSecretFile } from './dev-paths';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 'dev' },
    scopes: { type: 'string', default: SCOPES.join(',') },
    subject: { type: 'string' },
    ttl: { type: 'string', default: '86400' },
  },
});

const requested = (values.scopes ?? '').split(/[,\s]+/).filter(Boolean);
const unknown = requested.filter((scope) => !isScope(scope));
if (unknown.length > 0) {
  process.stderr.write(`unknown scope(s): ${unknown.join(', ')}; known: ${SCOPES.join(', ')}\n`);
  process.exit(2);
}

const secretFile = devSecretFile(path.resolve(__dirname, '../..'));
const secret = process.env['JWT_HS256_SECRET'] ?? (existsSync(secretFile) ? readFileSync(secretFile, 'utf8').trim() : undefined);
if (!secret) {
  process.stderr.write('no JWT_HS256_SECRET and no local suite secret: run `npm start` first or set JWT_HS256_SECRET\n');
  process.exit(2);
}

void mintHs256Token({
  secret,
  tenant: values.tenant ?? 'dev',
  scopes: requested as Scope[],
  subject: values.subject,
  ttlSeconds: Number(values.ttl),
}).then((token) => process.stdout.write(`${token}\n`));
