import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '@media/service-kit';
import { generateServiceKey, ServiceTokenIssuer } from '@media/service-identity';
import { StorageClient, StorageRefusal } from './storage.client';

/** A stand-in storage on loopback that answers every request with one status and problem document. */
async function answering(status: number, code: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ code, title: 'answer', detail: `answered ${status}` })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('StorageClient answers', () => {
  const servers: Server[] = [];
  const clients: StorageClient[] = [];
  afterAll(async () => {
    for (const storage of clients) storage.onApplicationShutdown();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });
  const client = async (status: number, code: string) => {
    const { url, server } = await answering(status, code);
    servers.push(server);
    const storage = new StorageClient(url, new ServiceTokenIssuer('ingest-api', generateServiceKey('ingest-api')));
    clients.push(storage);
    return storage;
  };
  const complete = (storage: StorageClient) => storage.completeUpload('u1', { length: 1, file_name: 'a', content_type: 'text/plain', role: 'original', asset_id: 'a1', tenant: 't1' });

  it('turns a storage failure (5xx) into a 503 to retry, never an internal error of the gateway', async () => {
    const error: unknown = await complete(await client(500, 'internal_error')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 503, code: 'storage_unavailable' });
  });

  it('keeps a storage refusal (4xx) with its code, for the caller to map', async () => {
    const error: unknown = await complete(await client(413, 'file_too_large')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageRefusal);
    expect(error).toMatchObject({ status: 413, code: 'file_too_large' });
  });
});
