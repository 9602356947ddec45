/**
 * The program each thread of the image render pool runs, as text written to a file at start-up (the
 * service is bundled by webpack, and piscina needs a file that exports the task function). Two tasks:
 * `probe` reads the header only (format, size, EXIF orientation: no pixel decoded, so the allow-list and
 * the pixel limit are checked before any decoding), and `render` makes one variant and hands its bytes
 * back with their hash (the stored file's entity tag, sent with the first answer before it is stored):
 * the caller answers from memory and stores the same bytes, with no file written and read back between.
 * `warm` loads sharp and runs each output encoder once on a tiny image, so the first real request of a
 * freshly started thread does not pay for loading libvips and its codecs.
 */
export const IMAGE_RENDER_WORKER_SCRIPT = String.raw`
'use strict';
let sharp;
const { createHash } = require('node:crypto');
function load(searchPaths) {
  if (!sharp) {
    sharp = require(require.resolve('sharp', { paths: searchPaths }));
    // libvips' operation cache would keep decoded sources of other requests in memory: off.
    sharp.cache(false);
  }
  return sharp;
}
module.exports = async function task(job) {
  const lib = load(job.searchPaths);
  if (job.op === 'warm') {
    const tiny = lib({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer();
    const source = await tiny;
    for (const encode of [(i) => i.webp(), (i) => i.avif({ effort: 2 }), (i) => i.jpeg(), (i) => i.png()]) {
      await encode(lib(source).autoOrient().resize({ width: 4, height: 4, fit: 'cover' })).toBuffer();
    }
    return null;
  }
  const input = { limitInputPixels: job.maxPixels, failOn: 'warning' };
  if (job.op === 'probe') {
    const meta = await lib(job.inputPath, input).metadata();
    return { format: meta.format, width: meta.width, height: meta.height, orientation: meta.orientation || 1 };
  }
  const plan = job.plan;
  let image = lib(job.inputPath, input)
    .autoOrient()
    .resize({ width: plan.width, height: plan.height, fit: plan.fit, position: plan.gravity, withoutEnlargement: true })
    .timeout({ seconds: job.timeoutSeconds });
  if (plan.format === 'webp') image = image.webp({ quality: plan.quality });
  else if (plan.format === 'avif') image = image.avif({ quality: plan.quality, effort: 2 });
  else if (plan.format === 'jpeg') image = image.jpeg({ quality: plan.quality });
  else image = image.png({ compressionLevel: 6 });
  // A variant is bounded by the maximum dimension; libvips' encoders produce it whole before writing anyway.
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { width: info.width, height: info.height, size: data.length, sha256, data };
};
`;
