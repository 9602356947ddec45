import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort, waitFor } from './process-utils';

/**
 * Test MongoDB: mongo-java-server (see tools/db-eval/README.md for why), provisioned by
 * tools/infra/provision-mongo.sh. Without `dataDir` it uses the in-memory backend (measured fastest);
 * with `dataDir` it uses the H2 backend, so data survives a restart of the server pointed at the same dir.
 */
export interface RunningMongo {
  uri: string;
  stop(): Promise<void>;
}

interface Provisioned {
  java: string;
  classpath: string;
  mainClass: string;
  version: string;
}

export interface StartMongoOptions {
  repoRoot: string;
  cacheDir?: string | undefined;
  dataDir?: string | undefined;
  /** A fixed port, for a server started again on the same data that its clients must find where they left it. */
  port?: number | undefined;
  /** Where the server's own output goes (appended, and kept after stop); by default a temp file removed on stop. */
  logFile?: string | undefined;
  log?: ((line: string) => void) | undefined;
}

// ParallelGC measured a little faster than SerialGC/G1 on 2 cores; C1-only (TieredStopAtLevel=1) gave
// no startup gain once the launcher is precompiled, so the default JIT stays. 2 GiB of heap holds a
// few 256 MiB GridFS files in the in-memory backend. MONGO_JAVA_OPTS is appended, so it can override.
const DEFAULT_JVM_OPTS = [
  '-Xmx2g',
  '-XX:+UseParallelGC',
  '-XX:+ExitOnOutOfMemoryError',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dlauncher.exitOnStdinEof=true',
];
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 40;

async function provision(options: StartMongoOptions): Promise<Provisioned> {
  const script = path.join(options.repoRoot, 'tools', 'infra', 'provision-mongo.sh');
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.cacheDir !== undefined) env['INFRA_CACHE_DIR'] = options.cacheDir;
  const child = spawn('bash', [script], { cwd: options.repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const line of chunk.split('\n')) if (line.trim() !== '') options.log?.(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`provision-mongo.sh exited with ${String(code)}:\n${stderr.trim()}`);
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Provisioned;
  } catch {
    throw new Error(`provision-mongo.sh printed no launcher JSON on its last line: ${JSON.stringify(last)}`);
  }
}

async function logTail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '(no log)';
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // negative pid: the whole group, since the child leads its own
  } catch {
    // Already gone.
  }
}

async function ping(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000, directConnection: true });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

export async function startMongo(options: StartMongoOptions): Promise<RunningMongo> {
  const log = options.log ?? ((): void => undefined);
  const provisioned = await provision(options);
  const port = options.port ?? (await freePort());
  const uri = `mongodb://127.0.0.1:${port}/`;
  const tempDir = await mkdtemp(path.join(tmpdir(), 'mongo-test-'));
  const logFile = options.logFile ?? path.join(tempDir, 'mongo.log');

  let backendArgs = ['memory'];
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
    backendArgs = ['h2', path.join(options.dataDir, 'mongo.mv')];
  }
  const extraOpts = (process.env['MONGO_JAVA_OPTS'] ?? '').split(/\s+/).filter((s) => s !== '');
  const args = [...DEFAULT_JVM_OPTS, ...extraOpts, '-cp', provisioned.classpath, provisioned.mainClass, String(port), ...backendArgs];
  log(`starting mongo-java-server ${provisioned.version} (${backendArgs[0] ?? ''}) on ${uri}, log ${logFile}`);

  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // stdin is a pipe we never write to: when this process dies, even by SIGKILL, the JVM sees EOF and exits.
    child = spawn(provisioned.java, args, { cwd: tempDir, detached: true, stdio: ['pipe', logFd, logFd] });
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
  child.unref();
  if (child.stdin instanceof Socket) child.stdin.unref();

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined); // only meaningful while starting; never an unhandled rejection later

  const onExit = (): void => signalGroup(child, 'SIGTERM');
  // Re-raise after cleanup only if nobody else handles the signal, so Node's default (exit) still happens.
  const onSignal = (signal: NodeJS.Signals): void => {
    onExit();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unhook = (): void => {
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      unhook();
      // No pid means spawn itself failed, so there is nothing to signal or wait for.
      if (exited === undefined && child.pid !== undefined) {
        // The child and its pipe are unref'd so an idle test process can exit; while stopping, the pending
        // exit must keep Node alive, or the process would quit mid-stop and leave the temp dir behind.
        child.ref();
        signalGroup(child, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const graceful = await Promise.race([
          exitPromise.then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STOP_GRACE_MS))),
        ]);
        clearTimeout(timer);
        if (!graceful) {
          log(`mongo did not stop within ${STOP_GRACE_MS} ms, sending SIGKILL`);
          signalGroup(child, 'SIGKILL');
          await exitPromise;
        }
      }
      child.stdin?.destroy();
      await rm(tempDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const died = exitPromise.then(() => {
      throw new Error(`mongo exited early (code ${String(exited?.code)}, signal ${String(exited?.signal)})`);
    });
    died.catch(() => undefined); // the server exits later through stop(); that must not be an unhandled rejection
    await Promise.race([waitFor(`mongo on ${uri}`, () => ping(uri), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100 }), died, spawnError]);
  } catch (error) {
    const tail = await logTail(logFile);
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`failed to start mongo: ${reason}\n--- ${logFile} (last ${LOG_TAIL_LINES} lines) ---\n${tail}`);
  }
  log(`mongo ready on ${uri}`);
  return { uri, stop };
}
