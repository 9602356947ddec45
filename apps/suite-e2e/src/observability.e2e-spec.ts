import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { e2eContext, findRepoRoot, fixtureDir, makePhoto, multipartBody, SERVICES, type ServiceName, tokenFor } from '@media/testing';

const context = e2eContext();
const logsDir = path.join(findRepoRoot(), 'reports', 'e2e-logs');

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The JSON log lines of one service (the e2e setup writes each service's output to its own file). */
async function logLines(service: ServiceName): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(logsDir, `${service}.log`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const serviceUrl = (service: ServiceName): string =>
  ({ 'ingest-api': context.gateway, storage: context.storage, fanout: context.fanout, encoder: process.env['E2E_ENCODER_URL'] ?? '' })[service];

async function metricsOf(service: ServiceName): Promise<string> {
  const response = await fetch(`${serviceUrl(service)}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one sample (`name{labels} value`) whose labels include all of `labels`; 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * Issue 6's "done when": one upload's trace id is found in the logs of all four services, and every
 * service's /metrics shows what operators need after an upload.
 */
describe('observability', () => {
  let server: Server;
  let receiver: string;
  let token: string;
  const tenant = `observe-${randomUUID().slice(0, 8)}`;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    token = await tokenFor(tenant);
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const registered = await fetch(`${context.gateway}/webhooks`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiver, events: ['*'] }),
    });
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it('follows one upload by its trace id through the logs of ingest-api, storage, encoder and fanout', async () => {
    const dir = await fixtureDir();
    const photo = await readFile(await makePhoto(dir));
    const { body, contentType } = multipartBody([{ name: 'source', value: photo, filename: 'traced.jpg' }]);
    const callerTrace = randomBytes(16).toString('hex');
    const response = await fetch(`${context.gateway}/assets`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': contentType, traceparent: `00-${callerTrace}-${randomBytes(8).toString('hex')}-01` },
      body,
    });
    expect(response.status).toBe(201);
    // W3C Trace Context Level 2: the answer names the trace the request became (the caller's own).
    const traceResponse = response.headers.get('traceresponse') ?? '';
    expect(traceResponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const traceId = traceResponse.split('-')[1];
    expect(traceId).toBe(callerTrace);

    for (const service of SERVICES) {
      await until(`a log line of ${service} with trace ${traceId}`, async () => (await logLines(service)).some((line) => line['trace_id'] === traceId));
    }
    // The lines are structured JSON with the service's name and, for HTTP, the request id.
    const ingest = (await logLines('ingest-api')).filter((line) => line['trace_id'] === traceId);
    expect(ingest.some((line) => line['name'] === 'ingest-api' && typeof (line['req'] as { id?: unknown } | undefined)?.id === 'string')).toBe(true);
  });

  it('shows latency, bytes, chunks, consumer lag and handler time, processing and delivery outcomes on /metrics', async () => {
    // A resumable upload with one refused chunk (wrong offset) and two committed ones.
    const start = await fetch(`${context.gateway}/assets`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: 20 }),
    });
    const { id } = (await start.json()) as { id: string };
    const transfer = async (bytes: Buffer, offset: number) => {
      const form = multipartBody([
        { name: 'upload_phase', value: 'transfer' },
        { name: 'start_offset', value: String(offset) },
        { name: 'file_chunk', value: bytes, filename: 'chunk.bin' },
      ]);
      const answer = await fetch(`${context.gateway}/assets/${id}/multipart`, { method: 'POST', headers: { ...auth(), 'Content-Type': form.contentType }, body: form.body });
      await answer.arrayBuffer();
      return answer.status;
    };
    expect(await transfer(Buffer.alloc(10, 1), 0)).toBe(200);
    expect(await transfer(Buffer.alloc(10, 2), 5)).toBe(409);
    expect(await transfer(Buffer.alloc(10, 3), 10)).toBe(200);

    const ingest = await metricsOf('ingest-api');
    expect(sample(ingest, 'http_request_duration_seconds_count', { route: '/assets', method: 'POST' })).toBeGreaterThan(0);
    expect(sample(ingest, 'http_request_duration_seconds_bucket', { route: '/assets/:id/multipart', status: '409' })).toBeGreaterThan(0);
    expect(sample(ingest, 'ingest_bytes_ingested_total', { path: 'one_request' })).toBeGreaterThan(0);
    expect(sample(ingest, 'ingest_bytes_ingested_total', { path: 'chunk' })).toBeGreaterThanOrEqual(20);
    expect(sample(ingest, 'ingest_chunks_total', { outcome: 'committed' })).toBeGreaterThanOrEqual(2);
    expect(sample(ingest, 'ingest_chunks_total', { outcome: 'rejected', reason: 'offset_mismatch' })).toBeGreaterThanOrEqual(1);

    // Every consumer reports its lag and handler durations.
    for (const service of ['storage', 'encoder', 'fanout'] as const) {
      await until(`${service}'s consumer metrics`, async () => {
        const metrics = await metricsOf(service);
        return metrics.includes('kafka_consumer_lag{') && sample(metrics, 'kafka_consumer_handler_duration_seconds_count', { outcome: 'ok' }) > 0;
      });
    }
    await until('a processing outcome on the encoder', async () => sample(await metricsOf('encoder'), 'encoder_jobs_total') > 0);
    await until('a delivery outcome on fanout', async () => sample(await metricsOf('fanout'), 'fanout_webhook_attempts_total', { outcome: 'succeeded' }) > 0);
  });
});
