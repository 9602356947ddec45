import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free loopback port (the race until the caller binds it is acceptable in tests); several that must differ: `freePorts`. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0] as number;
}

/** `count` free loopback ports, all different (see `reservePorts`). */
export function freePorts(count: number): Promise<number[]> {
  return reservePorts(Array.from({ length: count }, () => undefined));
}

/**
 * One loopback port per slot: the wanted one when it is free, else any free one. Every port is held until
 * all are found, so they all differ. Asked one at a time, the kernel may hand out a port just released
 * again, and two services of one stack then get the same port (the second fails to bind, while its
 * readiness check is answered by the first).
 */
export async function reservePorts(wanted: readonly (number | undefined)[]): Promise<number[]> {
  // Wanted ports first, so an ephemeral one handed out below can never be a wanted one taken twice.
  const held = new Map<number, Server>();
  for (const [slot, port] of wanted.entries()) {
    if (port === undefined) continue;
    const server = await listenOn(port).catch(() => undefined);
    if (server) held.set(slot, server);
  }
  for (const slot of wanted.keys()) if (!held.has(slot)) held.set(slot, await listenOn(0));
  const ports = wanted.map((_, slot) => {
    const address = held.get(slot)?.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all([...held.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Polls `probe` until it resolves truthy or `timeoutMs` passes; the last error is kept for the message. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${what} did not become ready within ${timeoutMs} ms${reason}`);
}
