import { API_OPERATIONS, componentSchemas, type JsonSchema, type Operation, type Success } from './api-operations';

const STATUS_TEXT: Record<number, string> = {
  400: 'the request is invalid',
  401: 'no valid bearer token',
  403: 'the token lacks the scope',
  404: 'not found (another tenant’s id answers the same)',
  409: 'conflicts with the current state',
  410: 'gone',
  412: 'If-Match names another version',
  413: 'too large',
  415: 'unsupported content type or media',
  416: 'the range lies outside the file',
  422: 'the upload is not complete',
  460: 'the body does not match Upload-Checksum (tus checksum extension); nothing of it was kept',
  503: 'a service behind the gateway is unavailable; retry after Retry-After',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const headerObjects = (headers: Record<string, string> | undefined) =>
  headers && Object.keys(headers).length > 0 ? { headers: Object.fromEntries(Object.entries(headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) } : {};

function successResponse(success: Success): JsonSchema {
  const body = success.body;
  let content: JsonSchema | undefined;
  if (body && 'component' in body) content = { 'application/json': { schema: ref(body.component) } };
  if (body && 'oneOf' in body) content = { 'application/json': { schema: { oneOf: body.oneOf.map(ref) } } };
  // Any type: the file is served with its own, so the media range says so.
  if (body && 'binary' in body) content = { '*/*': { schema: { type: 'string', format: 'binary' } } };
  return { description: success.description, ...headerObjects(success.headers), ...(content ? { content } : {}) };
}

function problemResponse(status: number, codes: readonly string[], headers: Record<string, string> | undefined): JsonSchema {
  return {
    description: `${STATUS_TEXT[status] ?? 'refused'}: problem+json with code ${codes.map((code) => `\`${code}\``).join(', ')}`,
    ...headerObjects(headers),
    content: {
      'application/problem+json': {
        schema: { allOf: [ref('Problem'), { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } }] },
      },
    },
  };
}

const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': 'the tenant\'s quotas for this route class (`reads` or `writes`, and `upload_bytes` with a body): burst and refill window',
  RateLimit: 'what is left of each quota now',
};

function operationObject(operation: Operation): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const success of operation.successes) responses[String(success.status)] = successResponse(success);
  const standardHeaders: Record<number, Record<string, string>> = { 503: { 'Retry-After': 'seconds to wait before trying again' } };
  if (operation.scope) {
    // The per-tenant limiter runs after the token check, so every authenticated answer but 401/403 says
    // where the tenant stands (IETF httpapi RateLimit headers); a 429 adds when to come back.
    standardHeaders[429] = { 'Retry-After': 'seconds until the bucket holds enough again', ...RATE_LIMIT_HEADERS };
    for (const success of operation.successes) responses[String(success.status)] = successResponse({ ...success, headers: { ...success.headers, ...RATE_LIMIT_HEADERS } });
    standardHeaders[401] = { 'WWW-Authenticate': 'Bearer challenge with error="invalid_token" (RFC 6750)' };
    standardHeaders[403] = { 'WWW-Authenticate': 'Bearer challenge with error="insufficient_scope" and the scope needed' };
  }
  for (const [status, codes] of Object.entries(operation.problems)) {
    const code = Number(status);
    responses[status] = problemResponse(code, codes, { ...standardHeaders[code], ...operation.problemHeaders?.[code] });
  }
  if (operation.links) {
    const first = operation.successes[0];
    if (first) {
      const response = responses[String(first.status)] as JsonSchema;
      response['links'] = Object.fromEntries(Object.entries(operation.links).map(([name, link]) => [name, { operationId: link.operationId, parameters: link.parameters }]));
    }
  }
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(operation.scope ? { security: [{ bearer: [] }], 'x-required-scope': operation.scope } : { security: [] }),
    ...(operation.parameters.length > 0 ? { parameters: operation.parameters } : {}),
    ...(operation.requestBody
      ? {
          requestBody: {
            required: operation.requestBody.required,
            content: Object.fromEntries(Object.entries(operation.requestBody.content).map(([type, component]) => [type, { schema: ref(component) }])),
          },
        }
      : {}),
    responses,
  };
}

/**
 * The gateway's OpenAPI 3 document, built from the operation table and the zod contract alone: the same
 * document at `/docs/openapi.json` and in `docs/openapi.json` (`npm run openapi`; a test fails when stale).
 */
export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of API_OPERATIONS) (paths[operation.path] ??= {})[operation.method] = operationObject(operation);
  return {
    openapi: '3.0.3',
    info: {
      title: 'Media asset service',
      version: '1',
      description: [
        'Upload, read, change and delete media assets (photos, videos, audio, documents), follow resumable uploads, and manage webhook subscriptions.',
        '',
        'Every request but `/cdn` carries `Authorization: Bearer <JWT>` naming a tenant and scopes: `assets` reads, `assets_publish` creates and changes, `assets_delete` deletes, `webhooks` manages subscriptions.',
        'Every error is `application/problem+json` (RFC 9457) with a stable snake_case `code`; each operation lists the statuses it can answer and the codes each carries.',
        'Asset events (Kafka) are described by the AsyncAPI document at `/docs/asyncapi.json`.',
      ].join('\n'),
    },
    tags: [
      { name: 'assets', description: 'the asset catalog and one-request uploads' },
      { name: 'resumable uploads', description: 'large files in parts: start with `POST /assets` (`upload_phase=start`), send parts, finish' },
      { name: 'cdn', description: 'stored files: originals and what processing produced' },
      { name: 'tus', description: 'tus 1.0.0 resumable uploads for browsers and tus clients, and direct-upload URLs that let a browser upload without the API token' },
      { name: 'webhooks', description: 'signed (Standard Webhooks) HTTP deliveries of asset events' },
    ],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
