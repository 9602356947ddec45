import { Agent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ServiceTokenIssuer } from '@media/service-identity';
import { DomainError } from '@media/service-kit';
import { ENCODER_AUDIENCE, type RenderedVariant, VARIANTS_PATH, type VariantRenderRequest } from './encoder-api.contract';

export const IMAGING_URL = Symbol('IMAGING_URL');

/** A first render of a large image takes seconds; a queue of them behind a busy pool can take longer. */
const TIMEOUT_MS = 120_000;
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The encoder's internal image API. It renders a variant once (across replicas) and stores it in storage
 * under `variant_id`; the gateway then streams it like any stored file. Every call carries ingest-api's
 * service token (audience `encoder`): the encoder takes no render request without it.
 */
@Injectable()
export class ImagingClient implements OnApplicationShutdown {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    @Inject(IMAGING_URL) private readonly baseUrl: string,
    private readonly identity: ServiceTokenIssuer,
  ) {}

  async render(body: VariantRenderRequest): Promise<RenderedVariant> {
    const answer = await this.send({ ...body, stream: false });
    if (answer.kind === 'image') {
      answer.response.destroy();
      throw imagingUnavailable(new Error('the renderer streamed an image it was not asked to'));
    }
    return answer.variant;
  }

  /**
   * Renders the variant and, when this request is the one that renders it, answers with the image's bytes
   * as they are being stored (a response with storage's byte headers: Content-Length, ETag). Otherwise the
   * variant is stored already (or another request rendered it meanwhile) and the caller reads it from storage.
   */
  renderStreaming(body: VariantRenderRequest): Promise<{ kind: 'image'; response: IncomingMessage } | { kind: 'stored'; variant: RenderedVariant }> {
    return this.send({ ...body, stream: true });
  }

  private async send(body: VariantRenderRequest): Promise<{ kind: 'image'; response: IncomingMessage } | { kind: 'stored'; variant: RenderedVariant }> {
    const payload = JSON.stringify(body);
    const authorization = await this.identity.authorization(ENCODER_AUDIENCE);
    return new Promise((resolve, reject) => {
      const request = httpRequest(new URL(VARIANTS_PATH, this.baseUrl), {
        method: 'POST',
        agent: this.agent,
        timeout: TIMEOUT_MS,
        headers: { authorization, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) },
      });
      request.once('timeout', () => request.destroy(new Error('the renderer did not answer in time')));
      request.once('error', (error) => reject(imagingUnavailable(error)));
      request.once('response', (response) => {
        if (response.statusCode === 200 && /^image\//.test(response.headers['content-type'] ?? '')) {
          // A stream of image bytes: the socket's idle timeout still bounds a renderer that stops sending.
          resolve({ kind: 'image', response });
          return;
        }
        const pieces: Buffer[] = [];
        let size = 0;
        response.on('data', (piece: Buffer) => {
          size += piece.length;
          if (size > MAX_ANSWER_BYTES) response.destroy(new Error('the renderer answered too much'));
          else pieces.push(piece);
        });
        response.once('error', (error) => reject(imagingUnavailable(error)));
        response.once('end', () => {
          const status = response.statusCode ?? 502;
          let answer: Record<string, unknown> = {};
          try {
            answer = JSON.parse(Buffer.concat(pieces).toString('utf8')) as Record<string, unknown>;
          } catch {
            // Not JSON (a proxy's page): the status decides below.
          }
          if (status === 200) return resolve({ kind: 'stored', variant: answer as unknown as RenderedVariant });
          // A refused service token is this deployment's fault (keys out of step), not the customer's request:
          // never passed on as a 401/403 the customer would read as about their own credentials.
          if (status === 401 || status === 403) return reject(imagingUnavailable(new Error(`the renderer refused ingest-api's service token (${status})`)));
          // The renderer's refusals are about the request or the image (415, 422, 400): passed on as they are.
          if (status >= 400 && status < 500 && typeof answer['code'] === 'string') {
            return reject(new DomainError(status, answer['code'], String(answer['title'] ?? 'Image not rendered'), String(answer['detail'] ?? '')));
          }
          reject(imagingUnavailable(new Error(`the renderer answered ${status}`)));
        });
      });
      request.end(payload);
    });
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }
}

/** The renderer is down, overloaded or restarting: nothing the client sent is at fault. */
function imagingUnavailable(error: unknown): DomainError {
  const reason = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
  return new DomainError(503, 'imaging_unavailable', 'Image rendering unavailable', `the image could not be rendered now (${reason}); retry shortly`, {}, { 'Retry-After': '1' });
}
