import {
  assetLabelSchema,
  assetSchema,
  assetStatusSchema,
  createdWebhookSchema,
  createWebhookSchema,
  deliveryListSchema,
  deliverySchema,
  updateWebhookSchema,
  webhookListSchema,
  webhookSchema,
} from '@media/asset-model';
import type { Scope } from '@media/scopes';
import { z } from 'zod';
import { assetMetadataSchema, startUploadSchema } from '../assets/asset-input';
import { MAX_LIST_LIMIT, MAX_LIST_SKIP } from '../assets/asset-list.query';
import { IF_MATCH_PATTERN } from '../http/if-match';
import { directUploadRequestSchema, directUploadSchema } from '../direct-uploads/direct-upload.input';
import { TUS_CONTENT_TYPE } from '../tus/tus-headers';

/**
 * Every public operation of the gateway with exactly the answers it can give: the success statuses and,
 * per error status, the problem `code`s that status carries. The OpenAPI document is built from this
 * table (`openapi.document.ts`) and a unit test holds it against the controllers' routes and scopes, so
 * a route without an entry, or an entry without a route, fails the build instead of drifting.
 */

export type JsonSchema = Record<string, unknown>;

/** JSON Schema (OpenAPI 3.0 dialect) of a zod schema, as a client sends it (`input`) or receives it (`output`). */
export const jsonSchema = (schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description: string;
  schema: JsonSchema;
}

export interface Success {
  status: number;
  description: string;
  /** A named component (`Asset`) or an inline JSON body schema; absent for an empty body. */
  body?: { component: string } | { oneOf: string[] } | { binary: true };
  /** Response headers that come with it, by name: their description. */
  headers?: Record<string, string>;
}

export interface Operation {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
  /** OpenAPI path template, e.g. `/assets/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The scope the bearer token needs, or null for an unauthenticated route. */
  scope: Scope | null;
  parameters: Parameter[];
  /** Request bodies by media type: a named component each. */
  requestBody?: { required: boolean; content: Record<string, string> };
  successes: Success[];
  /** Error statuses and the problem codes each can carry. */
  problems: Record<number, readonly string[]>;
  /** Response headers of error answers, by status. */
  problemHeaders?: Record<number, Record<string, string>>;
  /** Operations whose parameters the success answer supplies (OpenAPI links: the stateful phase follows them). */
  links?: Record<string, { operationId: string; parameters: Record<string, string> }>;
}

const uuid = { type: 'string', format: 'uuid' };

const assetId: Parameter = { name: 'id', in: 'path', required: true, description: 'the asset id (a UUID)', schema: uuid };
const webhookId: Parameter = { name: 'id', in: 'path', required: true, description: 'the subscription id (a UUID)', schema: uuid };
const ifMatch: Parameter = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'the ETag of the version the change is based on (or `*`); another version answers 412',
  schema: { type: 'string', pattern: IF_MATCH_PATTERN },
};

/**
 * Every route with a token: a missing or bad one is 401, a token without the scope 403 (RFC 6750), and a
 * tenant past its per-tenant rate limit 429.
 */
const AUTH = { 401: ['invalid_token'], 403: ['insufficient_scope'], 429: ['rate_limited'], 503: ['database_unavailable'] } as const;
/** The database briefly unreachable (a restart, a failover): every route that reads the catalog. */
const databaseDown = { 503: ['database_unavailable'] } as const;
/** A change that would queue more events for one asset than the outbox holds while Kafka is away. */
const OUTBOX_FULL = { 429: ['pending_events_limit'] } as const;
const storageDown = { 503: ['storage_unavailable'] } as const;
const webhooksDown = { 503: ['webhooks_unavailable'] } as const;
/** What Express's JSON and form parsers refuse before our code runs (malformed JSON, over 100 kB, a bad charset). */
const BODY_PARSER = { 400: ['bad_request'], 413: ['payload_too_large'], 415: ['unsupported_media_type'] } as const;

const assetHeaders = { ETag: 'the version of the asset, for If-Match' };

/** Merges problem maps, joining the code lists of a status both name. */
function problems(...maps: Record<number, readonly string[]>[]): Record<number, readonly string[]> {
  const merged: Record<number, string[]> = {};
  for (const map of maps) {
    for (const [status, codes] of Object.entries(map)) {
      const list = (merged[Number(status)] ??= []);
      for (const code of codes) if (!list.includes(code)) list.push(code);
    }
  }
  return merged;
}

