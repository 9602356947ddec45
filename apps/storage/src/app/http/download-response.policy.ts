import { parseRangeHeader, type RangeSelection } from './byte-range.parser';
import { ifNoneMatchMatches, ifRangeMatches } from './entity-tag.util';

export interface ConditionalHeaders {
  range?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifRange?: string | undefined;
}

export type DownloadDecision = { kind: 'not_modified' } | RangeSelection;

/**
 * What a GET or HEAD of a stored file answers, in RFC 9110 §13.2.2 order: `If-None-Match` first (304),
 * then `Range`, which `If-Range` voids unless it names this exact representation.
 */
export function decideDownload(file: { length: number; etag: string }, headers: ConditionalHeaders): DownloadDecision {
  if (ifNoneMatchMatches(headers.ifNoneMatch, file.etag)) return { kind: 'not_modified' };
  if (headers.range === undefined || !ifRangeMatches(headers.ifRange, file.etag)) return { kind: 'full' };
  return parseRangeHeader(headers.range, file.length);
}

export function contentRange(selection: { start: number; end: number }, length: number): string {
  return `bytes ${selection.start}-${selection.end}/${length}`;
}

export function unsatisfiedContentRange(length: number): string {
  return `bytes */${length}`;
}
