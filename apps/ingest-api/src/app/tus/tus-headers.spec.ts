import { DomainError } from '@media/service-kit';
import {
  assertTusResumable,
  parseUploadChecksum,
  parseUploadLength,
  parseUploadMetadata,
  parseUploadOffset,
  tusCapabilities,
  tusLocation,
  uploadExpires,
} from './tus-headers';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The problem code a call throws, or 'ok'. */
function codeOf(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe('Tus-Resumable', () => {
  it('accepts 1.0.0 only; anything else is 412 naming the version served', () => {
    expect(codeOf(() => assertTusResumable('1.0.0'))).toBe('ok');
    expect(codeOf(() => assertTusResumable(undefined))).toBe('412 tus_version_unsupported');
    expect(codeOf(() => assertTusResumable('0.2.2'))).toBe('412 tus_version_unsupported');
    try {
      assertTusResumable('2.0.0');
    } catch (error) {
      expect((error as DomainError).headers).toEqual({ 'Tus-Version': '1.0.0' });
    }
  });
});

describe('Upload-Length and Upload-Offset', () => {
  it.each([
    ['0', 0],
    ['123', 123],
    [' 42 ', 42],
    ['9007199254740991', 9007199254740991],
  ])('reads %j', (header, expected) => {
    expect(parseUploadLength(header, undefined)).toBe(expected);
    expect(parseUploadOffset(header)).toBe(expected);
  });

  it.each([undefined, '', '-1', '1.5', '1e3', 'abc', '99999999999999999'])('refuses %j', (header) => {
    expect(codeOf(() => parseUploadLength(header, undefined))).toBe('400 invalid_upload_length');
    expect(codeOf(() => parseUploadOffset(header))).toBe('400 invalid_upload_offset');
  });

  it('says deferred lengths are not offered', () => {
    expect(codeOf(() => parseUploadLength(undefined, '1'))).toBe('400 upload_length_required');
  });
});

describe('Upload-Metadata', () => {
  it('decodes the known keys from base64 UTF-8 and ignores the rest', () => {
    const header = `filename ${b64('clip ü.mp4')},filetype ${b64('video/mp4')},name ${b64('Launch film')},label ${b64('Video')},relativePath ${b64('x/y')},is_confidential`;
    expect(parseUploadMetadata(header)).toEqual({ filename: 'clip ü.mp4', filetype: 'video/mp4', name: 'Launch film', label: 'Video' });
  });

  it('is empty without the header, and a key without a value is absent', () => {
    expect(parseUploadMetadata(undefined)).toEqual({});
    expect(parseUploadMetadata('')).toEqual({});
    expect(parseUploadMetadata('name')).toEqual({});
  });

  it.each([
    ['a value that is not base64', 'name n@t-base64'],
    ['base64 of bad length', 'name abc'],
    ['a repeated key', `name ${b64('a')},name ${b64('b')}`],
    ['three parts', `name ${b64('a')} extra`],
    ['an empty pair', `name ${b64('a')},,label ${b64('Video')}`],
    ['a value that is not UTF-8', `name ${Buffer.from([0xff, 0xfe, 0xfd]).toString('base64')}`],
  ])('refuses %s', (_, header) => {
    expect(codeOf(() => parseUploadMetadata(header))).toBe('400 invalid_upload_metadata');
  });
});

describe('Upload-Checksum', () => {
  const digest = Buffer.alloc(32, 7).toString('base64');

  it('reads a sha256 digest (algorithm name in any case) and nothing when absent', () => {
    expect(parseUploadChecksum(`sha256 ${digest}`)).toBe(digest);
    expect(parseUploadChecksum(`SHA256 ${digest}`)).toBe(digest);
    expect(parseUploadChecksum(undefined)).toBeUndefined();
  });

  it('refuses another algorithm with its own code, and a malformed value', () => {
    expect(codeOf(() => parseUploadChecksum(`md5 ${Buffer.alloc(16).toString('base64')}`))).toBe('400 unsupported_checksum_algorithm');
    expect(codeOf(() => parseUploadChecksum(`sha1 ${Buffer.alloc(20).toString('base64')}`))).toBe('400 unsupported_checksum_algorithm');
    expect(codeOf(() => parseUploadChecksum(`sha256 ${Buffer.alloc(16).toString('base64')}`))).toBe('400 invalid_upload_checksum');
    expect(codeOf(() => parseUploadChecksum(digest))).toBe('400 invalid_upload_checksum');
    expect(codeOf(() => parseUploadChecksum(`sha256  ${digest}`))).toBe('400 invalid_upload_checksum');
  });
});

describe('answers', () => {
  it('advertises version, extensions, size and checksum algorithm', () => {
    expect(tusCapabilities(1000)).toEqual({
      'Tus-Version': '1.0.0',
      'Tus-Extension': 'creation,creation-with-upload,expiration,checksum,termination',
      'Tus-Max-Size': '1000',
      'Tus-Checksum-Algorithm': 'sha256',
    });
  });

  it('writes Upload-Expires as an HTTP date and the Location on the public origin', () => {
    expect(uploadExpires(Date.UTC(2026, 10, 25, 10, 0, 0))).toBe('Wed, 25 Nov 2026 10:00:00 GMT');
    expect(tusLocation('https://media.example.com/', 'abc')).toBe('https://media.example.com/tus/abc');
  });
});
