import { parseProbe } from './media-probe';

const probe = (value: unknown): string => JSON.stringify(value);

describe('parseProbe', () => {
  it('reads duration, bitrate and the first video and audio streams', () => {
    const result = parseProbe(
      probe({
        streams: [
          { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, sample_aspect_ratio: '1:1', avg_frame_rate: '30000/1001' },
          { codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2 },
        ],
        format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '30.033', bit_rate: '5123456' },
      }),
    );
    expect(result).toEqual({
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      duration: 30.033,
      bitrate: 5_123_456,
      video: { codec: 'h264', width: 1920, height: 1080, frameRate: 30000 / 1001 },
      audio: { codec: 'aac', sampleRate: 48_000, channels: 2 },
    });
  });

  it('swaps sides for a quarter-turn display matrix or rotate tag', () => {
    const phone = (extra: object): unknown => ({ streams: [{ codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, ...extra }] });
    expect(parseProbe(probe(phone({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }))).video).toMatchObject({ width: 1080, height: 1920 });
    expect(parseProbe(probe(phone({ tags: { rotate: '270' } }))).video).toMatchObject({ width: 1080, height: 1920 });
    expect(parseProbe(probe(phone({ tags: { rotate: '180' } }))).video).toMatchObject({ width: 1920, height: 1080 });
  });

  it('applies a sane sample aspect ratio (anamorphic DVD) and ignores an absurd one', () => {
    const dvd = (sar: string): unknown => ({ streams: [{ codec_type: 'video', codec_name: 'mpeg2video', width: 720, height: 576, sample_aspect_ratio: sar }] });
    expect(parseProbe(probe(dvd('64:45'))).video).toMatchObject({ width: 1024, height: 576 });
    expect(parseProbe(probe(dvd('1000:1'))).video).toMatchObject({ width: 720, height: 576 });
    expect(parseProbe(probe(dvd('0:1'))).video).toMatchObject({ width: 720 });
  });

  it('does not count cover art or a sizeless stream as video', () => {
    const result = parseProbe(
      probe({
        streams: [
          { codec_type: 'audio', codec_name: 'mp3', sample_rate: '44100', channels: 2, duration: '12.5' },
          { codec_type: 'video', codec_name: 'mjpeg', width: 500, height: 500, disposition: { attached_pic: 1 } },
          { codec_type: 'video', codec_name: 'rawvideo', width: 0, height: 0 },
        ],
        format: { format_name: 'mp3' },
      }),
    );
    expect(result.video).toBeNull();
    expect(result.duration).toBe(12.5);
    expect(result.bitrate).toBeNull();
  });

  it('treats missing and nonsense numbers as unknown', () => {
    const result = parseProbe(probe({ streams: [{ codec_type: 'video', width: 640, height: 480, avg_frame_rate: '0/0', r_frame_rate: '90000/0' }], format: { duration: 'N/A', bit_rate: '-5' } }));
    expect(result).toMatchObject({ duration: null, bitrate: null, formatName: '', video: { codec: 'unknown', frameRate: null } });
  });

  it('throws on output that is not ffprobe JSON', () => {
    expect(() => parseProbe('not json')).toThrow();
    expect(() => parseProbe(probe({ streams: 'x' }))).toThrow();
  });
});
