import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { findRepoRoot, startInfrastructure, startSuite } from '@media/testing';
import { LoadGenerator } from './load-generator';
import { mintHs256Token, SCOPES } from '@media/scopes';
import { writeRandomFile } from './random-file.util';

function threads(): Map<string, { name: string; cpu: number }> {
  const out = new Map<string, { name: string; cpu: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name, cpu: (Number(f[11]) + Number(f[12])) / 100 });
    } catch { /* gone */ }
  }
  return out;
}

async function main(): Promise<void> {
  const repoRoot = findRepoRoot(__dirname);
  const file = '/tmp/prof/src.bin';
  await writeRandomFile(file, 200 * 1024 * 1024);
  const infra = await startInfrastructure({ repoRoot });
  const secret = randomBytes(32).toString('base64url');
  const suite = await startSuite({ repoRoot, mongodbUri: infra.mongodbUri, kafkaBrokers: infra.kafkaBrokers, database: 'scratch', jwtSecret: secret, logs: '/tmp/prof' });
  const load = LoadGenerator.start({ gateway: suite.urls['ingest-api'], token: await mintHs256Token({ secret, tenant: 't', scopes: SCOPES }), mongodbUri: suite.mongodbUri, baselineBucket: 'b', gridFsChunkBytes: 262144, chunkBytes: 50 * 1024 * 1024, sourceFile: file });
  try {
    if (process.env['POLLUTE']) { const r = await load.run({ kind: 'concurrent-chunked', clients: 8, bytesPerClient: 100 * 1024 * 1024 }); console.log('concurrent', r.seconds); }
    for (let i = 0; i < 3; i++) {
      const before = threads();
      const c0 = process.cpuUsage();
      const { seconds } = await load.run({ kind: 'baseline', bytes: 200 * 1024 * 1024 });
      const c = process.cpuUsage(c0);
      const after = threads();
      const used: string[] = [];
      for (const [tid, t] of after) {
        const d = t.cpu - (before.get(tid)?.cpu ?? 0);
        if (d > 0.02) used.push(`${t.name}#${tid}:${d.toFixed(2)}`);
      }
      console.log(`${(200 / seconds).toFixed(1)} MiB/s cpu ${((c.user + c.system) / 1e6).toFixed(2)} s | ${used.join(' ')}`);
      await load.run({ kind: 'baseline-cleanup' });
    }
  } finally {
    await load.stop();
    await suite.stop();
    await infra.stop();
  }
}
void main();
