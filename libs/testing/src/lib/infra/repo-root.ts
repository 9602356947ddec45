import { existsSync } from 'node:fs';
import path from 'node:path';

/** The workspace root (where nx.json is), found from any file inside it. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${from}`);
    dir = parent;
  }
  return dir;
}
