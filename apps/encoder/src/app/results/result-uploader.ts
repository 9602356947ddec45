import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import type { ProducedFileMessage } from '@media/asset-model';
import type { ProducedFile } from '../media/media-job';
import { EncoderStorageClient } from '@media/internal-api';
import { isFlatName, isPlaylist, playlistReferences, rewritePlaylist, uploadOrder } from './hls-playlist';

/** Playlists are text naming a few hundred segments; anything bigger is not one we wrote. */
const MAX_PLAYLIST_BYTES = 4 * 1024 * 1024;

/** Processing produced something the pipeline cannot store as is: a bug or a hostile file, not an outage. */
export class InvalidOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOutputError';
  }
}

/**
 * Stores a job's produced files in storage under public ids of their own, media first and playlists
 * after the files they name, each playlist rewritten to reach its siblings at their /cdn URLs.
 * `stored` receives each file as soon as it is stored, so a caller can delete them after a failure.
 */
@Injectable()
export class ResultUploader {
  constructor(private readonly storage: EncoderStorageClient) {}

  async storeAll(owner: { assetId: string; tenant: string }, outputDir: string, produced: readonly ProducedFile[], stored: ProducedFileMessage[]): Promise<ProducedFileMessage[]> {
    const byName = new Map<string, ProducedFile>();
    for (const file of produced) {
      if (!isFlatName(file.name)) throw new InvalidOutputError(`processing produced a file named "${file.name}"`);
      if (byName.has(file.name)) throw new InvalidOutputError(`processing produced "${file.name}" twice`);
      if (file.role === 'original') throw new InvalidOutputError('processing produced a second original');
      byName.set(file.name, file);
    }
    const publicIds = new Map([...byName.keys()].map((name) => [name, randomUUID()]));
    const playlists = new Map<string, string>();
    for (const file of produced) {
      if (!isPlaylist({ name: file.name, mimeType: file.mimeType })) continue;
      const source = path.join(outputDir, file.name);
      if ((await stat(source)).size > MAX_PLAYLIST_BYTES) throw new InvalidOutputError(`the playlist ${file.name} is larger than ${MAX_PLAYLIST_BYTES} bytes`);
      playlists.set(file.name, await readFile(source, 'utf8'));
    }
    const order = uploadOrder([...byName.keys()], (name) => playlistReferences(playlists.get(name) ?? ''), (name) => playlists.has(name));
    for (const name of order) {
      const file = byName.get(name) as ProducedFile;
      let source = path.join(outputDir, name);
      const text = playlists.get(name);
      if (text !== undefined) {
        let rewritten: string;
        try {
          rewritten = rewritePlaylist(text, (reference) => publicIds.get(reference));
        } catch (error) {
          throw new InvalidOutputError(error instanceof Error ? error.message : String(error));
        }
        // Next to the output folder, so a name processing chose can never collide with it.
        source = path.join(path.dirname(outputDir), `rewritten-${name}`);
        await writeFile(source, rewritten, { mode: 0o600 });
      }
      const receipt = await this.storage.upload(source, { ...owner, fileName: name, contentType: file.mimeType, role: file.role });
      stored.push({
        id: publicIds.get(name) as string,
        storage_file_id: receipt.file_id,
        role: file.role as ProducedFileMessage['role'],
        file: name,
        mime_type: file.mimeType,
        size: receipt.length,
        ...(file.width ? { width: file.width } : {}),
        ...(file.height ? { height: file.height } : {}),
      });
    }
    // The asset lists its files in the order processing named them, not the order they were stored in.
    const index = new Map(produced.map((file, position) => [file.name, position]));
    return [...stored].sort((a, b) => (index.get(a.file) ?? 0) - (index.get(b.file) ?? 0));
  }
}
