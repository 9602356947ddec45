import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, MongoClient } from 'mongodb';
import { findRepoRoot, startMongo } from '@media/testing';
import { writeRandomFile } from './random-file.util';

async function main(): Promise<void> {
  const file = '/tmp/prof/src.bin';
  await writeRandomFile(file, 200 * 1024 * 1024);
  const mongo = await startMongo({ repoRoot: findRepoRoot(__dirname) });
  const client = await MongoClient.connect(`${mongo.uri}bench`);
  const bucket = new GridFSBucket(client.db(), { bucketName: 'b', chunkSizeBytes: 262144 });
  for (let i = 0; i < 3; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const up = bucket.openUploadStream('x');
    await pipeline(createReadStream(file, { highWaterMark: Number(process.env['HWM'] ?? 65536) }), up);
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    console.log(`${(200 / s).toFixed(1)} MiB/s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user/1e6).toFixed(2)}), wall ${s.toFixed(2)}`);
    await bucket.delete(up.id);
  }
  await client.close();
  await mongo.stop();
}
void main();
