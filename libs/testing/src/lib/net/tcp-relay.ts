import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP relay in front of a server (the database), to take it away and give it back as a restart does
 * from the client's side: `cut()` drops every connection and refuses new ones; `restore()` accepts again.
 * The client's driver sees its real errors, not a test double's.
 */
export interface TcpRelay {
  /** `uri` with its host and port replaced by the relay's. */
  uri: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(uri: string): Promise<TcpRelay> {
  const upstream = new URL(uri);
  const sockets = new Set<Socket>();
  let open = true;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    if (!open) return void client.destroy();
    const server = connect(Number(upstream.port || 27017), upstream.hostname);
    track(server);
    client.pipe(server).pipe(client);
    server.on('close', () => client.destroy());
    client.on('close', () => server.destroy());
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const relayed = new URL(uri);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as AddressInfo).port);
  return {
    uri: relayed.toString(),
    cut: () => {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => {
      open = true;
    },
    close: async () => {
      open = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
