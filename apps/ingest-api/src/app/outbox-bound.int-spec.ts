import { randomUUID } from 'node:crypto';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { bootService, gatewayIntegrationEnv, INTEGRATION_JWT_SECRET, type RunningService } from '@media/testing';
import { mongo } from 'mongoose';
import { AppModule } from './app.module';
import { loadIngestApiConfig } from './ingest-api.config';


/**
 * With Kafka away the outbox cannot drain: the bound on pending events per asset must refuse changes with
 * a problem instead of growing the document without end, and keep every change it accepted.
 */
describe('ingest-api: pending events per asset are bounded', () => {
  const env = gatewayIntegrationEnv('ingest-outbox-bound', {
    // Nothing listens there: the relay never publishes, so every event stays pending.
    KAFKA_BROKERS: '127.0.0.1:9',
    OUTBOX_MAX_PENDING_EVENTS: '4',
  });
  let running: RunningService;
  let client: mongo.MongoClient;
  let token = '';

  beforeAll(async () => {
    running = await bootService(AppModule.register(loadIngestApiConfig(env)));
    client = await new mongo.MongoClient(env['MONGODB_URI'] ?? '').connect();
    token = await mintHs256Token({ secret: INTEGRATION_JWT_SECRET, tenant: `t-${randomUUID()}`, scopes: SCOPES, subject: 'int-spec' });
  });

  afterAll(async () => {
    await running?.close();
    await client?.close();
  });

  const call = (method: string, path: string, body: unknown) =>
    fetch(`${running.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses the change that would exceed the bound with a 429 problem and appends nothing', async () => {
    const started = await call('POST', '/assets', { upload_phase: 'start', file_size: 10, name: 'bounded' });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const assets = client.db().collection<{ _id: string; pending_events: unknown[]; name: string }>('assets');
    const pending = async () => (await assets.findOne({ _id: id }))?.pending_events.length ?? -1;
    const initial = await pending();
    expect(initial).toBeGreaterThan(0);

    let accepted = 0;
    for (let change = 0; change < 4 - initial; change += 1) {
      const answer = await call('PUT', `/assets/${id}`, { name: `name ${change}` });
      expect(answer.status).toBe(200);
      accepted += 1;
    }
    expect(await pending()).toBe(4);

    const refused = await call('PUT', `/assets/${id}`, { name: 'one too many' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ code: 'pending_events_limit', limit: 4 });
    // Nothing of the refused change was kept; the accepted ones all were.
    expect(await pending()).toBe(4);
    expect((await assets.findOne({ _id: id }))?.name).toBe(`name ${accepted - 1}`);
  }, 60_000);
});
