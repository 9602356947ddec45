import { execFile } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A full garbage collection of a running JVM on request (`jcmd <pid> GC.run`, from the JDK the JVM runs
 * on), or undefined where there is no jcmd. The in-memory database server keeps every stored byte on its
 * heap: the garbage a deleted 1 GiB file leaves would otherwise be collected during the next run, whichever
 * side that happens to be.
 */
export function jvmFullGc(pid: number): (() => Promise<void>) | undefined {
  let jcmd: string;
  try {
    jcmd = path.join(path.dirname(readlinkSync(`/proc/${pid}/exe`)), 'jcmd');
  } catch {
    return undefined;
  }
  if (!existsSync(jcmd)) return undefined;
  return async () => {
    await run(jcmd, [String(pid), 'GC.run'], { timeout: 60_000 });
  };
}
