import path from 'node:path';

/** Where the local suite keeps its state between runs (git-ignored). */
export const devStateDir = (repoRoot: string): string => path.join(repoRoot, '.cache', 'dev');
export const devSecretFile = (repoRoot: string): string => path.join(devStateDir(repoRoot), 'jwt-secret');
/** The local suite's database and broker data (`npm start -- --fresh` empties it). */
export const devDataDir = (repoRoot: string): string => path.join(devStateDir(repoRoot), 'data');
