/**
 * Builds the publishable client package (`tsx tools/client/build-packages.ts client` → dist/libs/client) and
 * the stand-alone command line (`... cli` → dist/apps/cli, one bundled file, no dependencies to install).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.join(__dirname, '..', '..');
const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** npm packages the client imports: dependencies of the published package (bundled only into the CLI). */
const CLIENT_DEPENDENCIES = ['openapi-fetch', 'hash-wasm', '@noble/hashes'];

async function buildClient(): Promise<void> {
  const out = path.join(root, 'dist/libs/client');
  rmSync(out, { recursive: true, force: true });
  // Both entries in one build with shared chunks: `./node` re-exports the very classes of `.`, so
  // `instanceof MediaAssetsError` holds whichever entry a program imports it from.
  await build({
    entryPoints: { index: path.join(root, 'libs/client/src/index.ts'), node: path.join(root, 'libs/client/src/node.ts') },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: [...CLIENT_DEPENDENCIES, ...CLIENT_DEPENDENCIES.map((name) => `${name}/*`), 'node:*'],
    tsconfig: path.join(root, 'tsconfig.base.json'),
    sourcemap: true,
    logLevel: 'warning',
  });
  execFileSync(
    path.join(root, 'node_modules/.bin/tsc'),
    ['-p', path.join(root, 'libs/client/tsconfig.lib.json'), '--emitDeclarationOnly', '--declaration', '--noEmit', 'false', '--outDir', path.join(out, 'types')],
    { stdio: 'inherit' },
  );
  // tsc keeps the repository's layout (the client shares a lib with the server); the entries point into it.
  for (const entry of ['index', 'node']) writeFileSync(path.join(out, 'types', `${entry}.d.ts`), `export * from './libs/client/src/${entry}';\n`);
  const manifest = JSON.parse(readFileSync(path.join(root, 'libs/client/package.json'), 'utf8')) as Record<string, unknown>;
  manifest['dependencies'] = Object.fromEntries(CLIENT_DEPENDENCIES.map((name) => [name, rootManifest.dependencies[name]]));
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(path.join(root, 'libs/client/README.md'), path.join(out, 'README.md'));
}

async function buildCli(): Promise<void> {
  const out = path.join(root, 'dist/apps/cli');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(root, 'apps/cli/package.json'), 'utf8')) as { version: string };
  await build({
    entryPoints: [path.join(root, 'apps/cli/src/main.ts')],
    outfile: path.join(out, 'media-assets.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    tsconfig: path.join(root, 'tsconfig.base.json'),
    banner: { js: '#!/usr/bin/env node' },
    define: { CLI_VERSION: JSON.stringify(manifest.version) },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(path.join(root, 'apps/cli/README.md'), path.join(out, 'README.md'));
}

const target = process.argv[2];
const run = target === 'client' ? buildClient : target === 'cli' ? buildCli : undefined;
if (!run) {
  process.stderr.write('usage: build-packages.ts client|cli\n');
  process.exit(2);
}
run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
