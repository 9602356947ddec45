import type { AssetHistory, Bounds, HistoryEntry, Observation, ObservedEvent, Violation } from './chaos-history';

/**
 * What an asset's history allows it to be now. A write without an answer (`unknown`) may or may not have
 * happened, so each property is a set: the last acknowledged value plus any unanswered write after it.
 */
export interface Expectation {
  id: string;
  tenant: string;
  /** `gone`: a delete was acknowledged; `maybe-gone`: one went unanswered; `present`: none was tried. */
  existence: 'present' | 'gone' | 'maybe-gone';
  names: Set<string>;
  /** Acceptable sha256 of the original; empty when no upload of bytes was ever acknowledged nor attempted. */
  contents: Set<string>;
  /** Whether some content must be there (an upload or replacement was acknowledged). */
  contentRequired: boolean;
  lastWriteAt: string | null;
  createdAt: string | null;
}

const isWrite = (entry: HistoryEntry) => entry.op.kind !== 'transfer';

export function expectationOf(history: AssetHistory): Expectation {
  let names = new Set<string>();
  let contents = new Set<string>();
  let contentRequired = false;
  let existence: Expectation['existence'] = 'present';
  let lastWriteAt: string | null = null;
  let createdAt: string | null = null;
  for (const entry of history.entries) {
    if (entry.outcome === 'refused') continue;
    if (isWrite(entry)) lastWriteAt = entry.at;
    const acked = entry.outcome === 'ack';
    const { op } = entry;
    // An acknowledged value replaces the set; an unanswered one joins it.
    const setName = (name: string) => (names = acked ? new Set([name]) : new Set([...names, name]));
    const setContent = (sha: string) => {
      contents = acked ? new Set([sha]) : new Set([...contents, sha]);
      if (acked) contentRequired = true;
    };
    switch (op.kind) {
      case 'create':
        if (acked) createdAt ??= entry.at;
        setName(op.name);
        setContent(op.sha256);
        break;
      case 'start':
        if (acked) createdAt ??= entry.at;
        setName(op.name);
        break;
      case 'finish':
        setContent(op.sha256);
        break;
      case 'rename':
        setName(op.name);
        break;
      case 'replace':
        setContent(op.sha256);
        break;
      case 'delete':
        existence = acked ? 'gone' : existence === 'gone' ? 'gone' : 'maybe-gone';
        break;
      case 'transfer':
        break;
    }
  }
  return { id: history.id, tenant: history.tenant, existence, names, contents, contentRequired, lastWriteAt, createdAt };
}

interface ExpectedEvent {
  event: string;
  /** The change the event must show, so a rename's event is not confused with a status change. */
  name?: string;
  label: string;
}

/** The events each acknowledged write must have put on the topic, in the order of the writes. */
export function expectedEvents(history: AssetHistory): ExpectedEvent[] {
  const expected: ExpectedEvent[] = [];
  for (const entry of history.entries) {
    if (entry.outcome !== 'ack') continue;
    const { op } = entry;
    const label = `${op.kind} at ${entry.at}`;
    if (op.kind === 'create') expected.push({ event: 'asset.created', label }, { event: 'asset.uploaded', label });
    if (op.kind === 'start') expected.push({ event: 'asset.created', label });
    if (op.kind === 'finish') expected.push({ event: 'asset.uploaded', label });
    if (op.kind === 'rename') expected.push({ event: 'asset.changed', name: op.name, label });
    if (op.kind === 'replace') expected.push({ event: 'asset.changed', label }, { event: 'asset.uploaded', label });
    if (op.kind === 'delete') expected.push({ event: 'asset.deleted', label });
  }
  return expected;
}

function firstOccurrences(events: readonly ObservedEvent[]): ObservedEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => (seen.has(event.id) ? false : (seen.add(event.id), true)));
}

/** Each acknowledged write's event is on the topic, and they come in the order the writes were acknowledged. */
export function checkEvents(history: AssetHistory, events: readonly ObservedEvent[]): Violation[] {
  const own = firstOccurrences(events.filter((event) => event.assetId === history.id));
  const matches = (event: ObservedEvent, wanted: ExpectedEvent) => event.event === wanted.event && (wanted.name === undefined || event.name === wanted.name);
  const violations: Violation[] = [];
  let cursor = 0;
  for (const wanted of expectedEvents(history)) {
    const at = own.findIndex((event, index) => index >= cursor && matches(event, wanted));
    if (at >= 0) {
      cursor = at + 1;
      continue;
    }
    const earlier = own.some((event) => matches(event, wanted));
    violations.push(
      earlier
        ? { invariant: 'event-order', assetId: history.id, message: `${wanted.event} of ${wanted.label} is on the topic before an event of an earlier write` }
        : { invariant: 'events', assetId: history.id, message: `no ${wanted.event}${wanted.name === undefined ? '' : ` with name ${JSON.stringify(wanted.name)}`} for the acknowledged ${wanted.label}` },
    );
  }
  return violations;
}