const assetLinks = {
  GetAsset: { operationId: 'getAsset', parameters: { id: '$response.body#/id' } },
  UpdateAsset: { operationId: 'updateAsset', parameters: { id: '$response.body#/id' } },
  DeleteAsset: { operationId: 'deleteAsset', parameters: { id: '$response.body#/id' } },
  GetUploadProgress: { operationId: 'getUploadProgress', parameters: { id: '$response.body#/id' } },
  SendUploadPart: { operationId: 'sendUploadPart', parameters: { id: '$response.body#/id' } },
  GetOriginal: { operationId: 'getCdnFile', parameters: { fileId: '$response.body#/cdn_files/items/0/id', name: '$response.body#/cdn_files/items/0/file' } },
  HeadOriginal: { operationId: 'headCdnFile', parameters: { fileId: '$response.body#/cdn_files/items/0/id', name: '$response.body#/cdn_files/items/0/file' } },
};
const webhookLinks = {
  GetWebhook: { operationId: 'getWebhook', parameters: { id: '$response.body#/id' } },
  UpdateWebhook: { operationId: 'updateWebhook', parameters: { id: '$response.body#/id' } },
  DeleteWebhook: { operationId: 'deleteWebhook', parameters: { id: '$response.body#/id' } },
  ListDeliveries: { operationId: 'listDeliveries', parameters: { id: '$response.body#/id' } },
};

const CDN_HEADERS = {
  ETag: 'the stored file’s version',
  'Accept-Ranges': '`bytes`',
  'Content-Disposition': 'inline for types a browser may show, else attachment; RFC 6266 file name',
  'X-Content-Type-Options': '`nosniff`',
  'Content-Security-Policy': 'a sandbox: nothing served here runs as a page',
};

const VARIANT_HEADERS = {
  ...CDN_HEADERS,
  'Cache-Control': '`public, max-age=31536000, immutable`: a variant never changes under its URL',
  Vary: '`Accept` when the format was chosen from it',
};

const MULTIPART_INPUT = ['malformed_multipart', 'unexpected_file', 'request_aborted'] as const;

const tusResumable: Parameter = { name: 'Tus-Resumable', in: 'header', required: true, description: 'the tus version the client speaks; another than `1.0.0` is 412', schema: { type: 'string', enum: ['1.0.0'] } };
const byteCount = { type: 'string', pattern: '^[0-9]{1,16}$' };
const uploadChecksum: Parameter = {
  name: 'Upload-Checksum',
  in: 'header',
  required: false,
  description: '`sha256 <base64 digest>` of the body; a mismatch is 460 and nothing of the body is kept',
  schema: { type: 'string' },
};
const TUS_CAPABILITIES = {
  'Tus-Resumable': '`1.0.0`',
  'Tus-Version': '`1.0.0`',
  'Tus-Extension': 'creation, creation-with-upload, expiration, checksum, termination',
  'Tus-Max-Size': 'the largest Upload-Length, in bytes',
  'Tus-Checksum-Algorithm': '`sha256`',
};
const TUS_STATE = { 'Tus-Resumable': '`1.0.0`', 'Upload-Offset': 'bytes stored so far: where the next PATCH starts', 'Upload-Expires': 'while unfinished: when the upload expires (HTTP date)' };
/** Auth of the upload routes: an API token with the scope, or a direct-upload token, which is good for its own asset only. */
const UPLOAD_AUTH = problems(AUTH, { 403: ['direct_upload_other_asset'] });
/** What the bytes of one tus body can be refused for (as the seed protocol's transfers are). */
const TUS_TRANSFER = {
  400: ['invalid_upload_checksum', 'unsupported_checksum_algorithm', 'empty_chunk'],
  409: ['offset_mismatch', 'transfer_in_progress', 'transfer_lost', 'upload_not_open', 'concurrent_modification'],
  410: ['upload_expired'],
  412: ['tus_version_unsupported'],
  413: ['chunk_too_large', 'chunk_exceeds_file_size'],
  415: ['unsupported_media_type'],
  460: ['checksum_mismatch'],
} as const;

