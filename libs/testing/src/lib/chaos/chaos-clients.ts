import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { multipartBody, sendAndCut } from '../e2e/raw-multipart';
import type { AssetHistory, Operation, Outcome } from './chaos-history';
import type { SeededRandom } from './seeded-random';

/** Every answer the clients got, per asset, in the order they got them. */
export class HistoryRecorder {
  readonly histories = new Map<string, AssetHistory>();
  /** Writes whose answer never came and whose asset id is therefore unknown (a create cut off). */
  lostCreates = 0;
  readonly statuses = new Map<string, number>();
  acked = 0;
  /** Flows run, by kind. */
  readonly flows = new Map<string, number>();

  record(assetId: string, tenant: string, client: number, op: Operation, outcome: Outcome, status: number | string): void {
    let history = this.histories.get(assetId);
    if (!history) this.histories.set(assetId, (history = { id: assetId, tenant, entries: [] }));
    history.entries.push({ at: new Date().toISOString(), client, op, outcome, status });
    if (outcome === 'ack' && op.kind !== 'transfer') this.acked += 1;
  }

  countStatus(status: number | string): void {
    const key = String(status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }
}

export const FLOWS = ['upload', 'resumable', 'rename', 'replace', 'delete'] as const;
export type Flow = (typeof FLOWS)[number];

export interface ChaosClientOptions {
  index: number;
  tenant: string;
  token: string;
  gateway: string;
  random: SeededRandom;
  recorder: HistoryRecorder;
  flows: Record<Flow, number>;
  stopped: () => boolean;
}

interface Answer {
  status: number | string;
  body: Record<string, unknown>;
  etag: string | null;
}

const REQUEST_TIMEOUT_MS = 30_000;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function outcomeOf(status: number | string): Outcome {
  if (typeof status !== 'number' || status >= 500) return 'unknown';
  return status < 400 ? 'ack' : 'refused';
}

/**
 * One simulated client: it owns the assets it created and runs seeded flows on them, recording every
 * answer. Requests go through the gateway's balancer, so a replica killed mid-request is a cut connection.
 */
export async function runChaosClient(options: ChaosClientOptions): Promise<void> {
  const { index, tenant, gateway, random, recorder } = options;
  const auth = { Authorization: `Bearer ${options.token}` };
  const owned: string[] = [];
  let counter = 0;
  const record = (id: string, op: Operation, status: number | string) => recorder.record(id, tenant, index, op, outcomeOf(status), status);

  const call = async (method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Answer> => {
    try {
      const response = await fetch(`${gateway}${path}`, { method, headers: { ...auth, ...init.headers }, body: init.body ?? null, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        // A balancer or a dying process may answer something that is not JSON; the status says enough.
      }
      recorder.countStatus(response.status);
      return { status: response.status, body, etag: response.headers.get('etag') };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      recorder.countStatus(cause);
      return { status: cause, body: {}, etag: null };
    }
  };

  const flows: Record<Flow, () => Promise<void>> = {
    upload: async () => {
      const bytes = random.bytes(random.int(1_000, 200_000));
      const name = `c${index}-${counter++}`;
      const { body, contentType } = multipartBody([{ name: 'name', value: name }, { name: 'source', value: bytes, filename: `${name}.bin` }]);
      const answer = await call('POST', '/assets', { headers: { 'Content-Type': contentType }, body });
      const id = answer.body['id'];
      if (typeof id !== 'string' || outcomeOf(answer.status) !== 'ack') {
        if (outcomeOf(answer.status) === 'unknown') recorder.lostCreates += 1;
        return;
      }
      record(id, { kind: 'create', name, sha256: sha256(bytes), size: bytes.length }, answer.status);
      owned.push(id);
    },
    resumable: async () => {
      const file = random.bytes(random.int(100_000, 900_000));
      const name = `c${index}-${counter++}`;
      const started = await call('POST', '/assets', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ upload_phase: 'start', file_size: file.length, name }) });
      const id = started.body['id'];
      if (typeof id !== 'string' || outcomeOf(started.status) !== 'ack') {
        if (outcomeOf(started.status) === 'unknown') recorder.lostCreates += 1;
        return;
      }
      record(id, { kind: 'start', name, size: file.length }, started.status);
      // Some uploads are abandoned half-way: the TTL must turn them into failed assets and collect their bytes.
      const abandonAt = random.next() < 0.1 ? random.int(0, file.length - 1) : file.length + 1;
      let offset = 0;
      let failures = 0;
      while (offset < file.length && failures < 8 && !options.stopped()) {
        if (offset >= abandonAt) return;
        const size = Math.min(file.length - offset, random.int(50_000, 300_000));
        const chunk = file.subarray(offset, offset + size);
        const { body, contentType } = multipartBody([
          { name: 'upload_phase', value: 'transfer' },
          { name: 'start_offset', value: String(offset) },
          { name: 'file_chunk', value: chunk, filename: 'chunk.bin' },
        ]);
        if (random.next() < 0.3) {
          const cutAt = random.int(1, body.length - 1);
          await sendAndCut(`${gateway}/assets/${id}/multipart`, { ...auth, 'content-type': contentType }, body, cutAt, 50);
          record(id, { kind: 'transfer', offset, bytes: size, cutAt }, 'cut');
        } else {
          const answer = await call('POST', `/assets/${id}/multipart`, { headers: { 'Content-Type': contentType }, body });
          record(id, { kind: 'transfer', offset, bytes: size }, answer.status);
          if (answer.status === 200 && typeof answer.body['start_offset'] === 'number') {
            offset = answer.body['start_offset'];
            continue;
          }
          if (answer.status === 410) return;
        }
        // Where to resume is the server's to say: a cut chunk keeps none of its bytes, or all of them.
        failures += 1;
        await sleep(random.int(100, 1_000));
        const where = await call('GET', `/assets/${id}/multipart`);
        if (where.status === 200 && typeof where.body['start_offset'] === 'number') offset = where.body['start_offset'];
        if (where.status === 410) return;
      }
      if (offset < file.length) return;
      for (let attempt = 0; attempt < 6; attempt += 1) {
        const finished = await call('POST', `/assets/${id}/multipart`, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ upload_phase: 'finish' }) });
        record(id, { kind: 'finish', sha256: sha256(file) }, finished.status);
        const outcome = outcomeOf(finished.status);
        if (outcome === 'ack') owned.push(id);
        if (outcome !== 'unknown') return;
        await sleep(random.int(200, 1_500));
      }
    },
    rename: async () => {
      const id = random.pick(owned);
      const current = await call('GET', `/assets/${id}`);
      // Now and then a stale tag (the asset's status changed since): the 412 must change nothing.
      const etag = random.next() < 0.15 ? '"stale"' : current.etag;
      if (!etag) return;
      const name = `c${index}-${counter++}`;
      const answer = await call('PUT', `/assets/${id}`, { headers: { 'Content-Type': 'application/json', 'If-Match': etag }, body: JSON.stringify({ name }) });
      record(id, { kind: 'rename', name }, answer.status);
    },
    replace: async () => {
      const id = random.pick(owned);
      const current = await call('GET', `/assets/${id}`);
      if (!current.etag) return;
      const bytes = random.bytes(random.int(1_000, 200_000));
      const { body, contentType } = multipartBody([{ name: 'source', value: bytes, filename: `r${counter++}.bin` }]);
      const answer = await call('PUT', `/assets/${id}`, { headers: { 'Content-Type': contentType, 'If-Match': current.etag }, body });
      record(id, { kind: 'replace', sha256: sha256(bytes), size: bytes.length }, answer.status);
    },
    delete: async () => {
      const id = random.pick(owned);
      const answer = await call('DELETE', `/assets/${id}`);
      record(id, { kind: 'delete' }, answer.status);
      if (outcomeOf(answer.status) !== 'refused') owned.splice(owned.indexOf(id), 1);
    },
  };

  while (!options.stopped()) {
    const weights = { ...options.flows };
    if (owned.length === 0) weights.rename = weights.replace = weights.delete = 0;
    // Keep each client's working set small, so most assets see several writes.
    if (owned.length > 8) weights.upload = weights.resumable = 0;
    const flow = random.weighted(weights);
    await flows[flow]();
    recorder.flows.set(flow, (recorder.flows.get(flow) ?? 0) + 1);
    await sleep(random.int(0, 150));
  }
}

