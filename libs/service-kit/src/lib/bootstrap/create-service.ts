import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { type BaseConfig, ConfigError } from '../config/load-config';
import { MetricsRegistry } from '../metrics/metrics.module';
import { ShutdownState } from '../shutdown/shutdown.state';
import { exitGracefullyOnSignals } from './graceful-shutdown';

export interface ServiceOptions {
  /**
   * Publishes the given OpenAPI 3 document at /docs/openapi.json, viewer at /docs. The document is built from
   * the service's own operation table, not scanned from decorators, so it states exactly what each route answers.
   */
  openApi?: { document: () => Record<string, unknown> };
}

/** Builds a configured (not yet listening) application; shared by `main.ts` and the tests. */
export async function createService(module: DynamicModule, options: ServiceOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(app.get(MetricsRegistry).httpMiddleware());
  app.use(drainAware(app.get(ShutdownState)));
  // Express's 100 kB default would cut a valid body (64 KiB of text may be 384 KiB as escaped JSON) with a
  // bare 413; at 1 MiB every body the schemas allow is parsed, so an overlong field gets a 400 naming it.
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: true });
  answerUnparsableRequestsWithProblems(app);
  tuneForLongUploads(app.getHttpServer() as Server);
  if (options.openApi) {
    SwaggerModule.setup('docs', app, options.openApi.document() as unknown as OpenAPIObject, { jsonDocumentUrl: 'docs/openapi.json' });
  }
  return app;
}

/**
 * The whole of a service's `main.ts`: validate configuration (a bad variable exits 1 with its name),
 * build the module, listen; SIGTERM drains it and exits 0 (see `exitGracefullyOnSignals`). Nest's own
 * shutdown hooks are not enabled: they re-raise the signal (the exit status would say "killed") and
 * wait without a bound.
 */
export async function runService(build: () => { module: DynamicModule; config: BaseConfig; options?: ServiceOptions }): Promise<void> {
  let built: { module: DynamicModule; config: BaseConfig; options?: ServiceOptions };
  try {
    built = build();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createService(built.module, built.options);
  exitLoudlyOnUnhandledRejections(app.get(Logger));
  exitGracefullyOnSignals(app, { delayMs: built.config.SHUTDOWN_DELAY_SECONDS * 1000, graceMs: built.config.SHUTDOWN_GRACE_SECONDS * 1000 });
  await app.listen(built.config.PORT, built.config.HOST);
}

/**
 * A rejected promise nobody handles is a defect whose effects are unknown, so the process still ends, as
 * Node ends it; but first it says so as one structured line, with the error's stack, so the replica's
 * restart in the logs leads straight to the code (Node's own message is plain text a log pipeline splits).
 */
function exitLoudlyOnUnhandledRejections(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
}

/**
 * Counts requests for the drain, and once draining asks every client to close its connection after the
 * answer, so keep-alive pools reconnect to a replica that stays.
 */
function drainAware(state: ShutdownState) {
  return (_request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const ended = state.requestStarted();
    response.once('close', ended);
    // Decided when the headers go out, so a request that began before the drain closes its connection too.
    const writeHead = response.writeHead;
    response.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
      if (state.draining && !this.headersSent) this.setHeader('Connection', 'close');
      return writeHead.apply(this, args);
    } as ServerResponse['writeHead'];
    next();
  };
}

/**
 * Requests Node's HTTP parser rejects (oversized headers, garbage request lines) never reach Nest; by
 * default Node answers them with a bare status line. They get a problem document like everything else.
 */
function answerUnparsableRequestsWithProblems(app: INestApplication): void {
  const server = app.getHttpServer() as Server;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (error.code === 'ECONNRESET')) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const code = tooLarge ? 'headers_too_large' : 'malformed_request';
    const body = JSON.stringify({ type: `urn:problem:${code}`, title: tooLarge ? 'Request headers too large' : 'Malformed request', status, code });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

const BODY_LIMIT = '1mb';

/** A connection that moves no byte for this long is dropped (a stalled upload's lease then runs out). */
const IDLE_SOCKET_MS = 120_000;
/**
 * Longer than the idle timeout of client keep-alive pools (Node's agent 5 s, undici 4 s, most load
 * balancers 60 s): the client must be the one to close an idle connection, or it may send a request on a
 * socket the server is closing ("other side closed", ECONNRESET).
 */
const KEEP_ALIVE_MS = 65_000;

/**
 * Node ends any request after 5 minutes (`requestTimeout`); a 50 MiB chunk from a slow client legitimately
 * takes longer, so the services bound idleness instead of total duration.
 */
function tuneForLongUploads(server: Server): void {
  server.requestTimeout = 0;
  server.setTimeout(IDLE_SOCKET_MS);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
}