export const API_OPERATIONS: readonly Operation[] = [
  {
    operationId: 'createAsset',
    method: 'post',
    path: '/assets',
    tag: 'assets',
    summary: 'Upload a file in one request, or open a resumable upload',
    description:
      'multipart/form-data with the file in `source` (and optional metadata fields) stores the file and answers the asset, `processing`. ' +
      'JSON or a form with `upload_phase=start` and `file_size` opens a resumable upload: the asset answers `uploading` with the offsets of the first part to send.',
    scope: 'assets_publish',
    parameters: [],
    requestBody: { required: true, content: { 'multipart/form-data': 'AssetUpload', 'application/json': 'UploadStart', 'application/x-www-form-urlencoded': 'UploadStartForm' } },
    successes: [{ status: 201, description: 'the new asset', body: { component: 'Asset' }, headers: { ...assetHeaders, Location: 'the path of the new asset' } }],
    problems: problems(
      { 400: [...MULTIPART_INPUT, 'missing_field', 'invalid_upload_phase', 'invalid_request', 'invalid_file_size', 'empty_file'] },
      AUTH,
      { 413: ['file_too_large'], 415: ['unsupported_content_type'] },
      BODY_PARSER,
      storageDown,
    ),
    links: assetLinks,
  },
  {
    operationId: 'listAssets',
    method: 'get',
    path: '/assets',
    tag: 'assets',
    summary: "List the tenant's assets, newest first unless sorted otherwise",
    scope: 'assets',
    parameters: [
      { name: 'limit', in: 'query', required: false, description: `page size, at most ${MAX_LIST_LIMIT}`, schema: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: 100 } },
      { name: 'skip', in: 'query', required: false, description: `how many to skip, at most ${MAX_LIST_SKIP}`, schema: { type: 'integer', minimum: 0, maximum: MAX_LIST_SKIP, default: 0 } },
      {
        name: 'sort',
        in: 'query',
        required: false,
        description: 'order; `-` for descending',
        schema: { type: 'string', enum: ['created_on', '-created_on', 'changed_on', '-changed_on', 'name', '-name'], default: '-created_on' },
      },
      { name: 'label', in: 'query', required: false, description: 'only this kind', schema: jsonSchema(assetLabelSchema) },
      { name: 'status', in: 'query', required: false, description: 'only this status', schema: jsonSchema(assetStatusSchema) },
      { name: 'reference_id', in: 'query', required: false, description: 'only assets with this reference id', schema: { type: 'string', maxLength: 256 } },
      { name: 'tags', in: 'query', required: false, description: 'comma-separated; the asset must carry all of them', schema: { type: 'string' } },
      { name: 'q', in: 'query', required: false, description: 'the name contains this (case-insensitive)', schema: { type: 'string', maxLength: 256 } },
    ],
    successes: [{ status: 200, description: 'one page of assets', body: { component: 'AssetList' } }],
    problems: problems({ 400: ['invalid_query'] }, AUTH),
  },
  {
    operationId: 'getAsset',
    method: 'get',
    path: '/assets/{id}',
    tag: 'assets',
    summary: 'Read one asset',
    scope: 'assets',
    parameters: [assetId],
    successes: [{ status: 200, description: 'the asset', body: { component: 'Asset' }, headers: assetHeaders }],
    problems: problems(UPLOAD_AUTH, { 404: ['asset_not_found'] }),
  },
  {
    operationId: 'updateAsset',
    method: 'put',
    path: '/assets/{id}',
    tag: 'assets',
    summary: 'Change metadata; a multipart `source` replaces the file and processes it again',
    scope: 'assets_publish',
    parameters: [assetId, ifMatch],
    requestBody: { required: true, content: { 'application/json': 'AssetMetadata', 'multipart/form-data': 'AssetReplacement' } },
    successes: [{ status: 200, description: 'the changed asset', body: { component: 'Asset' }, headers: assetHeaders }],
    problems: problems(
      { 400: [...MULTIPART_INPUT, 'invalid_request', 'empty_file', 'invalid_if_match'] },
      AUTH,
      { 404: ['asset_not_found'], 409: ['upload_not_open', 'concurrent_modification'], 412: ['precondition_failed'], 413: ['file_too_large'], 415: ['unsupported_content_type'] },
      OUTBOX_FULL,
      BODY_PARSER,
      storageDown,
    ),
  },
  {
    operationId: 'deleteAsset',
    method: 'delete',
    path: '/assets/{id}',
    tag: 'assets',
    summary: 'Delete an asset: it answers 404 at once, its stored bytes go soon after',
    scope: 'assets_delete',
    parameters: [assetId, ifMatch],
    successes: [{ status: 204, description: 'deleted' }],
    problems: problems({ 400: ['invalid_if_match'] }, AUTH, { 404: ['asset_not_found'], 409: ['concurrent_modification'], 412: ['precondition_failed'] }, OUTBOX_FULL),
  },
  {
    operationId: 'sendUploadPart',
    method: 'post',
    path: '/assets/{id}/multipart',
    tag: 'resumable uploads',
    summary: 'Send one part (`upload_phase=transfer`, multipart with `file_chunk`) or finish the upload (`upload_phase=finish`)',
    description:
      'A transfer answers the offsets of the next part; a finish answers the asset, `processing`. A part is kept whole or not at all. ' +
      'A `start_offset` other than the server’s is 409 `offset_mismatch` with the server’s offsets; a finish before every byte arrived is 422 with them.',
    scope: 'assets_publish',
    parameters: [assetId],
    requestBody: { required: true, content: { 'multipart/form-data': 'UploadPart', 'application/json': 'UploadFinish', 'application/x-www-form-urlencoded': 'UploadFinish' } },
    successes: [{ status: 200, description: 'transfer: where the next part starts; finish: the asset', body: { oneOf: ['UploadOffsets', 'Asset'] } }],
    problems: problems(
      { 400: [...MULTIPART_INPUT, 'missing_field', 'invalid_upload_phase', 'invalid_request', 'empty_chunk', 'checksum_mismatch'] },
      UPLOAD_AUTH,
      {
        404: ['asset_not_found'],
        409: ['offset_mismatch', 'transfer_in_progress', 'transfer_lost', 'upload_not_open', 'concurrent_modification'],
        410: ['upload_expired'],
        413: ['chunk_too_large', 'chunk_exceeds_file_size'],
        415: ['unsupported_content_type', 'unsupported_media_type'],
        422: ['upload_incomplete'],
      },
      OUTBOX_FULL,
      BODY_PARSER,
      storageDown,
    ),
    links: { GetAsset: assetLinks.GetAsset },
  },
  {
    operationId: 'getUploadProgress',
    method: 'get',
    path: '/assets/{id}/multipart',
    tag: 'resumable uploads',
    summary: 'Where to resume: the offsets of the next part',
    scope: 'assets_publish',
    parameters: [assetId],
    successes: [{ status: 200, description: 'the next part to send', body: { component: 'UploadOffsets' } }],
    problems: problems(UPLOAD_AUTH, { 404: ['asset_not_found'], 409: ['upload_not_open'], 410: ['upload_expired'] }),
  },
  ...(['get', 'head'] as const).map(
    (method): Operation => ({
      operationId: method === 'get' ? 'getCdnFile' : 'headCdnFile',
      method,
      path: '/cdn/{fileId}/{name}',
      tag: 'cdn',
      summary: method === 'get' ? 'Stream a stored file (an asset’s `cdn_files[].url`)' : 'The headers of a stored file, without its bytes',
      description: 'No token: the file id is an unguessable capability. `name` is the file’s name, so relative URLs inside HLS playlists resolve next to it.',
      scope: null,
      parameters: [
        { name: 'fileId', in: 'path', required: true, description: 'the id of the stored file', schema: uuid },
        { name: 'name', in: 'path', required: true, description: 'the file name (any name serves the file; the URL carries the real one)', schema: { type: 'string', minLength: 1 } },
        { name: 'Range', in: 'header', required: false, description: 'one byte range, e.g. `bytes=0-1023` (RFC 9110)', schema: { type: 'string' } },
        { name: 'If-None-Match', in: 'header', required: false, description: 'an ETag the client holds; unchanged answers 304', schema: { type: 'string' } },
      ],
      successes: [
        { status: 200, description: 'the whole file', body: { binary: true }, headers: CDN_HEADERS },
        { status: 206, description: 'the requested range', body: { binary: true }, headers: { ...CDN_HEADERS, 'Content-Range': 'the range sent and the file size' } },
        { status: 304, description: 'the client’s copy is current' },
      ],
      problems: problems({ 404: ['file_not_found'], 416: ['range_not_satisfiable'] }, storageDown, databaseDown),
      problemHeaders: { 416: { 'Content-Range': '`bytes */<size>`' } },
    }),
  ),
  ...(['get', 'head'] as const).map(
    (method): Operation => ({
      operationId: method === 'get' ? 'getImageVariant' : 'headImageVariant',
      method,
      path: '/cdn/{fileId}/{format}/{name}',
      tag: 'cdn',
      summary: method === 'get' ? 'An image in another size or format, rendered on first request, then served as a stored file' : 'The headers of an image variant, without its bytes',
      description:
        'No token, like `/cdn`. `format` is comma-separated options: `w_<px>` and `h_<px>` (both: crop to fill around the gravity; one: keep the aspect ratio; ' +
        'never larger than the source), `q_<1..100>`, `c_<north|northeast|east|southeast|south|southwest|west|northwest|center|centre>` (default centre), ' +
        '`fm_<webp|avif|jpeg|png>` (without it the best format `Accept` allows, answered with `Vary: Accept`), and `s_<signature>` where the service requires signed formats; ' +
        'or a preset name where the service serves presets only. Every image in `cdn_files` carries `format_url` with a literal `{format}` to replace.',
      scope: null,
      parameters: [
        { name: 'fileId', in: 'path', required: true, description: 'the id of the stored image', schema: uuid },
        { name: 'format', in: 'path', required: true, description: 'the options, e.g. `w_400,h_300,c_north,fm_webp`', schema: { type: 'string', minLength: 1 } },
        { name: 'name', in: 'path', required: true, description: 'a file name; the answer names the file with the served format’s extension', schema: { type: 'string', minLength: 1 } },
        { name: 'Accept', in: 'header', required: false, description: 'image types the client takes, when `fm_` is absent', schema: { type: 'string' } },
        { name: 'Range', in: 'header', required: false, description: 'one byte range, e.g. `bytes=0-1023` (RFC 9110)', schema: { type: 'string' } },
        { name: 'If-None-Match', in: 'header', required: false, description: 'an ETag the client holds; unchanged answers 304', schema: { type: 'string' } },
      ],
      successes: [
        { status: 200, description: 'the whole image', body: { binary: true }, headers: VARIANT_HEADERS },
        { status: 206, description: 'the requested range', body: { binary: true }, headers: { ...VARIANT_HEADERS, 'Content-Range': 'the range sent and the image size' } },
        { status: 304, description: 'the client’s copy is current' },
      ],
      problems: problems(
        {
          400: ['invalid_format', 'invalid_dimension', 'dimension_too_large', 'invalid_quality', 'invalid_gravity', 'unknown_format_option', 'duplicate_format_option', 'unsupported_output_format', 'unknown_preset', 'variant_limit_reached', 'invalid_request'],
          403: ['invalid_signature'],
          404: ['file_not_found'],
          415: ['unsupported_media_type'],
          416: ['range_not_satisfiable'],
          422: ['too_many_pixels', 'corrupt_file'],
          503: ['database_unavailable', 'imaging_unavailable', 'render_busy', 'render_timeout', 'storage_unavailable'],
        },
      ),
      problemHeaders: { 416: { 'Content-Range': '`bytes */<size>`' } },
    }),
  ),
  {
    operationId: 'createWebhook',
    method: 'post',
    path: '/webhooks',
    tag: 'webhooks',
    summary: 'Subscribe a URL to asset events; the signing secret is in this answer only',
    scope: 'webhooks',
    parameters: [],
    requestBody: { required: true, content: { 'application/json': 'WebhookCreate' } },
    successes: [{ status: 201, description: 'the subscription and its secret', body: { component: 'CreatedWebhook' } }],
    problems: problems({ 400: ['invalid_request', 'webhook_url_forbidden'] }, AUTH, { 409: ['webhook_limit_reached'], 415: ['unsupported_content_type'] }, BODY_PARSER, webhooksDown),
    links: webhookLinks,
  },
  {
    operationId: 'listWebhooks',
    method: 'get',
    path: '/webhooks',
    tag: 'webhooks',
    summary: "The tenant's subscriptions",
    scope: 'webhooks',
    parameters: [],
    successes: [{ status: 200, description: 'every subscription', body: { component: 'WebhookList' } }],
    problems: problems(AUTH, webhooksDown),
  },
  {
    operationId: 'getWebhook',
    method: 'get',
    path: '/webhooks/{id}',
    tag: 'webhooks',
    summary: 'One subscription (without its secret)',
    scope: 'webhooks',
    parameters: [webhookId],
    successes: [{ status: 200, description: 'the subscription', body: { component: 'Webhook' } }],
    problems: problems(AUTH, { 404: ['webhook_not_found'] }, webhooksDown),
  },
  {
    operationId: 'updateWebhook',
    method: 'put',
    path: '/webhooks/{id}',
    tag: 'webhooks',
    summary: 'Change `url`, `events`, `description` or `status` (`active` re-enables a subscription a 410 disabled)',
    scope: 'webhooks',
    parameters: [webhookId],
    requestBody: { required: true, content: { 'application/json': 'WebhookUpdate' } },
    successes: [{ status: 200, description: 'the changed subscription', body: { component: 'Webhook' } }],
    problems: problems({ 400: ['invalid_request', 'webhook_url_forbidden'] }, AUTH, { 404: ['webhook_not_found'], 415: ['unsupported_content_type'] }, BODY_PARSER, webhooksDown),
  },
  {
    operationId: 'deleteWebhook',
    method: 'delete',
    path: '/webhooks/{id}',
    tag: 'webhooks',
    summary: 'Remove a subscription and its delivery log',
    scope: 'webhooks',
    parameters: [webhookId],
    successes: [{ status: 204, description: 'removed' }],
    problems: problems(AUTH, { 404: ['webhook_not_found'] }, webhooksDown),
  },
  {
    operationId: 'listDeliveries',
    method: 'get',
    path: '/webhooks/{id}/deliveries',
    tag: 'webhooks',
    summary: 'The delivery log, newest first: each delivery with every attempt (time, status code or error, duration)',
    scope: 'webhooks',
    parameters: [
      webhookId,
      { name: 'limit', in: 'query', required: false, description: 'page size, at most 1000', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      { name: 'skip', in: 'query', required: false, description: 'how many to skip, at most 100000', schema: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 } },
    ],
    successes: [{ status: 200, description: 'one page of deliveries', body: { component: 'DeliveryList' } }],
    problems: problems({ 400: ['invalid_query'] }, AUTH, { 404: ['webhook_not_found'] }, webhooksDown),
  },
  {
    operationId: 'retryDelivery',
    method: 'post',
    path: '/webhooks/{id}/deliveries/{delivery_id}/retry',
    tag: 'webhooks',
    summary: 'Send a delivery again now, also one whose retries ran out',
    scope: 'webhooks',
    parameters: [webhookId, { name: 'delivery_id', in: 'path', required: true, description: 'the delivery id (a UUID)', schema: uuid }],
    successes: [{ status: 202, description: 'queued: the delivery, due now', body: { component: 'Delivery' } }],
    problems: problems(AUTH, { 404: ['webhook_not_found', 'delivery_not_found'], 409: ['retry_limit_reached'] }, webhooksDown),
  },
  ...(['/tus', '/tus/{id}'] as const).map(
    (path): Operation => ({
      operationId: path === '/tus' ? 'discoverTus' : 'discoverTusUpload',
      method: 'options',
      path,
      tag: 'tus',
      summary: 'What the tus server speaks: version, extensions, largest upload, checksum algorithm (also the CORS preflight)',
      scope: null,
      parameters: path === '/tus' ? [] : [assetId],
      successes: [{ status: 204, description: 'the capabilities, in headers', headers: TUS_CAPABILITIES }],
      problems: path === '/tus' ? {} : { 404: ['asset_not_found'] },
    }),
  ),
  {
    operationId: 'createTusUpload',
    method: 'post',
    path: '/tus',
    tag: 'tus',
    summary: 'tus creation (and creation-with-upload): opens a resumable upload, an asset in `uploading`',
    description:
      'Upload-Metadata keys `filename`, `filetype`, `name`, `label` (base64 values). `Location` is the upload URL on the public origin. ' +
      `A body of type \`${TUS_CONTENT_TYPE}\` is the first PATCH (offset 0); if it is refused, the upload still exists at \`Location\`. ` +
      'Takes an API token with `assets_publish` or a direct-upload token (which creates its own asset, once).',
    scope: 'assets_publish',
    parameters: [
      tusResumable,
      { name: 'Upload-Length', in: 'header', required: true, description: 'the size of the file in bytes (deferred lengths are not offered)', schema: byteCount },
      { name: 'Upload-Metadata', in: 'header', required: false, description: 'comma-separated `key base64value` pairs', schema: { type: 'string' } },
      uploadChecksum,
    ],
    requestBody: { required: false, content: { [TUS_CONTENT_TYPE]: 'TusBytes' } },
    successes: [
      {
        status: 201,
        description: 'created',
        headers: { Location: 'the upload URL (`<public base>/tus/<asset id>`)', ...TUS_STATE },
      },
    ],
    problems: problems(
      { 400: ['invalid_upload_length', 'upload_length_required', 'invalid_upload_metadata', 'invalid_file_size', 'label_not_allowed'] },
      UPLOAD_AUTH,
      TUS_TRANSFER,
      { 409: ['direct_upload_used'], 413: ['file_too_large'] },
      OUTBOX_FULL,
      storageDown,
    ),
  },
  {
    operationId: 'headTusUpload',
    method: 'head',
    path: '/tus/{id}',
    tag: 'tus',
    summary: 'Where a tus upload stands: Upload-Offset, Upload-Length, Upload-Expires',
    description: 'A finished upload answers its length as its offset. One whose every byte arrived but whose finish was cut short is finished by this request.',
    scope: 'assets_publish',
    parameters: [assetId, tusResumable],
    successes: [{ status: 200, description: 'the upload’s state, in headers', headers: { ...TUS_STATE, 'Upload-Length': 'the size of the file', 'Cache-Control': '`no-store`' } }],
    problems: problems(UPLOAD_AUTH, { 404: ['asset_not_found'], 409: ['upload_not_open', 'concurrent_modification'], 410: ['upload_expired'], 412: ['tus_version_unsupported'] }, OUTBOX_FULL, storageDown),
  },
  {
    operationId: 'patchTusUpload',
    method: 'patch',
    path: '/tus/{id}',
    tag: 'tus',
    summary: 'Append bytes at Upload-Offset: kept whole or not at all; the one that completes the file finishes the upload',
    scope: 'assets_publish',
    parameters: [
      assetId,
      tusResumable,
      { name: 'Upload-Offset', in: 'header', required: true, description: 'where the body starts; must equal the server’s offset (else 409)', schema: byteCount },
      uploadChecksum,
    ],
    requestBody: { required: true, content: { [TUS_CONTENT_TYPE]: 'TusBytes' } },
    successes: [{ status: 204, description: 'stored', headers: TUS_STATE }],
    problems: problems(
      { 400: ['invalid_upload_offset'] },
      UPLOAD_AUTH,
      TUS_TRANSFER,
      { 404: ['asset_not_found'], 415: ['unsupported_content_type'] },
      OUTBOX_FULL,
      storageDown,
    ),
  },
  {
    operationId: 'terminateTusUpload',
    method: 'delete',
    path: '/tus/{id}',
    tag: 'tus',
    summary: 'tus termination: deletes an unfinished upload and its bytes (a finished asset is deleted with `DELETE /assets/{id}`)',
    scope: 'assets_publish',
    parameters: [assetId, tusResumable],
    successes: [{ status: 204, description: 'terminated', headers: { 'Tus-Resumable': '`1.0.0`' } }],
    problems: problems(UPLOAD_AUTH, { 404: ['asset_not_found'], 409: ['upload_not_open', 'concurrent_modification'], 412: ['tus_version_unsupported'] }, OUTBOX_FULL),
  },
  {
    operationId: 'createDirectUpload',
    method: 'post',
    path: '/uploads',
    tag: 'tus',
    summary: 'A one-time upload URL and token for a browser, bound to one new asset',
    description:
      'The token is short-lived and good only for its asset’s upload: tus creation (once) and its tus URL, and `/assets/{id}/multipart` transfers, finish and progress. ' +
      'It cannot read, list, change or delete anything. `max_size` and `allowed_labels` bound what the browser may upload.',
    scope: 'assets_publish',
    parameters: [],
    requestBody: { required: false, content: { 'application/json': 'DirectUploadRequest' } },
    successes: [{ status: 201, description: 'the upload URL and token', body: { component: 'DirectUpload' } }],
    problems: problems({ 400: ['invalid_request'], 404: ['direct_uploads_disabled'] }, AUTH, BODY_PARSER),
  },
];


