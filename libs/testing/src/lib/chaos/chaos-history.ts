/**
 * What the chaos clients were told, and what the system holds afterwards. Pure data: the invariant checker
 * compares the two without any server.
 */

/** `ack`: the API said it happened; `refused`: a 4xx said it did not; `unknown`: no answer or a 5xx, so either. */
export type Outcome = 'ack' | 'refused' | 'unknown';

export type Operation =
  | { kind: 'create'; name: string; sha256: string; size: number }
  | { kind: 'start'; name: string; size: number }
  | { kind: 'transfer'; offset: number; bytes: number; cutAt?: number }
  | { kind: 'finish'; sha256: string }
  | { kind: 'rename'; name: string }
  | { kind: 'replace'; sha256: string; size: number }
  | { kind: 'delete' };

export interface HistoryEntry {
  at: string;
  client: number;
  op: Operation;
  outcome: Outcome;
  /** The HTTP status, or the network error's code. */
  status: number | string;
}

export interface AssetHistory {
  id: string;
  tenant: string;
  entries: HistoryEntry[];
}

/** One message of assets.events.v1 as read from the topic, in partition order (the key is the asset id). */
export interface ObservedEvent {
  id: string;
  event: string;
  assetId: string;
  tenant: string;
  /** The envelope's value as JSON, to tell a redelivery (same bytes) from a reused id. */
  value: string;
  name: string | null;
  sha256: string | null;
}

/** One request the webhook receiver got. */
export interface ReceivedWebhook {
  webhookId: string;
  tenant: string;
  eventId: string;
  signatureValid: boolean;
}

export interface ObservedAsset {
  id: string;
  tenant: string;
  /** False when the API answers 404 (deleted or never created). */
  found: boolean;
  status: string | null;
  name: string | null;
  /** The sha256 of the original's bytes as read through /cdn; null when there is no original to read. */
  cdnSha256: string | null;
  createdOn: string | null;
  /** Stored files (fs.files) that still name this asset. */
  storedFiles: number;
}

export interface Subscription {
  tenant: string;
  events: readonly string[];
}

export interface Observation {
  assets: ObservedAsset[];
  events: ObservedEvent[];
  webhooks: ReceivedWebhook[];
  subscriptions: Subscription[];
  /** What fanout parked on the dead-letter topic: the run sends only valid events, so each one is lost to its webhook. */
  deadLettered?: { value: string; reason: string }[];
  /** fs.files / fs.chunks / upload parts no live asset or open upload owns, after the collector ran. */
  orphans: { files: number; chunks: number; parts: number };
  /** When the observation was taken, for the age bounds. */
  now: string;
}

export interface Bounds {
  /** An upload still `uploading` longer than this after its creation is a violation. */
  uploadingSeconds: number;
  /** An asset still `processing` longer than this after its last acknowledged write is a violation. */
  processingSeconds: number;
}

export interface Violation {
  invariant: 'crash' | 'acknowledged-state' | 'bytes' | 'deleted' | 'events' | 'event-order' | 'event-identity' | 'webhooks' | 'dead-lettered' | 'stuck' | 'orphans';
  assetId: string | null;
  message: string;
  /** The event a webhook violation is about, so the run can look up what fanout made of it. */
  eventId?: string;
  /** What the run found in the services' own state about it (printed under the violation). */
  evidence?: string[];
}
