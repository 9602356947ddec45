import type { UploadCommand } from './upload-commands';
import { chunkAllowance, offsetsOf, type UploadSession } from './upload-session';
import { applyUploadCommand, startUpload } from './upload-state-machine';

const NOW = 1_000_000;
const MiB = 1024 * 1024;

const base: UploadSession = {
  status: 'uploading',
  fileSize: 100 * MiB,
  received: 0,
  chunkSize: 50 * MiB,
  maxChunkSize: 60 * MiB,
  expiresAt: NOW + 1_000,
  expired: false,
  transfer: null,
};

/** Every kind of state the machine can be asked about. */
const states: Record<string, UploadSession> = {
  fresh: base,
  partial: { ...base, received: 10 * MiB },
  complete: { ...base, received: base.fileSize },
  'transfer in flight': { ...base, received: 10 * MiB, transfer: { id: 'other', startOffset: 10 * MiB, leaseUntil: NOW + 500 } },
  'own transfer in flight': { ...base, received: 10 * MiB, transfer: { id: 't1', startOffset: 10 * MiB, leaseUntil: NOW + 500 } },
  'stale lease': { ...base, received: 10 * MiB, transfer: { id: 'other', startOffset: 10 * MiB, leaseUntil: NOW - 1 } },
  'past ttl': { ...base, received: 10 * MiB, expiresAt: NOW },
  expired: { ...base, status: 'failed', expired: true, received: 10 * MiB },
  processing: { ...base, status: 'processing', received: base.fileSize },
  ready: { ...base, status: 'ready', received: base.fileSize },
  failed: { ...base, status: 'failed', received: base.fileSize },
};

/** Every kind of command, written against the offsets of the state it is applied to. */
const commands: Record<string, (s: UploadSession) => UploadCommand> = {
  'begin at server offset': (s) => ({ kind: 'begin_transfer', transferId: 't1', startOffset: s.received, now: NOW, leaseMs: 60_000 }),
  'begin without offset': () => ({ kind: 'begin_transfer', transferId: 't1', now: NOW, leaseMs: 60_000 }),
  'begin at wrong offset': (s) => ({ kind: 'begin_transfer', transferId: 't1', startOffset: s.received + 1, now: NOW, leaseMs: 60_000 }),
  'commit own 1 MiB': () => ({ kind: 'commit_transfer', transferId: 't1', bytes: MiB, now: NOW }),
  'commit own 0 bytes': () => ({ kind: 'commit_transfer', transferId: 't1', bytes: 0, now: NOW }),
  'commit own oversized': (s) => ({ kind: 'commit_transfer', transferId: 't1', bytes: chunkAllowance(s).maxBytes + 1, now: NOW }),
  'commit foreign': () => ({ kind: 'commit_transfer', transferId: 'stranger', bytes: MiB, now: NOW }),
  'abort own': () => ({ kind: 'abort_transfer', transferId: 't1' }),
  finish: () => ({ kind: 'finish', now: NOW }),
  expire: () => ({ kind: 'expire', now: NOW }),
};

/**
 * The whole table: `ok` = applied with a change, `replay` = accepted without a change, otherwise the
 * refusal code. Rows are states, columns the commands above, in order.
 */
const expected: Record<string, string[]> = {
  fresh: ['ok', 'ok', 'offset_mismatch', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'upload_incomplete', 'replay'],
  partial: ['ok', 'ok', 'offset_mismatch', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'upload_incomplete', 'replay'],
  complete: ['chunk_exceeds_file_size', 'chunk_exceeds_file_size', 'offset_mismatch', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'ok', 'replay'],
  'transfer in flight': ['transfer_in_progress', 'transfer_in_progress', 'transfer_in_progress', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'transfer_in_progress', 'replay'],
  'own transfer in flight': ['transfer_in_progress', 'transfer_in_progress', 'transfer_in_progress', 'ok', 'empty_chunk', 'chunk_too_large', 'transfer_lost', 'ok', 'transfer_in_progress', 'replay'],
  'stale lease': ['ok', 'ok', 'offset_mismatch', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'upload_incomplete', 'replay'],
  'past ttl': ['upload_expired', 'upload_expired', 'upload_expired', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'upload_expired', 'ok'],
  expired: ['upload_expired', 'upload_expired', 'upload_expired', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'upload_expired', 'replay'],
  processing: ['upload_not_open', 'upload_not_open', 'upload_not_open', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'replay', 'replay'],
  ready: ['upload_not_open', 'upload_not_open', 'upload_not_open', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'replay', 'replay'],
  failed: ['upload_not_open', 'upload_not_open', 'upload_not_open', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'transfer_lost', 'replay', 'replay', 'replay'],
};

