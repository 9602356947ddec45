import { createServer, type Server } from 'node:net';
import { freePorts, reservePorts } from './process-utils';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const portOf = (server: Server) => (server.address() as { port: number }).port;

describe('freePorts', () => {
  it('hands out ports that are all different and free to bind', async () => {
    const ports = await freePorts(24);
    expect(new Set(ports).size).toBe(24);
    // Each can be bound by its new owner right away.
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map(close));
  });
});

describe('reservePorts', () => {
  it('keeps a wanted port that is free, replaces one in use, and never hands out a port twice', async () => {
    const [free] = await freePorts(1);
    const busy = await listen(0);
    try {
      const ports = await reservePorts([free, portOf(busy), undefined, undefined]);
      expect(ports[0]).toBe(free);
      expect(ports[1]).not.toBe(portOf(busy));
      expect(new Set(ports).size).toBe(4);
    } finally {
      await close(busy);
    }
  });
});