/** Multipart and form bodies: every field a string, files as binary parts, so generators can type them. */
const metadataFields = {
  name: { type: 'string', minLength: 1, maxLength: 512 },
  body: { type: 'string', maxLength: 65536 },
  author: { type: 'string', maxLength: 256 },
  reference_id: { type: 'string', maxLength: 256 },
  tags: { type: 'string', description: 'comma-separated, or a JSON array' },
};

/** Named schemas of the document (`#/components/schemas/<name>`). */
export function componentSchemas(): Record<string, JsonSchema> {
  return {
    Asset: jsonSchema(assetSchema),
    AssetList: jsonSchema(z.object({ total: z.number().int().nonnegative(), skip: z.number().int().nonnegative(), limit: z.number().int().positive(), items: z.array(assetSchema) })),
    UploadOffsets: jsonSchema(z.object({ id: z.string(), start_offset: z.number().int().nonnegative(), end_offset: z.number().int().nonnegative(), file_size: z.number().int().positive() })),
    AssetMetadata: { ...jsonSchema(assetMetadataSchema.strict(), 'input'), description: 'the fields to change; anything else is refused' },
    AssetUpload: {
      type: 'object',
      properties: { source: { type: 'string', format: 'binary', description: 'the file' }, ...metadataFields },
      required: ['source'],
    },
    AssetReplacement: {
      type: 'object',
      properties: { source: { type: 'string', format: 'binary', description: 'a new file, processed again' }, ...metadataFields },
    },
    UploadStart: { ...jsonSchema(startUploadSchema, 'input'), description: 'opens a resumable upload' },
    UploadStartForm: {
      type: 'object',
      properties: {
        upload_phase: { type: 'string', enum: ['start'] },
        file_size: { type: 'string', pattern: '^[1-9][0-9]{0,15}$', description: 'bytes' },
        label: { description: 'what the file is meant to be; the first part is checked against it', ...jsonSchema(assetLabelSchema) },
        original_name: { type: 'string', maxLength: 512 },
        ...metadataFields,
      },
      required: ['upload_phase', 'file_size'],
    },
    UploadPart: {
      type: 'object',
      properties: {
        upload_phase: { type: 'string', enum: ['transfer', 'finish'] },
        file_chunk: { type: 'string', format: 'binary', description: 'transfer: the bytes of this part' },
        start_offset: { type: 'string', pattern: '^[0-9]{1,16}$', description: 'transfer: where the part starts (must equal the server’s)' },
        original_name: { type: 'string', maxLength: 512 },
        checksum: { type: 'string', pattern: '^sha256:[A-Za-z0-9+/]{43}=$', description: 'transfer: sha256 of the part, base64' },
        sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'finish: sha256 of the whole file, hex' },
      },
      required: ['upload_phase'],
    },
    UploadFinish: {
      type: 'object',
      properties: {
        upload_phase: { type: 'string', enum: ['finish'] },
        sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'sha256 of the whole file, hex; a mismatch is 400' },
      },
      required: ['upload_phase'],
    },
    TusBytes: { type: 'string', format: 'binary', description: 'bytes of the file, from Upload-Offset on' },
    DirectUploadRequest: jsonSchema(directUploadRequestSchema, 'input'),
    DirectUpload: jsonSchema(directUploadSchema),
    Webhook: jsonSchema(webhookSchema),
    CreatedWebhook: jsonSchema(createdWebhookSchema),
    WebhookList: jsonSchema(webhookListSchema),
    WebhookCreate: jsonSchema(createWebhookSchema, 'input'),
    WebhookUpdate: jsonSchema(updateWebhookSchema, 'input'),
    Delivery: jsonSchema(deliverySchema),
    DeliveryList: jsonSchema(deliveryListSchema),
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details; `code` is stable and machine-readable, other fields help (offsets, scope, errors)',
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        code: { type: 'string' },
      },
      required: ['type', 'title', 'status', 'code'],
      additionalProperties: true,
    },
  };
}
