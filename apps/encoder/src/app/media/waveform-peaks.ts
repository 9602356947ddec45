/**
 * Waveform peaks from a stream of 16-bit little-endian mono PCM, in bounded memory: samples are folded
 * into (min, max) pairs as they arrive and never kept. The output is the JSON format of BBC's
 * audiowaveform (what peaks.js and wavesurfer read): `data` holds min0, max0, min1, max1, ...
 */
export interface WaveformJson {
  version: 2;
  channels: 1;
  sample_rate: number;
  samples_per_pixel: number;
  bits: 16;
  length: number;
  data: number[];
}

export const TARGET_PEAK_PAIRS = 1000;

export class WaveformAccumulator {
  private samplesPerPixel: number;
  private mins: number[] = [];
  private maxs: number[] = [];
  private inBucket = 0;
  private currentMin = 0;
  private currentMax = 0;
  /** A sample split across two chunks (odd byte count). */
  private carry: number | null = null;

  /**
   * `expectedSamples` (from the probed duration) sets the first guess of samples per pair; when a file
   * is longer than it claimed, pairs are merged two by two so the count stays within twice the target.
   */
  constructor(
    private readonly sampleRate: number,
    expectedSamples: number | null,
    private readonly target = TARGET_PEAK_PAIRS,
  ) {
    this.samplesPerPixel = Math.max(1, Math.ceil((expectedSamples ?? sampleRate * 60) / target));
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    if (this.carry !== null && chunk.length > 0) {
      this.add((((chunk[0] as number) << 24) >> 16) | this.carry);
      this.carry = null;
      offset = 1;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (; offset + 1 < chunk.length; offset += 2) this.add(view.getInt16(offset, true));
    if (offset < chunk.length) this.carry = chunk[offset] as number;
  }

  finish(): WaveformJson {
    if (this.inBucket > 0) this.closeBucket();
    const data: number[] = [];
    for (let index = 0; index < this.mins.length; index++) data.push(this.mins[index] as number, this.maxs[index] as number);
    return {
      version: 2,
      channels: 1,
      sample_rate: this.sampleRate,
      samples_per_pixel: this.samplesPerPixel,
      bits: 16,
      length: this.mins.length,
      data,
    };
  }

  private add(sample: number): void {
    if (this.inBucket === 0 || sample < this.currentMin) this.currentMin = sample;
    if (this.inBucket === 0 || sample > this.currentMax) this.currentMax = sample;
    this.inBucket++;
    if (this.inBucket === this.samplesPerPixel) this.closeBucket();
  }

  private closeBucket(): void {
    this.mins.push(this.currentMin);
    this.maxs.push(this.currentMax);
    this.inBucket = 0;
    if (this.mins.length >= 2 * this.target && this.mins.length % 2 === 0) this.halve();
  }

  /** Merges neighbouring pairs: twice the samples per pair, half the pairs. */
  private halve(): void {
    const mins: number[] = [];
    const maxs: number[] = [];
    for (let index = 0; index < this.mins.length; index += 2) {
      mins.push(Math.min(this.mins[index] as number, this.mins[index + 1] as number));
      maxs.push(Math.max(this.maxs[index] as number, this.maxs[index + 1] as number));
    }
    this.mins = mins;
    this.maxs = maxs;
    this.samplesPerPixel *= 2;
  }
}
