/** What lets a new process continue an interrupted resumable upload: which asset the file's bytes go to. */
export interface ResumeEntry {
  asset_id: string;
  file_size: number;
  saved_on: string;
}

/** File identity (and API address) → the asset its unfinished upload went to. */
export interface ResumeStore {
  get(key: string): Promise<ResumeEntry | undefined>;
  set(key: string, entry: ResumeEntry): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Resumes within one process (or one browser tab); the Node entry adds a store on disk that outlives it. */
export class MemoryResumeStore implements ResumeStore {
  private readonly entries = new Map<string, ResumeEntry>();

  async get(key: string): Promise<ResumeEntry | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, entry: ResumeEntry): Promise<void> {
    this.entries.set(key, entry);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}
