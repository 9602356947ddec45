import type { IncomingMessage } from 'node:http';
import type { StoredFile } from '../assets/asset.record';

export interface CheckedOpen {
  file: StoredFile;
  upstream: IncomingMessage;
}

/**
 * Waits for storage's answer and for the check that the asset still lists the file, both already under
 * way: `/cdn` asks storage while the asset is read, so one database round trip is on the critical path
 * instead of two. Null when the file is no longer served (asset deleted, file replaced): the answer
 * opened meanwhile is thrown away unread, and the caller answers 404 as it always did. A failed check
 * wins over a failed open, so a file no longer served never answers with storage's error.
 */
export async function checkedOpen(listed: Promise<StoredFile | null>, opening: Promise<IncomingMessage>): Promise<CheckedOpen | null> {
  const [file, upstream] = await Promise.allSettled([listed, opening]);
  const discard = (): void => {
    // destroy, not resume: a whole large file must not be read only to be dropped.
    if (upstream.status === 'fulfilled') upstream.value.destroy();
  };
  if (file.status === 'rejected') {
    discard();
    throw file.reason;
  }
  if (!file.value) {
    discard();
    return null;
  }
  if (upstream.status === 'rejected') throw upstream.reason;
  return { file: file.value, upstream: upstream.value };
}
