/**
 * HLS playlists as produced refer to their siblings by bare file name. Once stored, each sibling lives at
 * `/cdn/<its public id>/<name>`, so a playlist served from `/cdn/<own id>/<own name>` reaches it with the
 * relative URL `../<public id>/<name>`, on any host the gateway answers at. Pure text functions, no I/O.
 */

const URI_ATTRIBUTE = /URI="([^"]*)"/g;

export function isPlaylist(file: { name: string; mimeType: string }): boolean {
  return /\.m3u8$/i.test(file.name) || /mpegurl/i.test(file.mimeType);
}

/** Every URI a playlist names: the lines that are not tags, and the `URI="..."` attributes of tags. */
export function playlistReferences(text: string): string[] {
  const references: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      for (const match of line.matchAll(URI_ATTRIBUTE)) if (match[1]) references.push(match[1]);
    } else {
      references.push(line);
    }
  }
  return references;
}

export class PlaylistReferenceError extends Error {
  constructor(readonly reference: string) {
    super(`the playlist refers to "${reference}", which is not a file of this job`);
    this.name = 'PlaylistReferenceError';
  }
}

/**
 * Replaces each sibling reference with `../<public id>/<name>`. A reference to anything that is not a
 * file of this job (an absolute URL, a path, an unknown name) is an error: processing wrote it, and a
 * playlist must never point a player somewhere we did not put there.
 */
export function rewritePlaylist(text: string, publicIdOf: (name: string) => string | undefined): string {
  const target = (reference: string): string => {
    const id = publicIdOf(reference);
    if (id === undefined || !isFlatName(reference)) throw new PlaylistReferenceError(reference);
    return `../${id}/${encodeURIComponent(reference)}`;
  };
  const lines = text.split(/(\r?\n)/);
  return lines
    .map((line) => {
      if (line === '\n' || line === '\r\n') return line;
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) return line.replace(URI_ATTRIBUTE, (_match, uri: string) => `URI="${target(uri)}"`);
      return target(trimmed);
    })
    .join('');
}

/** A bare file name: what processing may produce and a playlist may name (no folders, no URL syntax). */
export function isFlatName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(name) && !name.includes('..');
}

/**
 * The order to store a job's files in: everything that is not a playlist first, then each playlist after
 * the playlists it names (variants before their master), so nothing stored refers to a file not stored yet.
 */
export function uploadOrder(names: readonly string[], referencesOf: (playlist: string) => readonly string[], isPlaylistName: (name: string) => boolean): string[] {
  const playlists = names.filter(isPlaylistName);
  const ordered = names.filter((name) => !isPlaylistName(name));
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (placed.has(name)) return;
    if (visiting.has(name)) throw new Error(`playlists refer to each other in a cycle through "${name}"`);
    visiting.add(name);
    for (const reference of referencesOf(name)) if (playlists.includes(reference)) visit(reference);
    visiting.delete(name);
    placed.add(name);
    ordered.push(name);
  };
  for (const playlist of playlists) visit(playlist);
  return ordered;
}
