import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { declaredScopes } from '@media/scopes';
import { findRepoRoot } from '@media/testing';
import { AssetsController } from '../assets/assets.controller';
import { CdnController } from '../cdn/cdn.controller';
import { CdnVariantController } from '../images/cdn-variant.controller';
import { MultipartController } from '../uploads/multipart.controller';
import { WebhooksController } from '../webhooks/webhooks.controller';
import { DirectUploadsController } from '../direct-uploads/direct-uploads.controller';
import { TusController } from '../tus/tus.controller';
import { API_OPERATIONS } from './api-operations';
import { buildOpenApiDocument } from './openapi.document';

/** The public controllers' routes as Nest will serve them: method, OpenAPI path template and scope. */
function servedRoutes(): string[] {
  const routes: string[] = [];
  for (const controller of [AssetsController, MultipartController, CdnController, CdnVariantController, WebhooksController, TusController, DirectUploadsController]) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller));
    const prototype = controller.prototype as unknown as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[key];
      if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
      const sub = String(Reflect.getMetadata(PATH_METADATA, handler));
      const template = `/${[base, sub].filter((part) => part !== '/' && part !== '').join('/')}`.replace(/:([A-Za-z_]+)/g, '{$1}');
      routes.push(`${method} ${template} ${declaredScopes(handler, controller)?.join(',') ?? 'none'}`);
    }
  }
  return routes.sort();
}

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string; in: string }[] }>> };

  it('in docs/openapi.json is the generated one (run `npm run openapi` after changing the API)', () => {
    const file: unknown = JSON.parse(readFileSync(path.join(findRepoRoot(), 'docs', 'openapi.json'), 'utf8'));
    expect(file).toEqual(document);
  });

  it('documents exactly the routes the controllers serve, each with the scope its handler demands', () => {
    const documented = API_OPERATIONS.map((operation) => `${operation.method} ${operation.path} ${operation.scope ?? 'none'}`).sort();
    expect(documented).toEqual(servedRoutes());
  });

  it('defines every path parameter of every template', () => {
    for (const [template, operations] of Object.entries(document.paths)) {
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const operation of Object.values(operations)) {
        expect((operation.parameters ?? []).filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name)).toEqual(names);
      }
    }
  });

  it('lists only the answers an operation can give, not one list for all', () => {
    expect(Object.keys(document.paths['/assets']?.['get']?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403', '429', '503']);
    expect(Object.keys(document.paths['/cdn/{fileId}/{name}']?.['get']?.responses ?? {}).sort()).toEqual(['200', '206', '304', '404', '416', '503']);
    expect(Object.keys(document.paths['/webhooks/{id}/deliveries/{delivery_id}/retry']?.['post']?.responses ?? {})).toContain('202');
  });

  it('types binary parts as binary, so generated clients can send files', () => {
    const schemas = (buildOpenApiDocument() as { components: { schemas: Record<string, { properties: Record<string, { format?: string }> }> } }).components.schemas;
    expect(schemas['AssetUpload']?.properties['source']?.format).toBe('binary');
    expect(schemas['UploadPart']?.properties['file_chunk']?.format).toBe('binary');
  });
});