describe('upload state machine: every (state, command) pair', () => {
  const commandNames = Object.keys(commands);
  const cases = Object.entries(states).flatMap(([stateName, state]) =>
    commandNames.map((commandName, column) => ({ stateName, state, commandName, want: expected[stateName]?.[column] })),
  );

  it('has an expectation for every pair', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(states).sort());
    for (const row of Object.values(expected)) expect(row).toHaveLength(commandNames.length);
  });

  it.each(cases)('$stateName + $commandName → $want', ({ state, commandName, want }) => {
    const command = commands[commandName];
    if (!command) throw new Error(`no command ${commandName}`);
    const result = applyUploadCommand(state, command(state));
    const got = result.ok ? (result.replay ? 'replay' : 'ok') : result.refusal.code;
    expect(got).toBe(want);
    if (result.ok && result.replay) expect(result.session).toBe(state);
  });
});

describe('transitions', () => {
  it('a committed chunk moves the offsets by what was received, not by the suggestion', () => {
    const begun = applyUploadCommand(states['partial'] as UploadSession, {
      kind: 'begin_transfer',
      transferId: 't1',
      now: NOW,
      leaseMs: 10,
    });
    if (!begun.ok) throw new Error('begin refused');
    const committed = applyUploadCommand(begun.session, { kind: 'commit_transfer', transferId: 't1', bytes: 10 * MiB, now: NOW });
    if (!committed.ok) throw new Error('commit refused');
    expect(committed.session.transfer).toBeNull();
    expect(offsetsOf(committed.session)).toEqual({ start_offset: 20 * MiB, end_offset: 70 * MiB, file_size: 100 * MiB });
    expect(committed.events).toEqual([]);
  });

  it('finish moves to processing and emits asset.uploaded once; a second finish is a replay', () => {
    const first = applyUploadCommand(states['complete'] as UploadSession, { kind: 'finish', now: NOW });
    expect(first).toMatchObject({ ok: true, replay: false, events: ['asset.uploaded'], session: { status: 'processing' } });
    if (!first.ok) return;
    const second = applyUploadCommand(first.session, { kind: 'finish', now: NOW + 1 });
    expect(second).toMatchObject({ ok: true, replay: true, events: [] });
  });

  it('an offset mismatch carries the server offsets and the offset the client sent', () => {
    const result = applyUploadCommand(states['partial'] as UploadSession, {
      kind: 'begin_transfer',
      transferId: 't1',
      startOffset: 0,
      now: NOW,
      leaseMs: 10,
    });
    expect(result).toEqual({
      ok: false,
      refusal: expect.objectContaining({
        status: 409,
        providedOffset: 0,
        offsets: { start_offset: 10 * MiB, end_offset: 60 * MiB, file_size: 100 * MiB },
      }),
    });
  });

  it('expiry fails the upload and emits asset.changed', () => {
    const result = applyUploadCommand(states['past ttl'] as UploadSession, { kind: 'expire', now: NOW });
    expect(result).toMatchObject({ ok: true, events: ['asset.changed'], session: { status: 'failed', expired: true } });
  });

  it('the last chunk may not pass file_size, a middle chunk not the chunk limit', () => {
    expect(chunkAllowance({ received: 0, fileSize: 100, maxChunkSize: 60 })).toEqual({ maxBytes: 60, overflowCode: 'chunk_too_large' });
    expect(chunkAllowance({ received: 60, fileSize: 100, maxChunkSize: 60 })).toEqual({ maxBytes: 40, overflowCode: 'chunk_exceeds_file_size' });
  });
});

describe('startUpload', () => {
  const input = { chunkSize: 50 * MiB, maxChunkSize: 100 * MiB, maxFileSize: 10 * 1024 * MiB, ttlMs: 86_400_000, now: NOW };

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 11 * 1024 * MiB])('refuses file_size %p', (fileSize) => {
    expect(startUpload({ ...input, fileSize })).toMatchObject({ ok: false, refusal: { code: 'invalid_file_size', status: 400 } });
  });

  it('opens an upload with the suggested chunk and the TTL, emitting asset.created', () => {
    const result = startUpload({ ...input, fileSize: 8_308_859 });
    expect(result).toMatchObject({ ok: true, events: ['asset.created'] });
    if (!result.ok) return;
    expect(offsetsOf(result.session)).toEqual({ start_offset: 0, end_offset: 8_308_859, file_size: 8_308_859 });
    expect(result.session.expiresAt).toBe(NOW + 86_400_000);
  });

  it('never suggests a chunk larger than the server accepts', () => {
    const result = startUpload({ ...input, fileSize: 500 * MiB, chunkSize: 200 * MiB });
    expect(result.ok && result.session.chunkSize).toBe(100 * MiB);
  });
});
