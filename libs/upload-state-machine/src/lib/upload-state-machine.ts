import type { Refusal, Transition, UploadCommand } from './upload-commands';
import { chunkAllowance, offsetsOf, type UploadSession } from './upload-session';

export interface StartUploadInput {
  fileSize: number;
  chunkSize: number;
  maxChunkSize: number;
  maxFileSize: number;
  ttlMs: number;
  now: number;
}

/** Opens a resumable upload (`upload_phase=start`). */
export function startUpload(input: StartUploadInput): Transition {
  const { fileSize } = input;
  if (!Number.isSafeInteger(fileSize) || fileSize < 1 || fileSize > input.maxFileSize) {
    return refuse({
      code: 'invalid_file_size',
      status: 400,
      detail: `file_size must be a whole number of bytes between 1 and ${input.maxFileSize}`,
    });
  }
  return {
    ok: true,
    replay: false,
    events: ['asset.created'],
    session: {
      status: 'uploading',
      fileSize,
      received: 0,
      chunkSize: Math.min(input.chunkSize, input.maxChunkSize),
      maxChunkSize: input.maxChunkSize,
      expiresAt: input.now + input.ttlMs,
      expired: false,
      transfer: null,
    },
  };
}

/** The one transition function: (session, command) → new session and events, or a typed refusal. */
export function applyUploadCommand(session: UploadSession, command: UploadCommand): Transition {
  switch (command.kind) {
    case 'begin_transfer':
      return beginTransfer(session, command);
    case 'commit_transfer':
      return commitTransfer(session, command);
    case 'abort_transfer':
      return abortTransfer(session, command);
    case 'finish':
      return finish(session, command);
    case 'expire':
      return expire(session, command);
  }
}

function beginTransfer(session: UploadSession, command: Extract<UploadCommand, { kind: 'begin_transfer' }>): Transition {
  const blocked = refuseUnlessOpen(session, command.now) ?? refuseWhileTransferring(session, command.now);
  if (blocked) return blocked;
  if (command.startOffset !== undefined && command.startOffset !== session.received) {
    return refuse({
      code: 'offset_mismatch',
      status: 409,
      detail: `start_offset must be ${session.received}`,
      offsets: offsetsOf(session),
      providedOffset: command.startOffset,
    });
  }
  if (session.received === session.fileSize) {
    return refuse({
      code: 'chunk_exceeds_file_size',
      status: 413,
      detail: 'every byte of file_size has been received; finish the upload',
      offsets: offsetsOf(session),
    });
  }
  return accept({
    ...session,
    transfer: { id: command.transferId, startOffset: session.received, leaseUntil: command.now + command.leaseMs },
  });
}

function commitTransfer(session: UploadSession, command: Extract<UploadCommand, { kind: 'commit_transfer' }>): Transition {
  // A transfer that lost its lease (another took over, or the upload closed) must not move the offsets.
  if (session.transfer?.id !== command.transferId) {
    return refuse({
      code: 'transfer_lost',
      status: 409,
      detail: 'this transfer no longer holds the upload; send the chunk again',
      offsets: offsetsOf(session),
    });
  }
  const closed = refuseUnlessOpen(session, command.now);
  if (closed) return closed;
  if (command.bytes < 1) {
    return refuse({ code: 'empty_chunk', status: 400, detail: 'a chunk carries at least one byte', offsets: offsetsOf(session) });
  }
  const allowance = chunkAllowance(session);
  if (command.bytes > allowance.maxBytes) return refuse(overflowRefusal(session));
  return accept({ ...session, received: session.received + command.bytes, transfer: null });
}

function abortTransfer(session: UploadSession, command: Extract<UploadCommand, { kind: 'abort_transfer' }>): Transition {
  // Aborting someone else's lease, or none, changes nothing: the abort of a lost transfer is a no-op.
  if (session.transfer?.id !== command.transferId) return { ok: true, session, events: [], replay: true };
  return accept({ ...session, transfer: null });
}

function finish(session: UploadSession, command: Extract<UploadCommand, { kind: 'finish' }>): Transition {
  if (session.status !== 'uploading' && !session.expired) return { ok: true, session, events: [], replay: true };
  const blocked = refuseUnlessOpen(session, command.now) ?? refuseWhileTransferring(session, command.now);
  if (blocked) return blocked;
  if (session.received < session.fileSize) {
    return refuse({
      code: 'upload_incomplete',
      status: 422,
      detail: `${session.fileSize - session.received} of ${session.fileSize} bytes are still missing`,
      offsets: offsetsOf(session),
    });
  }
  return { ok: true, replay: false, events: ['asset.uploaded'], session: { ...session, status: 'processing', transfer: null } };
}

function expire(session: UploadSession, command: Extract<UploadCommand, { kind: 'expire' }>): Transition {
  if (session.status !== 'uploading' || session.expired || command.now < session.expiresAt) {
    return { ok: true, session, events: [], replay: true };
  }
  return {
    ok: true,
    replay: false,
    events: ['asset.changed'],
    session: { ...session, status: 'failed', expired: true, transfer: null },
  };
}

/** Refusal for any command on an upload that no longer takes bytes. */
function refuseUnlessOpen(session: UploadSession, now: number): Transition | undefined {
  if (session.expired || (session.status === 'uploading' && now >= session.expiresAt)) {
    return refuse({ code: 'upload_expired', status: 410, detail: 'the upload expired; start a new one' });
  }
  if (session.status !== 'uploading') {
    return refuse({ code: 'upload_not_open', status: 409, detail: `the upload is ${session.status}, not uploading` });
  }
  return undefined;
}

/** Refusal while another transfer holds a live lease on the upload. */
function refuseWhileTransferring(session: UploadSession, now: number): Transition | undefined {
  if (!session.transfer || session.transfer.leaseUntil <= now) return undefined;
  return refuse({
    code: 'transfer_in_progress',
    status: 409,
    detail: 'another chunk of this upload is being transferred; retry when it has finished',
    offsets: offsetsOf(session),
  });
}

/** The 413 that applies when a chunk runs past what this upload accepts. */
export function overflowRefusal(session: UploadSession): Refusal {
  const allowance = chunkAllowance(session);
  return {
    code: allowance.overflowCode,
    status: 413,
    detail:
      allowance.overflowCode === 'chunk_too_large'
        ? `a chunk may carry at most ${session.maxChunkSize} bytes`
        : `the chunk would pass file_size (${session.fileSize} bytes)`,
    offsets: offsetsOf(session),
  };
}

function accept(session: UploadSession): Transition {
  return { ok: true, session, events: [], replay: false };
}

function refuse(refusal: Refusal): Transition {
  return { ok: false, refusal };
}
