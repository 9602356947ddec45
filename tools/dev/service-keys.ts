/**
 * Prints a fresh set of service keys as shell exports, one variable per service:
 *   eval "$(npm run --silent service-keys)" && docker compose up --build
 * For Kubernetes, put each value into the Secret named in deploy/base/kustomization.yaml. To rotate a
 * caller's key without downtime: add its new public key to the callees' trusted keys, roll the callees,
 * switch the caller to the new signing key, roll it, then drop the old public key.
 */
import { serviceIdentityEnv } from '@media/service-identity';

const identity = serviceIdentityEnv();
const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
const lines = [
  `export INGEST_API_SERVICE_SIGNING_KEY=${quote(identity['ingest-api']['SERVICE_SIGNING_KEY'] ?? '')}`,
  `export ENCODER_SERVICE_SIGNING_KEY=${quote(identity.encoder['SERVICE_SIGNING_KEY'] ?? '')}`,
  `export STORAGE_SERVICE_SIGNING_KEY=${quote(identity.storage['SERVICE_SIGNING_KEY'] ?? '')}`,
  `export INGEST_API_SERVICE_TRUSTED_KEYS=${quote(identity['ingest-api']['SERVICE_TRUSTED_KEYS'] ?? '')}`,
  `export STORAGE_SERVICE_TRUSTED_KEYS=${quote(identity.storage['SERVICE_TRUSTED_KEYS'] ?? '')}`,
  `export FANOUT_SERVICE_TRUSTED_KEYS=${quote(identity.fanout['SERVICE_TRUSTED_KEYS'] ?? '')}`,
  `export ENCODER_SERVICE_TRUSTED_KEYS=${quote(identity.encoder['SERVICE_TRUSTED_KEYS'] ?? '')}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
