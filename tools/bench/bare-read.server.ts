/**
 * The ceiling a Node HTTP server can reach for `GET /assets/{id}` on this machine: node:http, one
 * `findOne({_id})` with the mongodb driver, `JSON.stringify` of the document, and nothing else (no token,
 * no rate limit, no logging, no tracing, no metrics, no framework). The metadata benchmark drives it with
 * the same autocannon load as the gateway, so that the gateway's ratio to the in-process driver loop can be
 * split into what HTTP itself costs on two shared cores and what the gateway adds on top.
 *
 * Started by metadata-read.measure.ts as a child process: MONGODB_URI, BARE_READ_DB; it prints
 * `listening <port>` once it answers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';

async function main(): Promise<void> {
  const uri = process.env['MONGODB_URI'];
  if (!uri) throw new Error('MONGODB_URI is required');
  const client = await MongoClient.connect(uri);
  const assets = client.db(process.env['BARE_READ_DB']).collection<{ _id: string }>('assets');
  const server = createServer((request, response) => {
    const match = /^\/assets\/([^/?]+)$/.exec(request.url ?? '');
    if (request.method !== 'GET' || !match) {
      response.writeHead(404).end();
      return;
    }
    assets.findOne({ _id: decodeURIComponent(match[1] as string) }).then(
      (asset) => {
        if (!asset) {
          response.writeHead(404).end();
          return;
        }
        const body = JSON.stringify(asset);
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      () => response.writeHead(500).end(),
    );
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
  const stop = (): void => {
    server.close();
    void client.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
