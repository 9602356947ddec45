import { chaosReport, findRepoRoot, formatViolations, type RunningKafka, runChaos, startKafka } from '@media/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The short chaos run of the default suite: two replicas of every service behind balancers, seeded clients
 * and faults for 2 minutes, then the invariant checker. The seed is fixed and draws both kill -9 and SIGTERM;
 * the broker and the database stay up here; `npm run chaos` freezes the one and restarts the other too.
 */
const SEED = 2;

describe('a short chaos run', () => {
  let kafka: RunningKafka;

  beforeAll(async () => {
    kafka = await startKafka({ repoRoot: findRepoRoot() });
  }, 120_000);

  afterAll(async () => {
    kafka?.thaw();
    await kafka?.stop();
  });

  it('keeps every acknowledged write through kill -9 and SIGTERM of replicas', async () => {
    const mongodbUri = process.env['MONGODB_URI'];
    if (!mongodbUri) throw new Error('MONGODB_URI is unset: run end-to-end tests through jest.e2e.config.ts');
    const result = await runChaos({
      repoRoot: findRepoRoot(),
      name: `e2e-seed-${SEED}`,
      seed: SEED,
      durationMs: 120_000,
      clients: 3,
      replicasPerService: 2,
      mongodbUri,
      broker: kafka,
      meanFaultGapMs: 3_000,
      // Process faults only: a frozen broker costs every consumer group a rejoin of tens of seconds, too long
      // for the default suite (the full run freezes it).
      faultWeights: { 'kill-9': 4, sigterm: 3, 'broker-freeze': 0 },
      uploadTtlSeconds: 10,
      gcGraceSeconds: 10,
      log: (line) => process.stderr.write(`[chaos] ${line}\n`),
    });
    const folder = path.join(findRepoRoot(), 'reports', 'e2e-logs');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `chaos-seed-${SEED}.md`), chaosReport(result, 'npx jest -c jest.e2e.config.ts apps/suite-e2e/src/chaos.e2e-spec.ts'));

    const kinds = result.faults.map((fault) => fault.kind);
    expect(kinds).toContain('kill-9');
    expect(kinds).toContain('sigterm');
    expect(result.acked).toBeGreaterThan(20);
    if (result.violations.length > 0) throw new Error(formatViolations(result));
    expect(result.violations).toEqual([]);
  }, 480_000);
});
