import { chmod, chown, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EncoderConfig } from '../encoder.config';
import { ENCODER_CONFIG } from '../encoder-config.token';

export interface JobFolder {
  /** Where the original is downloaded to. */
  inputPath: string;
  /** Empty folder processing writes its files into. */
  outputDir: string;
  /** Removes everything of the job; never throws. */
  remove(): Promise<void>;
  /**
   * Gives the job's folder and its downloaded original to the sandbox user, so isolated tools can read
   * the input and write output there and nowhere else of ours. Nothing to do without isolation.
   */
  handOver(owner: { uid: number; gid: number } | undefined): Promise<void>;
}

const PROCESS_PREFIX = 'encoder-';

/**
 * Temporary folders of jobs: `<ENCODER_TMP_DIR>/media-encoder/encoder-<pid>/job-XXXXXX/{input,output}`,
 * private to the user (0700; the parents 0711, so a sandboxed tool can reach its own job folder by path
 * but list nothing). A job's folder is removed when the job ends, whatever the outcome; a folder
 * whose process died (kill -9) is removed by the next encoder that starts on the machine.
 */
@Injectable()
export class JobWorkspace implements OnModuleInit {
  private readonly logger = new Logger(JobWorkspace.name);
  private readonly root: string;
  private readonly mine: string;

  constructor(@Inject(ENCODER_CONFIG) config: Pick<EncoderConfig, 'ENCODER_TMP_DIR'>) {
    this.root = path.join(config.ENCODER_TMP_DIR, 'media-encoder');
    this.mine = path.join(this.root, `${PROCESS_PREFIX}${process.pid}`);
  }

  async onModuleInit(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    await chmod(this.root, 0o711);
    await this.removeOrphans();
    await rm(this.mine, { recursive: true, force: true });
    await mkdir(this.mine, { mode: 0o711 });
  }

  async create(): Promise<JobFolder> {
    const dir = await mkdtemp(path.join(this.mine, 'job-'));
    const outputDir = path.join(dir, 'output');
    await mkdir(path.join(dir, 'input'), { mode: 0o700 });
    await mkdir(outputDir, { mode: 0o700 });
    const inputPath = path.join(dir, 'input', 'original');
    return {
      // No extension on purpose: tools must judge the bytes, never a name the uploader chose.
      inputPath,
      outputDir,
      handOver: async (owner) => {
        if (!owner) return;
        for (const entry of [dir, path.join(dir, 'input'), inputPath, outputDir]) await chown(entry, owner.uid, owner.gid);
      },
      remove: async () => {
        await rm(dir, { recursive: true, force: true }).catch((error: unknown) => this.logger.error({ err: error, dir }, 'could not remove a job folder'));
      },
    };
  }

  /** A folder that lives as long as the process (e.g. a cache), removed like job folders when the process is gone. */
  async folder(name: string): Promise<string> {
    const dir = path.join(this.mine, name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Folders of encoder processes on this machine that no longer run. */
  private async removeOrphans(): Promise<void> {
    for (const entry of await readdir(this.root)) {
      const pid = Number(entry.slice(PROCESS_PREFIX.length));
      if (!entry.startsWith(PROCESS_PREFIX) || !Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
      await rm(path.join(this.root, entry), { recursive: true, force: true });
      this.logger.log({ pid }, 'removed the job folders of an encoder that is gone');
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
