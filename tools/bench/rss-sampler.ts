import path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface RssSamplerInput {
  pids: Record<string, number>;
  intervalMs: number;
}

export interface RssSamplerOutput {
  /** The highest VmRSS seen per process name. */
  peakBytes: Record<string, number>;
  samples: number;
  /** The longest time between two samples: shows whether the interval held under load. */
  maxGapMs: number;
}

export interface RunningRssSampler {
  stop(): Promise<RssSamplerOutput>;
}

/** Starts sampling in a worker thread; resolves once the first sample is taken. */
export async function startRssSampler(input: RssSamplerInput): Promise<RunningRssSampler> {
  // The worker is TypeScript too: it gets tsx's CommonJS hook, which workers do not inherit on Node 20.
  const worker = new Worker(path.join(__dirname, 'rss-sampler.worker.ts'), {
    workerData: input,
    execArgv: ['--require', require.resolve('tsx/cjs')],
  });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  failed.catch(() => undefined); // surfaced by whichever await below is pending when it happens
  const nextMessage = <T>(): Promise<T> => Promise.race([new Promise<T>((resolve) => worker.once('message', resolve)), failed]);
  await nextMessage<'ready'>();
  return {
    stop: async () => {
      const result = nextMessage<RssSamplerOutput>();
      worker.postMessage('stop');
      const output = await result;
      await worker.terminate();
      return output;
    },
  };
}
