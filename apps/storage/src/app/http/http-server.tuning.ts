import type { Server } from 'node:http';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** A connection that moves no byte for this long is dropped; the caller's lease on the upload expires anyway. */
const IDLE_SOCKET_MS = 120_000;
/**
 * Longer than the idle timeout of client keep-alive pools (Node's agent 5 s, undici 4 s): the client must
 * be the one to close an idle connection, or it may send a request on a socket we are closing (ECONNRESET).
 */
const KEEP_ALIVE_MS = 65_000;

/**
 * Node's HTTP server ends any request after 5 minutes (`requestTimeout`). A 50 MiB chunk relayed from a
 * slow client legitimately takes longer, so storage bounds idleness instead of total duration; and it
 * keeps idle connections open longer than its callers' pools do.
 */
@Injectable()
export class HttpServerTuning implements OnApplicationBootstrap {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    server.requestTimeout = 0;
    server.setTimeout(IDLE_SOCKET_MS);
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  }
}
