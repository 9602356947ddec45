/**
 * The contract tier of `npm test`: Schemathesis fuzzes the running suite from its own OpenAPI document
 * (`/docs/openapi.json`) with every response check and the stateful phase (the document's links), and
 * each API operation counts as one test in the closing `N passed, N failed` line.
 *
 *   npx tsx tools/contract/schemathesis.ts [--reports reports/test] [--max-examples 15]
 *
 * Builds nothing: the services must be built (`nx run-many -t build --projects=tag:type:app`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { startInfrastructure, startSuite } from '@media/testing';
import { summarizeJunit } from './junit-summary';

const repoRoot = path.resolve(__dirname, '../..');

/** The checks the contract must pass; `all` would add checks that need a second user or a second tenant. */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'ignored_auth',
  'use_after_free',
  'ensure_resource_availability',
];

const { values } = parseArgs({
  options: {
    reports: { type: 'string', default: path.join(repoRoot, 'reports', 'test') },
    'max-examples': { type: 'string', default: '15' },
    seed: { type: 'string' },
  },
});

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[contract] ${line}\n`);
  const reports = path.resolve(values.reports ?? '');
  const workDir = path.join(reports, 'schemathesis');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const st = execFileSync('bash', [path.join(repoRoot, 'tools', 'setup', 'ensure-schemathesis.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop() as string;

  const infra = await startInfrastructure({ repoRoot, log });
  const secret = 'contract-tier-secret-'.padEnd(48, 'x');
  let exitCode = 1;
  try {
    const suite = await startSuite({
      repoRoot,
      mongodbUri: infra.mongodbUri,
      kafkaBrokers: infra.kafkaBrokers,
      database: `contract_${Date.now()}`,
      jwtSecret: secret,
      logs: workDir,
      // The documented example receiver is a documentation address (RFC 5737); allowing it lets the run
      // create subscriptions and follow them. Attempts to it fail, which only the delivery log sees.
      env: { fanout: { WEBHOOK_ALLOWED_CIDRS: '192.0.2.0/24' } },
    });
    try {
      const token = await mintHs256Token({ secret, tenant: 'contract', scopes: [...SCOPES], ttlSeconds: 3600 });
      const gateway = suite.urls['ingest-api'];
      const junit = path.join(workDir, 'junit.xml');
      const args = [
        '--config-file', path.join(repoRoot, 'tools', 'contract', 'schemathesis.toml'),
        'run',
        `${gateway}/docs/openapi.json`,
        '--checks', CHECKS.join(','),
        '--phases', 'examples,coverage,fuzzing,stateful',
        '--max-examples', values['max-examples'] ?? '15',
        '--header', `Authorization: Bearer ${token}`,
        '--workers', '1',
        '--request-timeout', '30',
        '--report', 'junit',
        '--report-junit-path', junit,
        '--suppress-health-check', 'too_slow',
        ...(values.seed ? ['--seed', values.seed] : []),
      ];
      log(`${st} ${args.join(' ').replace(token, '<token>')}`);
      const status = await new Promise<number>((resolve, reject) => {
        // In the report folder: Schemathesis keeps a cache (.schemathesis/) where it runs.
        const child = spawn(st, args, { cwd: workDir, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false', SCHEMATHESIS_HOOKS: path.join(repoRoot, 'tools', 'contract', 'schemathesis-hooks.py') } });
        child.once('error', reject);
        child.once('exit', (code) => resolve(code ?? 1));
      });
      const summary = summarizeJunit(readFileSync(junit, 'utf8'));
      // A run that failed without a failing operation (a crash, a bad schema) still fails the tier.
      const failed = summary.failed.length + (status !== 0 && summary.failed.length === 0 ? 1 : 0);
      writeFileSync(path.join(reports, 'schemathesis.check.json'), JSON.stringify({ name: 'schemathesis', passed: summary.passed.length, failed }));
      log(`${summary.passed.length} operations passed, ${summary.failed.length} failed${summary.failed.length ? `: ${summary.failed.join(', ')}` : ''} (st exited ${status})`);
      exitCode = failed === 0 ? 0 : 1;
    } finally {
      await suite.stop();
    }
  } finally {
    await infra.stop();
  }
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  process.stderr.write(`[contract] failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  const reports = path.resolve(values.reports ?? '');
  mkdirSync(reports, { recursive: true });
  writeFileSync(path.join(reports, 'schemathesis.check.json'), JSON.stringify({ name: 'schemathesis', passed: 0, failed: 1 }));
  process.exit(1);
});
