/**
 * Samples VmRSS of some processes at a fixed interval, in its own thread: the benchmark's main thread is
 * busy streaming uploads, and a timer there would stretch exactly when memory peaks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { rssBytes } from './proc-usage.util';
import type { RssSamplerInput, RssSamplerOutput } from './rss-sampler';

const { pids, intervalMs } = workerData as RssSamplerInput;
const peakBytes: Record<string, number> = {};
let samples = 0;
let maxGapMs = 0;
let last = performance.now();

function sample(): void {
  const now = performance.now();
  if (samples > 0) maxGapMs = Math.max(maxGapMs, now - last);
  last = now;
  samples += 1;
  for (const [name, pid] of Object.entries(pids)) {
    const rss = rssBytes(pid);
    if (rss !== undefined) peakBytes[name] = Math.max(peakBytes[name] ?? 0, rss);
  }
}

sample();
const timer = setInterval(sample, intervalMs);
parentPort?.postMessage('ready');
parentPort?.once('message', () => {
  clearInterval(timer);
  sample();
  const output: RssSamplerOutput = { peakBytes, samples, maxGapMs };
  parentPort?.postMessage(output);
});