/** A redelivered event keeps its id and its content: one id, one value. */
export function checkEventIdentity(events: readonly ObservedEvent[]): Violation[] {
  const byId = new Map<string, ObservedEvent>();
  const violations: Violation[] = [];
  for (const event of events) {
    const first = byId.get(event.id);
    if (!first) byId.set(event.id, event);
    else if (first.value !== event.value) violations.push({ invariant: 'event-identity', assetId: event.assetId, message: `event id ${event.id} was published with two different contents` });
  }
  return violations;
}

/** Every event a subscription asked for reached the receiver, and everything the receiver got was signed right. */
export function checkWebhooks(observation: Pick<Observation, 'events' | 'webhooks' | 'subscriptions'>): Violation[] {
  const violations: Violation[] = [];
  for (const hook of observation.webhooks) {
    if (!hook.signatureValid) violations.push({ invariant: 'webhooks', assetId: null, message: `delivery of event ${hook.eventId} (tenant ${hook.tenant}) carried an invalid signature` });
  }
  const received = new Set(observation.webhooks.filter((hook) => hook.signatureValid).map((hook) => `${hook.tenant} ${hook.eventId}`));
  for (const event of firstOccurrences(observation.events)) {
    const subscribed = observation.subscriptions.some((s) => s.tenant === event.tenant && s.events.includes(event.event));
    if (subscribed && !received.has(`${event.tenant} ${event.id}`)) {
      violations.push({ invariant: 'webhooks', assetId: event.assetId, eventId: event.id, message: `${event.event} ${event.id} never reached the subscribed receiver with a valid signature` });
    }
  }
  return violations;
}

const ageSeconds = (from: string | null, now: string) => (from === null ? 0 : (Date.parse(now) - Date.parse(from)) / 1000);

/** One asset's state against its history: existence, name, bytes, deletion, and the age bounds. */
export function checkAsset(history: AssetHistory, observation: Observation, bounds: Bounds): Violation[] {
  const expected = expectationOf(history);
  const seen = observation.assets.find((asset) => asset.id === history.id);
  const v = (invariant: Violation['invariant'], message: string): Violation => ({ invariant, assetId: history.id, message });
  if (!seen) return [v('acknowledged-state', 'the asset was not observed at all')];
  if (expected.existence === 'gone') {
    const violations: Violation[] = [];
    if (seen.found) violations.push(v('deleted', `the acknowledged delete did not take: the API still answers it (status ${String(seen.status)})`));
    if (seen.storedFiles > 0) violations.push(v('deleted', `${seen.storedFiles} stored file(s) of the deleted asset remain`));
    return violations;
  }
  if (!seen.found) {
    if (expected.existence === 'present') return [v('acknowledged-state', 'an acknowledged asset is gone (404) though no delete was tried')];
    return seen.storedFiles > 0 ? [v('deleted', `${seen.storedFiles} stored file(s) of the deleted asset remain`)] : [];
  }
  const violations: Violation[] = [];
  if (seen.name === null || !expected.names.has(seen.name)) {
    violations.push(v('acknowledged-state', `name ${JSON.stringify(seen.name)} is none of the acknowledged or pending ones: ${JSON.stringify([...expected.names])}`));
  }
  if (expected.contentRequired && (seen.cdnSha256 === null || !expected.contents.has(seen.cdnSha256))) {
    violations.push(v('bytes', `the original read through /cdn has sha256 ${String(seen.cdnSha256)}, expected one of ${JSON.stringify([...expected.contents])}`));
  }
  if (seen.status === 'uploading' && ageSeconds(seen.createdOn ?? expected.createdAt, observation.now) > bounds.uploadingSeconds) {
    violations.push(v('stuck', `still uploading ${Math.round(ageSeconds(seen.createdOn ?? expected.createdAt, observation.now))} s after creation (bound ${bounds.uploadingSeconds} s)`));
  }
  if (seen.status === 'processing' && ageSeconds(expected.lastWriteAt, observation.now) > bounds.processingSeconds) {
    violations.push(v('stuck', `still processing ${Math.round(ageSeconds(expected.lastWriteAt, observation.now))} s after its last write (bound ${bounds.processingSeconds} s)`));
  }
  return violations;
}

/** Every invariant over every history; an empty list is a passing run. */
export function checkInvariants(histories: readonly AssetHistory[], observation: Observation, bounds: Bounds): Violation[] {
  const violations: Violation[] = [];
  for (const history of histories) {
    violations.push(...checkAsset(history, observation, bounds));
    violations.push(...checkEvents(history, observation.events));
  }
  violations.push(...checkEventIdentity(observation.events));
  violations.push(...checkWebhooks(observation));
  for (const parked of observation.deadLettered ?? []) {
    violations.push({ invariant: 'dead-lettered', assetId: null, message: `a valid event was parked on the dead-letter topic (${parked.reason}): ${parked.value.slice(0, 300)}` });
  }
  const { files, chunks, parts } = observation.orphans;
  if (files + chunks + parts > 0) {
    violations.push({ invariant: 'orphans', assetId: null, message: `after the collector: ${files} orphaned file(s), ${chunks} chunk(s), ${parts} upload part(s)` });
  }
  return violations;
}
