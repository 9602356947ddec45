import path from 'node:path';
import sharp from 'sharp';
import type { JobContext } from './job-context';
import type { ProcessingResult } from './media-job';
import { checkPdf, checkPdfImages, parsePdfImages, parsePdfInfo, pdfimagesArgs, pdfinfoArgs, pdftoppmArgs, PREVIEW_FILE } from './pdf-info';
import type { RejectionRule } from './sandbox-policy';

const POPPLER_RULES: readonly RejectionRule[] = [
  { pattern: /Incorrect password|encrypted/i, code: 'unsupported_format', message: 'encrypted PDFs are not processed' },
  { pattern: /May not be a PDF|Couldn't (read|find)|Syntax Error|xref|damaged/i, code: 'corrupt_file', message: 'the PDF is corrupt or truncated' },
];

/** Kept as is: no files, nothing known. */
export const KEPT_AS_IS: ProcessingResult = { width: null, height: null, duration: null, bitrate: null, pageCount: null, files: [] };

/** PDF: page count from pdfinfo, first page rendered by pdftoppm into a bounded-size JPEG. */
export async function processPdf(context: JobContext): Promise<ProcessingResult> {
  const { inputPath, outputDir } = context.job;
  const info = parsePdfInfo(await context.run('pdfinfo', 'pdfinfo', pdfinfoArgs(inputPath), POPPLER_RULES));
  checkPdf(info);
  checkPdfImages(parsePdfImages(await context.run('pdfimages', 'pdfimages', pdfimagesArgs(inputPath), POPPLER_RULES)), context.job.limits.maxPixels);
  // pdftoppm writes `preview.jpg` relative to its working directory, the output directory.
  await context.run('pdftoppm', 'pdftoppm', pdftoppmArgs(inputPath), POPPLER_RULES);
  // Our own bounded output (≤ 1024 px), so reading its header in-process is safe.
  const preview = await sharp(path.join(outputDir, PREVIEW_FILE)).metadata();
  return {
    width: null,
    height: null,
    duration: null,
    bitrate: null,
    pageCount: info.pages,
    files: [{ role: 'preview', name: PREVIEW_FILE, mimeType: 'image/jpeg', width: preview.width, height: preview.height }],
  };
}
