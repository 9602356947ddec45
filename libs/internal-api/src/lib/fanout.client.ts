import { Agent, request as httpRequest } from 'node:http';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ServiceTokenIssuer } from '@media/service-identity';
import { DomainError } from '@media/service-kit';
import { FANOUT_AUDIENCE, FANOUT_HEADERS, FANOUT_WEBHOOKS_PATH } from './fanout-api.contract';

export const FANOUT_URL = Symbol('FANOUT_URL');

/** Fanout's answers are small JSON documents; anything larger is not one of them. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export interface FanoutAnswer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

/**
 * Fanout's internal webhook API. The gateway authenticates the customer; fanout takes the tenant it is
 * told (`x-tenant`) only with ingest-api's service token, so this client is the only way a tenant reaches it.
 */
@Injectable()
export class FanoutClient implements OnApplicationShutdown {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    @Inject(FANOUT_URL) private readonly baseUrl: string,
    private readonly identity: ServiceTokenIssuer,
  ) {}

  async forward(method: string, path: string, caller: { tenant: string; actor: string }, body?: unknown): Promise<FanoutAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const authorization = await this.identity.authorization(FANOUT_AUDIENCE);
    return new Promise<FanoutAnswer>((resolve, reject) => {
      const request = httpRequest(new URL(`${FANOUT_WEBHOOKS_PATH}${path}`, this.baseUrl), {
        method,
        agent: this.agent,
        timeout: TIMEOUT_MS,
        headers: {
          authorization,
          [FANOUT_HEADERS.tenant]: caller.tenant,
          [FANOUT_HEADERS.actor]: caller.actor,
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
        },
      });
      request.once('timeout', () => request.destroy(new Error('fanout did not answer in time')));
      request.once('error', reject);
      request.once('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) response.destroy(new Error('fanout answered too much'));
          else chunks.push(chunk);
        });
        response.once('error', reject);
        response.once('end', () => resolve({ status: response.statusCode ?? 502, contentType: response.headers['content-type'], body: Buffer.concat(chunks) }));
      });
      request.end(payload);
    }).catch(() => {
      // Connection refused, reset or timed out: the client can act on "try again", not on our internals.
      throw new DomainError(503, 'webhooks_unavailable', 'Webhook service unavailable', 'the webhook service did not answer; try again', {}, { 'Retry-After': '5' });
    });
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }
}
