import { WaveformAccumulator } from './waveform-peaks';

/** Little-endian 16-bit PCM of these samples. */
function pcm(samples: number[]): Buffer {
  const buffer = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, index) => buffer.writeInt16LE(sample, index * 2));
  return buffer;
}

describe('WaveformAccumulator', () => {
  it('folds samples into min/max pairs of the expected width', () => {
    const peaks = new WaveformAccumulator(8000, 8, 4);
    peaks.push(pcm([1, -2, 3, -4, 5, -6, 7, -8]));
    expect(peaks.finish()).toEqual({ version: 2, channels: 1, sample_rate: 8000, samples_per_pixel: 2, bits: 16, length: 4, data: [-2, 1, -4, 3, -6, 5, -8, 7] });
  });

  it('closes a last, partial pair', () => {
    const peaks = new WaveformAccumulator(8000, 4, 2);
    peaks.push(pcm([10, 20, 30]));
    expect(peaks.finish().data).toEqual([10, 20, 30, 30]);
  });

  it('joins a sample split across two chunks (odd byte counts from a pipe)', () => {
    const bytes = pcm([-300, 300, -32768, 32767]);
    const whole = new WaveformAccumulator(8000, 4, 4);
    whole.push(bytes);
    const split = new WaveformAccumulator(8000, 4, 4);
    split.push(bytes.subarray(0, 1));
    split.push(bytes.subarray(1, 5));
    split.push(bytes.subarray(5));
    expect(split.finish()).toEqual(whole.finish());
    expect(whole.finish().data).toEqual([-300, -300, 300, 300, -32768, -32768, 32767, 32767]);
  });

  it('stays within twice the target when the file is longer than it claimed', () => {
    const peaks = new WaveformAccumulator(1000, 1000, 100);
    for (let second = 0; second < 50; second++) peaks.push(pcm(Array.from({ length: 1000 }, (_, index) => (index % 2 ? 1 : -1) * second)));
    const waveform = peaks.finish();
    expect(waveform.length).toBeGreaterThanOrEqual(100);
    expect(waveform.length).toBeLessThan(200);
    expect(waveform.length * waveform.samples_per_pixel).toBeGreaterThanOrEqual(50_000);
    // Merging keeps the extremes: the last pair saw the loudest second.
    expect(waveform.data.at(-1)).toBe(49);
    expect(waveform.data.at(-2)).toBe(-49);
  });

  it('guesses a minute when the duration is unknown, and handles silence', () => {
    const peaks = new WaveformAccumulator(16_000, null);
    peaks.push(pcm(new Array(16_000).fill(0)));
    const waveform = peaks.finish();
    expect(waveform.samples_per_pixel).toBe(960);
    expect(waveform.data.every((value) => value === 0)).toBe(true);
  });

  it('produces an empty waveform for no audio at all', () => {
    expect(new WaveformAccumulator(16_000, 0).finish()).toMatchObject({ length: 0, data: [] });
  });
});
