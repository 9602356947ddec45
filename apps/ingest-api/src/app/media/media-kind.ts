import type { AssetLabel } from '@media/asset-model';
import { fileTypeFromBuffer } from 'file-type';

/** How many leading bytes are enough for every signature file-type knows. */
export const SNIFF_BYTES = 4100;

export interface MediaKind {
  label: AssetLabel;
  mimeType: string;
}

const DOCUMENT_MIME_TYPES = new Set([
  'application/pdf',
  'application/rtf',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/epub+zip',
]);

/** The label a MIME type belongs to; anything we cannot process is a plain File. */
export function labelOf(mimeType: string): AssetLabel {
  if (mimeType.startsWith('image/')) return 'Photo';
  if (mimeType.startsWith('video/')) return 'Video';
  if (mimeType.startsWith('audio/')) return 'Audio';
  if (DOCUMENT_MIME_TYPES.has(mimeType) || mimeType.startsWith('text/')) return 'Document';
  return 'File';
}

/**
 * Decides what a file is from its first bytes (magic numbers), never from the client's Content-Type or
 * file name: a renamed script stays a File, a PNG called `.mp4` stays a Photo.
 */
export async function sniffMediaKind(head: Uint8Array): Promise<MediaKind> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) {
    // Some containers are audio or video depending on their tracks; file-type reports them by container.
    const mimeType = detected.mime === 'application/mp4' ? 'audio/mp4' : detected.mime;
    return { label: labelOf(mimeType), mimeType };
  }
  if (looksLikeText(head)) return { label: 'Document', mimeType: 'text/plain' };
  return { label: 'File', mimeType: 'application/octet-stream' };
}

/** UTF-8 without control bytes other than whitespace: good enough to call a file text. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const byte of head) {
    if (byte === 0 || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c)) return false;
  }
  try {
    // A multi-byte character cut at the end of the sniffed window is not a reason to call it binary.
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 4)));
    return true;
  } catch {
    return false;
  }
}
