/**
 * Whether a handler's failure means a dependency is unreachable for the moment (the database restarting or
 * failing over, a broker hiccup) rather than that this message cannot be handled. The difference decides a
 * message's fate: a message that fails because the database is down is as good as any other and must wait,
 * however long the outage; only one that keeps failing while everything it needs is up is parked on the
 * dead-letter topic. A chaos run lost a webhook to the old rule (five tries, then dead-letter, whatever the
 * cause) during a database restart.
 *
 * Judged by name and label, not `instanceof`: mongoose carries its own copy of the driver, whose error
 * classes differ from the ones this library would import.
 */
const UNREACHABLE_DATABASE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);

/** Labels the driver puts on errors that an identical retry may not meet (a primary stepping down, a reset pool). */
const RETRYABLE_LABELS = ['RetryableWriteError', 'ResetPool', 'TransientTransactionError', 'NoWritesPerformed'];

/** How deep a chain of `cause`s is followed (a use case may wrap the driver's error). */
const MAX_CAUSES = 5;

export function isTransientFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES && typeof current === 'object' && current !== null; depth += 1) {
    const candidate = current as { name?: unknown; message?: unknown; errorLabels?: unknown; errorLabelSet?: unknown; retriable?: unknown; cause?: unknown };
    const name = typeof candidate.name === 'string' ? candidate.name : '';
    if (UNREACHABLE_DATABASE.has(name)) return true;
    if (labelsOf(candidate).some((label) => RETRYABLE_LABELS.includes(label))) return true;
    // kafkajs marks the errors its own retries would have waited out.
    if (name.startsWith('KafkaJS') && candidate.retriable === true) return true;
    // Mongoose queues operations while it reconnects and gives up on them with this message.
    if (name === 'MongooseError' && typeof candidate.message === 'string' && candidate.message.includes('buffering timed out')) return true;
    // A bulk write wraps the driver's error as its `errorResponse`, not as a cause.
    const wrapped = (candidate as { errorResponse?: unknown }).errorResponse;
    current = candidate.cause ?? (wrapped instanceof Error ? wrapped : undefined);
  }
  return false;
}

function labelsOf(error: { errorLabels?: unknown; errorLabelSet?: unknown }): string[] {
  if (Array.isArray(error.errorLabels)) return error.errorLabels.filter((label): label is string => typeof label === 'string');
  if (error.errorLabelSet instanceof Set) return [...error.errorLabelSet].filter((label): label is string => typeof label === 'string');
  return [];
}
