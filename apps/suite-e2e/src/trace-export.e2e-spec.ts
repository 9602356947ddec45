import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { e2eContext, findRepoRoot, freePort, identityEnv, launchService, serviceAuthorization, waitFor } from '@media/testing';
import type { ChildProcess } from 'node:child_process';

const context = e2eContext();

/**
 * Spans leave the process over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: a storage replica
 * (same database and broker as the shared suite) is pointed at a collector stand-in, serves one traced
 * request, and the collector receives that trace's spans under the service's name.
 */
describe('trace export over OTLP', () => {
  let collector: Server;
  let endpoint: string;
  const exported: { path: string; body: string }[] = [];
  let replica: ChildProcess | undefined;

  beforeAll(async () => {
    collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        exported.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    replica?.kill('SIGTERM');
    await new Promise<void>((resolve) => collector?.close(() => resolve()));
  });

  it('exports the spans of a request, with the caller’s trace id and the service name', async () => {
    const port = await freePort();
    replica = launchService(findRepoRoot(), 'storage', {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      MONGODB_URI: context.databaseUri,
      KAFKA_BROKERS: context.kafkaBrokers,
      INGEST_API_URL: context.gateway,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      // The SDK's batch processor waits up to 5 s by default; a test does not need to.
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...identityEnv('storage', context.identity),
    }, 'inherit');
    const url = `http://127.0.0.1:${port}`;
    await waitFor('the storage replica', async () => (await fetch(`${url}/health/live`)).ok, { timeoutMs: 60_000 });

    const traceId = randomBytes(16).toString('hex');
    // Called as the gateway calls storage: with its service token and the tenant.
    const authorization = await serviceAuthorization('ingest-api', 'storage', context.identity);
    const response = await fetch(`${url}/files/${randomBytes(12).toString('hex')}`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, authorization, 'x-tenant': 'acme' },
    });
    expect(response.status).toBe(404);
    await response.arrayBuffer();

    // OTLP/JSON spells trace ids in hex; other encodings in base64.
    const carries = (body: string) => body.includes(traceId) || body.includes(Buffer.from(traceId, 'hex').toString('base64'));
    await waitFor('the trace at the collector', async () => exported.some((request) => carries(request.body)), { timeoutMs: 30_000 });
    const batch = exported.find((request) => carries(request.body));
    expect(batch?.path).toBe('/v1/traces');
    expect(batch?.body).toContain('storage');
  });
});
