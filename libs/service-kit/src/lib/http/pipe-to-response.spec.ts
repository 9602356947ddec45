import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeToResponse } from './pipe-to-response';

describe('pipeToResponse', () => {
  it('streams the bytes with room for every close listener (no MaxListenersExceededWarning) on a response that already carries the usual listeners', async () => {
    // Node warns when a listener is added past getMaxListeners(): measured right after the stream started.
    const seen: { listeners: number; max: number }[] = [];
    const server = createServer((_request, response) => {
      // What every request carries before a handler streams (metrics, drain, request log, trace context).
      for (let i = 0; i < 4; i += 1) response.once('close', () => undefined);
      void pipeToResponse(Readable.from([Buffer.from('hello '), Buffer.from('world')]), response);
      seen.push({ listeners: response.listenerCount('close'), max: response.getMaxListeners() });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(await response.text()).toBe('hello world');
      expect(seen).toHaveLength(1);
      const [{ listeners, max }] = seen as [{ listeners: number; max: number }];
      // More than Node's default of 10 really are added (so the test shows the problem), and all fit.
      expect(listeners).toBeGreaterThan(10);
      expect(listeners).toBeLessThanOrEqual(max);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
