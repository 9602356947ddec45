import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { e2eContext, findRepoRoot, makePhoto, renderSoakReport, runSoak, SOAK_ROUTES, tokenFor } from '@media/testing';

const context = e2eContext();
const SERVICES = { 'ingest-api': context.gateway, storage: context.storage, encoder: context.encoder, fanout: context.fanout };
const logOf = (service: string) => path.join(findRepoRoot(), 'reports', 'e2e-logs', `${service}.log`);

/** What a log file gained since `from` bytes (empty when there is no log). */
async function logSince(service: string, from: number): Promise<string> {
  try {
    return (await readFile(logOf(service))).subarray(from).toString('utf8');
  } catch {
    return '';
  }
}

/**
 * The soak's short version (the full one is `npm run soak`): two minutes of mixed traffic against the
 * suite, with its report. Too short to judge memory slopes, so it checks the run itself: no errors, every
 * route answered, every acknowledged write's webhook arrived, the slopes were computed, the database holds
 * exactly the live assets' files, and no service printed a process warning while it ran.
 */
describe('soak (short)', () => {
  it('runs mixed traffic with 0 errors and produces a complete report', async () => {
    const fixtures = await mkdtemp(path.join(os.tmpdir(), 'soak-e2e-'));
    const logSizes = Object.fromEntries(await Promise.all(Object.keys(SERVICES).map(async (service) => [service, await stat(logOf(service)).then((s) => s.size, () => 0)] as const)));
    try {
      const tenant = `soak-${randomUUID().slice(0, 8)}`;
      const result = await runSoak(
        { gateway: context.gateway, services: SERVICES, token: await tokenFor(tenant), tenant, databaseUri: context.databaseUri },
        { durationMs: 120_000, rate: 4, sampleIntervalMs: 4000, quiesceMs: 20_000, photo: await readFile(await makePhoto(fixtures, { size: '160x120' })) },
      );
      const report = renderSoakReport(result, { command: 'soak.e2e-spec.ts', machine: 'the end-to-end suite' });

      expect({ errors: result.errorCount, first: result.errors }).toEqual({ errors: 0, first: [] });
      expect(result.eventsMissing).toBe(0);
      for (const route of SOAK_ROUTES) {
        const latencies = result.latenciesMs[route];
        expect({ route, answered: latencies.length > 0, sane: latencies.every((ms) => Number.isFinite(ms) && ms >= 0 && ms < 60_000) }).toEqual({ route, answered: true, sane: true });
      }
      expect(result.eventLagMs.length).toBeGreaterThan(0);
      for (const [service, samples] of Object.entries(result.samples)) {
        expect({ service, enough: samples.length >= 5, sane: samples.every((s) => s.rssBytes > 10e6 && s.heapUsedBytes > 1e6 && s.rssBytes < 8e9) }).toEqual({ service, enough: true, sane: true });
      }
      // A slope for every service and both series, as numbers (flatness is for the long run to judge).
      const slopes = [...report.matchAll(/^\| (ingest-api|storage|encoder|fanout) \| \d+ \| [^|]+ \| ([+-]\d+\.\d) \| [^|]+ \| ([+-]\d+\.\d) \|/gm)];
      expect(slopes.map((m) => m[1]).sort()).toEqual(['encoder', 'fanout', 'ingest-api', 'storage']);
      expect(result.databaseAfter.liveAssets).toBe(result.clientLiveAssets);
      expect(result.databaseAfter.orphanFiles).toBe(0);
      expect(result.databaseAfter.liveFileBytes).toBeGreaterThanOrEqual(result.databaseAfter.originalBytesOfLiveAssets);
      expect(report).toContain('## Latency per route');
      expect(report).toContain('## Database growth');

      for (const service of Object.keys(SERVICES)) {
        const warnings = (await logSince(service, logSizes[service] ?? 0)).split('\n').filter((line) => /\(node:\d+\) \w*Warning/.test(line));
        expect({ service, warnings }).toEqual({ service, warnings: [] });
      }
    } finally {
      await rm(fixtures, { recursive: true, force: true });
    }
  }, 240_000);
});
