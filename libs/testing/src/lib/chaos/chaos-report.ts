import type { AssetHistory } from './chaos-history';
import type { ChaosResult } from './chaos-run';
import { FAULT_KINDS } from './chaos-faults';

/** One asset's history as lines, for a violation's report: what each client was told, in order. */
export function formatHistory(history: AssetHistory | undefined): string {
  if (!history) return '(no history)';
  return history.entries
    .map((entry) => {
      const { kind, ...details } = entry.op;
      return `  ${entry.at} client ${entry.client} ${kind} ${JSON.stringify(details)} → ${entry.outcome} (${entry.status})`;
    })
    .join('\n');
}

export function formatViolations(result: Pick<ChaosResult, 'seed' | 'violations' | 'histories'>, limit = 20): string {
  const lines = [`seed ${result.seed}: ${result.violations.length} violation(s)`];
  for (const violation of result.violations.slice(0, limit)) {
    lines.push(`- [${violation.invariant}] ${violation.assetId ?? '(run)'}: ${violation.message}`);
    for (const line of violation.evidence ?? []) lines.push(`  ${line}`);
    if (violation.assetId) lines.push(formatHistory(result.histories.find((h) => h.id === violation.assetId)));
  }
  if (result.violations.length > limit) lines.push(`... and ${result.violations.length - limit} more`);
  return lines.join('\n');
}

const byKind = (result: ChaosResult) => Object.fromEntries(FAULT_KINDS.map((kind) => [kind, result.faults.filter((f) => f.kind === kind).length]));

/** The run's report as Markdown: what ran, what was injected, what was acknowledged, what was found. */
export function chaosReport(result: ChaosResult, command: string): string {
  const faults = byKind(result);
  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    `# Chaos run, seed ${result.seed}`,
    '',
    `Started ${result.startedAt}; ${Math.round(result.durationMs / 1000)} s of clients and faults, then ${Math.round(result.quiesceMs / 1000)} s to settle and check` +
      ` (${result.settled ? 'settled' : 'did NOT settle'} within the bound). Replay: \`${command}\`.`,
    '',
    `Stack: ${result.replicasPerService} replicas each of ingest-api, storage, encoder and fanout behind round-robin TCP balancers; ${result.clients} concurrent clients over 2 tenants, each tenant with a webhook subscription to a local receiver that fails 5 % of deliveries.` +
      ` Database restarts: ${result.databaseRestarts ? 'on (the database server keeps its data on disk)' : 'off (the database server runs in memory)'}.`,
    '',
    `**Violations: ${result.violations.length}**`,
    '',
    '## Flows run',
    '',
    row(['flow', 'count']),
    row(['---', '---:']),
    ...Object.entries(result.flows).map(([flow, count]) => row([flow, count])),
    '',
    `Acknowledged writes: ${result.acked} over ${result.assets} assets; creates whose answer was lost (asset id unknown to the client): ${result.lostCreates}.`,
    `Events read from assets.events.v1: ${result.events}; webhook deliveries received: ${result.webhooks}.`,
    '',
    'Answers the clients got (HTTP status, or the network error):',
    '',
    row(['answer', 'count']),
    row(['---', '---:']),
    ...Object.entries(result.statuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => row([status, count])),
    '',
    '## Faults injected',
    '',
    row(['kind', 'count']),
    row(['---', '---:']),
    ...Object.entries(faults).map(([kind, count]) => row([kind, count])),
    '',
    ...(result.faults.some((f) => f.error) ? ['Faults whose recovery failed (retried at the end):', '', ...result.faults.filter((f) => f.error).map((f) => `- ${f.at} ${f.kind} ${f.target}: ${f.error ?? ''}`), ''] : []),
    '## Invariants checked',
    '',
    '- every acknowledged asset exists with its last acknowledged name (or that of a later unanswered write), and its original reads back through /cdn with the acknowledged sha256;',
    '- every asset whose delete was acknowledged answers 404 and no stored file names it;',
    '- every acknowledged write has its event on assets.events.v1, in the order of the writes; an event id seen twice carries the same content;',
    '- every event of a subscribed tenant reached the receiver with a valid signature;',
    `- no asset is \`uploading\` more than ${result.bounds.uploadingSeconds} s after creation, nor \`processing\` more than ${result.bounds.processingSeconds} s after its last write;`,
    `- after the collector: orphaned files ${result.orphans.files}, chunk groups ${result.orphans.chunks}, upload parts ${result.orphans.parts} (files of a deleted or never-created asset, chunks of no file or open upload, parts of no open upload).`,
    '',
    '## Violations',
    '',
    result.violations.length === 0 ? 'None.' : ['```', formatViolations(result, 50), '```'].join('\n'),
    '',
  ];
  return lines.join('\n');
}
