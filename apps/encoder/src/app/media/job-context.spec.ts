import { JobContext } from './job-context';
import type { MediaJob } from './media-job';

const job = (durationScaling?: MediaJob['limits']['durationScaling']): MediaJob => ({
  label: 'Video',
  mimeType: 'video/mp4',
  inputPath: '/tmp/in.mp4',
  outputDir: '/tmp/out',
  limits: { wallClockMs: 900_000, cpuSeconds: 1800, memoryBytes: 2 ** 31, maxPixels: 1e8, ...(durationScaling && { durationScaling }) },
});

describe('JobContext deadlines', () => {
  const now = 1_790_000_000_000;

  it('starts at the base bound and, once the duration is known, moves to the scaled one counted from the start', () => {
    const context = new JobContext(job({ perMediaSecond: 6, maxSeconds: 43_200 }), undefined, now);
    expect(context.deadline).toBe(now + 900_000);
    context.scaleToDuration(240);
    expect(context.deadline).toBe(now + 2_340_000);
    // An unknown duration (after a known one, say a second probe) goes back to the base bound.
    context.scaleToDuration(null);
    expect(context.deadline).toBe(now + 900_000);
  });

  it('keeps the fixed bound without a scaling policy', () => {
    const context = new JobContext(job(), undefined, now);
    context.scaleToDuration(10_000);
    expect(context.deadline).toBe(now + 900_000);
  });
});
