import { createServer } from 'node:net';
import { freePorts } from './process-utils';

describe('freePorts', () => {
  it('hands out ports that are all different and free to bind', async () => {
    const ports = await freePorts(24);
    expect(new Set(ports).size).toBe(24);
    // Each can be bound by its new owner right away.
    const servers = await Promise.all(
      ports.map((port) => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer().once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve(server));
      })),
    );
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });
});
