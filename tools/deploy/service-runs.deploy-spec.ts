import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Manifest, serviceRuns } from '../containers/service-runs';

/** `npm run images:up` runs each container as deploy/base describes its pod (rendered by validate.sh). */
describe('the containers driver reads deploy/base', () => {
  const manifests = JSON.parse(readFileSync(join(__dirname, '../../dist/deploy/base.json'), 'utf8')) as Manifest[];
  const local = { MONGODB_URI: 'mongodb://127.0.0.1:1/media', KAFKA_BROKERS: '127.0.0.1:2' };
  const runs = serviceRuns(manifests, { storage: local, fanout: local, encoder: local, 'ingest-api': { ...local, JWT_HS256_SECRET: 'x'.repeat(32) } });
  const run = (service: string) => runs.find((candidate) => candidate.service === service);

  it('starts storage first and the gateway last', () => {
    expect(runs.map((candidate) => candidate.service)).toEqual(['storage', 'fanout', 'encoder', 'ingest-api']);
  });

  it.each(['storage', 'fanout', 'encoder', 'ingest-api'])('%s: non-root, read-only root, no capabilities, /tmp writable', (service) => {
    expect(run(service)).toMatchObject({ user: '1000:1000', readOnly: true, noNewPrivileges: true, dropCapabilities: ['ALL'], tmpfs: ['/tmp'] });
  });

  it('takes the environment from ConfigMaps, Secrets and env, and only the given addresses change', () => {
    expect(run('encoder')?.env).toMatchObject({ NODE_ENV: 'production', ENCODER_WORKERS: '2', ENCODER_TMP_DIR: '/tmp', PORT: '3002', SHUTDOWN_DELAY_SECONDS: '5', ...local });
    expect(run('ingest-api')?.env).toMatchObject({ STORAGE_URL: 'http://storage:3001', JWT_HS256_SECRET: 'x'.repeat(32), PORT: '3000' });
    expect(run('storage')?.env['MONGODB_URI']).toBe(local.MONGODB_URI);
  });

  it('keeps each pod’s kill deadline', () => {
    expect(run('encoder')?.graceSeconds).toBe(50);
    expect(runs.every((candidate) => candidate.graceSeconds >= 30)).toBe(true);
  });
});
