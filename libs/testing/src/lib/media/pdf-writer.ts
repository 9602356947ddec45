/**
 * A minimal PDF writer for fixtures: numbered objects, optional streams, a correct xref table.
 * Hand-written on purpose: the hostile fixtures need byte-level control (bombs, absurd page boxes)
 * that PDF libraries normalise away, and the honest ones need only a few objects.
 */
export interface PdfObject {
  /** The object's dictionary or value, e.g. `<< /Type /Page ... >>`, without `obj`/`endobj`. */
  body: string;
  /** Stream bytes, already encoded as the dictionary's /Filter says; `/Length` is added. */
  stream?: Buffer;
}

/** Objects are numbered from 1 in order; object 1 must be the catalog. */
export function buildPdf(objects: readonly PdfObject[]): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
  let length = parts[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(length);
    const piece = object.stream
      ? Buffer.concat([
          Buffer.from(`${index + 1} 0 obj\n${object.body.replace(/>>\s*$/, `/Length ${object.stream.length} >>`)}\nstream\n`, 'latin1'),
          object.stream,
          Buffer.from('\nendstream\nendobj\n', 'latin1'),
        ])
      : Buffer.from(`${index + 1} 0 obj\n${object.body}\nendobj\n`, 'latin1');
    parts.push(piece);
    length += piece.length;
  });
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n `),
    'trailer',
    `<< /Size ${objects.length + 1} /Root 1 0 R >>`,
    'startxref',
    String(length),
    '%%EOF',
    '',
  ].join('\n');
  parts.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(parts);
}
