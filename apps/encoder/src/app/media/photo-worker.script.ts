/**
 * The program the photo child process runs (`node -e`), as text. sharp runs in a child rather than in
 * the worker because libvips decodes untrusted bytes in native code: in a child it gets RLIMIT_AS and
 * RLIMIT_CPU like ffmpeg, the wall-clock bound and abort can SIGKILL it mid-decode (sharp's own
 * `timeout` only stops between libvips steps), and a crash on a crafted file takes down only the child.
 * The cost is a Node start (~0.1 s) per photo. It is plain JavaScript text, not an imported module,
 * because the service is bundled by webpack and a child needs a file-less program that finds `sharp`
 * on its own (from the search paths the parent passes).
 *
 * Conversation over stdio, one JSON line each way: the child prints the header facts (no pixel decoded
 * yet); the parent answers with the thumbnails to make, or closes stdin to stop; the child prints what it made.
 */
export const PHOTO_WORKER_SCRIPT = String.raw`
'use strict';
const readline = require('node:readline');
const job = JSON.parse(process.argv[1]);
const sharp = require(require.resolve('sharp', { paths: job.searchPaths }));
sharp.cache(false);
sharp.concurrency(1);
const input = { limitInputPixels: job.maxPixels, failOn: 'warning', sequentialRead: true };
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
async function main() {
  const meta = await sharp(job.inputPath, input).metadata();
  send({ format: meta.format, width: meta.width, height: meta.height, orientation: meta.orientation || 1 });
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const plan = JSON.parse(line);
    const made = [];
    for (const output of plan.outputs) {
      const info = await sharp(job.inputPath, input)
        .autoOrient()
        .resize({ width: output.width, withoutEnlargement: true })
        .timeout({ seconds: job.timeoutSeconds })
        .webp({ quality: 80 })
        .toFile(output.file);
      made.push({ file: output.file, width: info.width, height: info.height });
    }
    send({ made });
    return;
  }
}
main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(String((error && error.message) || error));
    process.exit(1);
  },
);
`;
