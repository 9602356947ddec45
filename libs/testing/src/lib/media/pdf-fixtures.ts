import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDeflate } from 'node:zlib';
import { buildPdf, type PdfObject } from './pdf-writer';

/** An honest PDF: `pages` Letter pages, each saying its number in Helvetica. */
export async function makePdf(dir: string, { pages = 3, name = 'document.pdf' } = {}): Promise<string> {
  // 1 catalog, 2 page tree, 3 font, then a page and its content per page.
  const kids = Array.from({ length: pages }, (_, index) => `${4 + index * 2} 0 R`).join(' ');
  const objects: PdfObject[] = [
    { body: '<< /Type /Catalog /Pages 2 0 R >>' },
    { body: `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>` },
    { body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>' },
  ];
  for (let page = 0; page < pages; page++) {
    objects.push({ body: `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + page * 2} 0 R >>` });
    objects.push({ body: '<< >>', stream: Buffer.from(`BT /F1 48 Tf 72 600 Td (Page ${page + 1}) Tj ET`, 'latin1') });
  }
  return writePdf(dir, name, objects);
}

/**
 * A compression bomb: one page drawing a `side`×`side` RGB image whose FlateDecode stream is all zeros
 * (12000² × 3 = 432 MB decoded from about 0.4 MB). Deflated as a stream, so generating it stays small in memory.
 */
export async function makePdfBomb(dir: string, { side = 12_000, name = 'bomb.pdf' } = {}): Promise<string> {
  const image = await deflateZeros(side * side * 3);
  const objects: PdfObject[] = [
    { body: '<< /Type /Catalog /Pages 2 0 R >>' },
    { body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
    { body: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>' },
    { body: '<< >>', stream: Buffer.from('q 612 0 0 792 0 0 cm /Im1 Do Q', 'latin1') },
    { body: `<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode >>`, stream: image },
  ];
  return writePdf(dir, name, objects);
}

/** A page with an absurd MediaBox (a million points a side): rendering it at any fixed DPI is a pixel bomb. */
export async function makePdfHugePage(dir: string, { points = 1_000_000, name = 'huge-page.pdf' } = {}): Promise<string> {
  return writePdf(dir, name, [
    { body: '<< /Type /Catalog /Pages 2 0 R >>' },
    { body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
    { body: `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${points} ${points}] >>` },
  ]);
}

async function writePdf(dir: string, name: string, objects: PdfObject[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, buildPdf(objects));
  return file;
}

async function deflateZeros(bytes: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 6 });
  const compressed: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < bytes; written += zeros.length) {
    if (!deflate.write(zeros.subarray(0, Math.min(zeros.length, bytes - written)))) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return Buffer.concat(compressed);
}
