import { createServer, type IncomingHttpHeaders, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the network does to one request on its way to the real server. Nothing here knows the API: it only
 * drops, cuts, repeats or answers for an overloaded server, as flaky networks and proxies do.
 */
export type Fault =
  | { kind: 'pass' }
  /** An answer from "the load balancer" (503, 429 with Retry-After, ...); the request never reaches the server. */
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string }
  /** The connection dies after this many request-body bytes reached the server. */
  | { kind: 'cut-request'; afterBytes: number }
  /** The server handles the request, but the connection dies after this many response-body bytes. */
  | { kind: 'cut-response'; afterBytes: number }
  /** The request reaches the server twice (a retransmission); the client sees the second answer. */
  | { kind: 'duplicate' }
  /** The request is held, unanswered, until the proxy closes (a hung connection). */
  | { kind: 'hang' };

export interface SeenRequest {
  index: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  fault: Fault['kind'];
}

export interface FaultProxy {
  url: string;
  /** Every request in arrival order, with the fault applied to it. */
  readonly requests: SeenRequest[];
  /** Changes the fault plan from now on. */
  plan(decide: (request: Omit<SeenRequest, 'fault'>) => Fault): void;
  close(): Promise<void>;
}

const PASS: Fault = { kind: 'pass' };

function upstreamHeaders(headers: IncomingHttpHeaders, target: URL): IncomingHttpHeaders {
  return { ...headers, host: target.host };
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** An HTTP proxy on a free loopback port in front of `upstream`, applying the planned fault to each request. */
export async function startFaultProxy(upstream: string, decide: (request: Omit<SeenRequest, 'fault'>) => Fault = () => PASS): Promise<FaultProxy> {
  const target = new URL(upstream);
  const requests: SeenRequest[] = [];
  const held = new Set<ServerResponse>();
  let plan = decide;

  const forward = (request: IncomingMessage, body: Buffer | IncomingMessage, onResponse: (answer: IncomingMessage) => void, onBodyBytes?: (count: number, abort: () => void) => void) => {
    const outgoing = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: upstreamHeaders(request.headers, target) },
      onResponse,
    );
    outgoing.on('error', () => request.socket.destroy());
    if (Buffer.isBuffer(body)) {
      outgoing.end(body);
      return outgoing;
    }
    body.on('data', (piece: Buffer) => {
      onBodyBytes?.(piece.byteLength, () => {
        outgoing.destroy();
        request.socket.destroy();
      });
      if (!outgoing.destroyed) outgoing.write(piece);
    });
    body.on('end', () => outgoing.end());
    return outgoing;
  };

  const relay = (answer: IncomingMessage, response: ServerResponse, cutAfter?: number) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    let sent = 0;
    answer.on('data', (piece: Buffer) => {
      if (cutAfter !== undefined && sent + piece.byteLength > cutAfter) {
        response.write(piece.subarray(0, Math.max(0, cutAfter - sent)));
        sent = cutAfter;
        // Gone mid-body: the client sees a connection reset, not a clean end.
        setImmediate(() => response.socket?.destroy());
        answer.destroy();
        return;
      }
      sent += piece.byteLength;
      response.write(piece);
    });
    answer.on('end', () => response.end());
  };

  const server = createServer((request, response) => {
    const seen = { index: requests.length, method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers };
    const fault = plan(seen);
    requests.push({ ...seen, fault: fault.kind });
    switch (fault.kind) {
      case 'pass':
        forward(request, request, (answer) => relay(answer, response));
        return;
      case 'answer':
        request.resume();
        request.on('end', () => {
          response.writeHead(fault.status, { 'content-type': 'text/plain', connection: 'close', ...fault.headers });
          response.end(fault.body ?? '');
        });
        return;
      case 'cut-request': {
        let received = 0;
        forward(request, request, (answer) => relay(answer, response), (count, abort) => {
          received += count;
          if (received > fault.afterBytes) abort();
        });
        return;
      }
      case 'cut-response':
        forward(request, request, (answer) => relay(answer, response, fault.afterBytes));
        return;
      case 'duplicate':
        void bodyOf(request).then((body) =>
          forward(request, body, (first) => {
            first.resume();
            first.on('end', () => forward(request, body, (second) => relay(second, response)));
          }),
        );
        return;
      case 'hang':
        request.resume();
        held.add(response);
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    plan: (next) => {
      plan = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
