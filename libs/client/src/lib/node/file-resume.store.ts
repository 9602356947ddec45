import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ResumeEntry, ResumeStore } from '../upload/resume.store';

/** `$XDG_CONFIG_HOME/media-assets` (or `~/.config/media-assets`): where the resume file lives by default. */
export function defaultStateDir(env: Record<string, string | undefined> = process.env): string {
  return path.join(env['XDG_CONFIG_HOME'] || path.join(homedir(), '.config'), 'media-assets');
}

/**
 * Unfinished uploads in one small JSON file, so a new process (the same command run again after Ctrl-C)
 * continues the same asset. Each change re-reads the file and replaces it atomically (write, then rename),
 * so two processes uploading different files do not lose each other's entries.
 */
export class FileResumeStore implements ResumeStore {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string = defaultStateDir()) {
    this.file = path.join(dir, 'uploads.json');
  }

  private async read(): Promise<Record<string, ResumeEntry>> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, ResumeEntry>) : {};
    } catch {
      // Missing or damaged: nothing to resume (an upload then simply starts over).
      return {};
    }
  }

  private change(apply: (entries: Record<string, ResumeEntry>) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const entries = await this.read();
      apply(entries);
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const temporary = `${this.file}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, this.file);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async get(key: string): Promise<ResumeEntry | undefined> {
    await this.queue;
    return (await this.read())[key];
  }

  set(key: string, entry: ResumeEntry): Promise<void> {
    return this.change((entries) => {
      entries[key] = entry;
    });
  }

  delete(key: string): Promise<void> {
    return this.change((entries) => {
      delete entries[key];
    });
  }
}
