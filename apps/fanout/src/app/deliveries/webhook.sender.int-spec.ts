import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAllowList } from '../webhooks/webhook-url.policy';
import { checkWebhookUrl, WebhookSender } from './webhook.sender';

/** The delivery-time guard: host names are resolved, checked and connected to in one step. */
describe('WebhookSender', () => {
  let server: Server;
  let port: number;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests += 1;
      if (request.url === '/big') {
        response.writeHead(200);
        response.write(Buffer.alloc(256 * 1024));
        return; // never ends: the sender stops reading at its cap
      }
      if (request.url === '/slow') return; // never answers
      response.writeHead(204).end();
    });
    // Both loopbacks, so "localhost" answers whichever family it resolves to first.
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const sender = (allow: string[]) => new WebhookSender({ allowList: parseAllowList(allow), timeoutMs: 1000, maxResponseBytes: 1024 });
  const post = (allow: string[], path = '/') => sender(allow).send({ url: `http://localhost:${port}${path}`, body: '{}', headers: {} });

  it('refuses a host name that resolves to loopback, before connecting', async () => {
    const before = requests;
    const result = await post([]);
    expect(result).toMatchObject({ kind: 'error', error: expect.stringMatching(/^webhook URL refused: localhost resolves to a forbidden address/) });
    expect(requests).toBe(before);
    expect(await checkWebhookUrl(`http://localhost:${port}/`, [])).toMatchObject({ ok: false });
  });

  it('connects when every address of the name is allow-listed', async () => {
    expect(await post(['127.0.0.0/8', '::1/128'])).toMatchObject({ kind: 'response', statusCode: 204 });
    expect(await checkWebhookUrl(`http://localhost:${port}/`, parseAllowList(['127.0.0.0/8', '::1/128']))).toEqual({ ok: true });
  });

  it('stops reading a large answer at the cap, and gives up on a silent receiver', async () => {
    const allow = ['127.0.0.0/8', '::1/128'];
    const big = await post(allow, '/big');
    expect(big).toMatchObject({ kind: 'response', statusCode: 200 });
    expect(big.durationMs).toBeLessThan(1000);
    const slow = await post(allow, '/slow');
    expect(slow).toMatchObject({ kind: 'error', error: expect.stringMatching(/no complete answer within 1000 ms/) });
  });

  it('refuses a literal forbidden address without DNS', async () => {
    const result = await sender([]).send({ url: `http://[::1]:${port}/`, body: '{}', headers: {} });
    expect(result).toMatchObject({ kind: 'error', error: 'webhook URL refused: the address is in a forbidden range (loopback)' });
  });
});
