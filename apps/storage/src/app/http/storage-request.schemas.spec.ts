import { DomainError } from '@media/service-kit';
import {
  chunkSha256RequestSchema,
  chunkTransferRequestSchema,
  completeUploadRequestSchema,
  newFileRequestSchema,
  tenantHeaderSchema,
  parseRequest,
} from './storage-request.schemas';

const newFile = {
  max_bytes: '1048576',
  'x-asset-id': '5b1f6c3e-1111-4222-8333-444455556666',
  'x-tenant': 'acme',
  'x-file-name': encodeURIComponent('Überblick "final".mp4'),
  'x-content-type': 'video/mp4',
  'x-role': 'original',
};

function refusal(run: () => unknown): { status: number; code: string; fields: string[] } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const errors = error.extensions['errors'] as { field: string }[];
    return { status: error.status, code: error.code, fields: errors.map((e) => e.field) };
  }
  throw new Error('expected a refusal');
}

describe('POST /files inputs', () => {
  it('decode into typed settings, the file name from percent-encoded UTF-8', () => {
    expect(parseRequest(newFileRequestSchema, newFile)).toEqual({
      maxBytes: 1_048_576,
      assetId: '5b1f6c3e-1111-4222-8333-444455556666',
      tenant: 'acme',
      fileName: 'Überblick "final".mp4',
      contentType: 'video/mp4',
      role: 'original',
    });
  });

  it('accept media type parameters', () => {
    expect(parseRequest(newFileRequestSchema, { ...newFile, 'x-content-type': 'text/plain; charset="utf-8"' }).contentType).toBe(
      'text/plain; charset="utf-8"',
    );
  });

  it.each([
    ['max_bytes', undefined],
    ['max_bytes', '-1'],
    ['max_bytes', '1e6'],
    ['max_bytes', '12345678901234567'],
    ['max_bytes', ['1', '2']],
    ['x-asset-id', undefined],
    ['x-asset-id', '../etc'],
    ['x-tenant', ''],
    ['x-file-name', '%E0%A4%A'],
    ['x-file-name', encodeURIComponent('a\nb')],
    ['x-file-name', ''],
    ['x-content-type', 'video'],
    ['x-content-type', 'video/mp4\r\nx: y'],
    ['x-role', 'master'],
  ])('refuse %s = %p with a 400 naming it', (field, value) => {
    expect(refusal(() => parseRequest(newFileRequestSchema, { ...newFile, [field]: value }))).toEqual({
      status: 400,
      code: 'invalid_request',
      fields: [field],
    });
  });

  it('name every bad input at once', () => {
    expect(refusal(() => parseRequest(newFileRequestSchema, {})).fields).toEqual([
      'max_bytes',
      'x-asset-id',
      'x-tenant',
      'x-file-name',
      'x-content-type',
      'x-role',
    ]);
  });
});

describe('chunk transfer inputs', () => {
  const transfer = { upload_id: '5b1f6c3e-1111-4222-8333-444455556666', offset: '262144', max_bytes: '52428800', 'x-asset-id': 'a1', 'x-tenant': 'acme' };

  it('decode, with the upload id as given', () => {
    expect(parseRequest(chunkTransferRequestSchema, transfer)).toEqual({
      uploadId: '5b1f6c3e-1111-4222-8333-444455556666',
      offset: 262_144,
      maxBytes: 52_428_800,
      chunkSha256: true,
      owner: { assetId: 'a1', tenant: 'acme' },
    });
    expect(parseRequest(chunkTransferRequestSchema, { ...transfer, chunk_sha256: 'false' })).toMatchObject({ chunkSha256: false });
    expect(parseRequest(chunkTransferRequestSchema, { ...transfer, chunk_sha256: 'true' })).toMatchObject({ chunkSha256: true });
  });

  it.each([
    ['upload_id', 'a:b'],
    ['upload_id', '-leading-dash'],
    ['upload_id', 'x'.repeat(129)],
    ['offset', undefined],
    ['offset', '1.5'],
    ['chunk_sha256', 'no'],
  ])('refuse %s = %p', (field, value) => {
    expect(refusal(() => parseRequest(chunkTransferRequestSchema, { ...transfer, [field]: value })).fields).toEqual([field]);
  });
});

describe('chunk hash inputs', () => {
  const lookup = { upload_id: 'u1', offset: '1000', end: '263144', 'x-asset-id': 'a1', 'x-tenant': 'acme' };

  it('parses the range of a stored transfer', () => {
    expect(parseRequest(chunkSha256RequestSchema, lookup)).toEqual({ uploadId: 'u1', offset: 1000, end: 263_144, owner: { assetId: 'a1', tenant: 'acme' } });
  });

  it.each([
    ['end', '1000'],
    ['end', '999'],
    ['end', undefined],
    ['offset', '-1'],
  ])('refuse %s = %p', (field, value) => {
    expect(refusal(() => parseRequest(chunkSha256RequestSchema, { ...lookup, [field]: value })).fields).toEqual([field]);
  });
});

describe('complete inputs', () => {
  const complete = {
    upload_id: '65f0000000000000000000ab',
    length: 10,
    file_name: 'a.mp4',
    content_type: 'video/mp4',
    role: 'original',
    asset_id: 'a1',
    tenant: 'acme',
  };

  it('decode a JSON body', () => {
    expect(parseRequest(completeUploadRequestSchema, complete)).toMatchObject({ length: 10, fileName: 'a.mp4', owner: { tenant: 'acme' } });
  });

  it.each([
    ['length', '10'],
    ['length', -1],
    ['length', 1.5],
    ['file_name', 'a\tb'],
    ['role', undefined],
  ])('refuse %s = %p', (field, value) => {
    expect(refusal(() => parseRequest(completeUploadRequestSchema, { ...complete, [field]: value })).fields).toEqual([field]);
  });
});

describe('tenant header', () => {
  it('is required and must be well-formed', () => {
    expect(tenantHeaderSchema.safeParse(undefined).success).toBe(false);
    expect(tenantHeaderSchema.safeParse('acme').success).toBe(true);
    expect(tenantHeaderSchema.safeParse('a b').success).toBe(false);
  });
});
