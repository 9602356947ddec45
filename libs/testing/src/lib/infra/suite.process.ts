import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import ConnectionString from 'mongodb-connection-string-url';
import { serviceIdentityEnv } from '@media/service-identity';
import { freePort, reservePorts, waitFor } from './process-utils';

export const SERVICES = ['ingest-api', 'storage', 'encoder', 'fanout'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface SuiteOptions {
  repoRoot: string;
  mongodbUri: string;
  kafkaBrokers: string;
  /** Database the services share (a fresh one per test run keeps runs apart). */
  database: string;
  jwtSecret: string;
  /** Preferred ports; any free port is taken when one is busy or none is given. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Extra environment per service (or for all). */
  env?: Partial<Record<ServiceName | 'all', NodeJS.ProcessEnv>>;
  /** Where each service's stdout/stderr goes: a folder for `<service>.log` files, or 'inherit'. */
  logs: string | 'inherit';
  /** Which services to run (all four by default); the others still get a port, so their URLs stay defined. */
  services?: readonly ServiceName[];
  /** Each service's keys (`serviceIdentityEnv()`); fresh ones when not given. Authentication is never off. */
  identity?: Record<ServiceName, NodeJS.ProcessEnv>;
  /** Node flags per service that NODE_OPTIONS does not take (e.g. `--cpu-prof` for a benchmark's profiles). */
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
}

export interface RunningSuite {
  urls: Record<ServiceName, string>;
  /** The service keys the suite runs with, for tests that call an internal service as one of its callers. */
  identity: Record<ServiceName, NodeJS.ProcessEnv>;
  mongodbUri: string;
  /** The child process of a service, for tests that kill or signal it. */
  process(service: ServiceName): ChildProcess;
  /**
   * One more process of a service (a replica) on a free port, wired like the others plus `env`, its log in
   * `<logs>/<name>.log`; waited for until ready unless `ready: false`. Stopped with the suite.
   */
  launchReplica(service: ServiceName, name: string, env?: NodeJS.ProcessEnv, options?: { ready?: boolean }): Promise<ChildProcess>;
  /** Starts a stopped (or killed) service again on the same port, with extra environment if given. */
  restart(service: ServiceName, env?: NodeJS.ProcessEnv): Promise<void>;
  stop(): Promise<void>;
}

/** Spawns one built service with the given environment; its output goes to `<logs>/<service>.log`. */
export function launchService(
  repoRoot: string,
  service: ServiceName,
  env: NodeJS.ProcessEnv,
  logs: string | 'inherit',
  logName: string = service,
  nodeArgs: readonly string[] = [],
): ChildProcess {
  const main = path.join(repoRoot, 'dist', 'apps', service, 'main.js');
  const output = logs === 'inherit' ? 'inherit' : 'pipe';
  const child = spawn(process.execPath, [...nodeArgs, main], { env: { ...process.env, ...env }, stdio: ['ignore', output, output] });
  if (logs !== 'inherit') {
    const log = createWriteStream(path.join(logs, `${logName}.log`), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  return child;
}

/**
 * Runs the four built services (`dist/apps/<name>/main.js`) wired to each other and to the given
 * servers, each waited for until `/health/ready` answers. Used by `npm start` and the end-to-end tier.
 */
/**
 * What every service of a local stack reads alike: production mode on loopback, the database (named
 * `database` on the given server), the broker, and each other's URLs.
 */
export function sharedServiceEnv(
  options: { mongodbUri: string; database: string; kafkaBrokers: string; jwtSecret: string; env?: { all?: NodeJS.ProcessEnv } },
  urls: Record<ServiceName, string>,
): NodeJS.ProcessEnv {
  const mongo = new ConnectionString(options.mongodbUri);
  mongo.pathname = `/${options.database}`;
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    MONGODB_URI: mongo.toString(),
    KAFKA_BROKERS: options.kafkaBrokers,
    JWT_HS256_SECRET: options.jwtSecret,
    STORAGE_URL: urls.storage,
    FANOUT_URL: urls.fanout,
    IMAGING_URL: urls.encoder,
    INGEST_API_URL: urls['ingest-api'],
    PUBLIC_BASE_URL: urls['ingest-api'],
    ...options.env?.all,
  };
}

export async function startSuite(options: SuiteOptions): Promise<RunningSuite> {
  const running = options.services ?? SERVICES;
  for (const service of running) {
    const main = path.join(options.repoRoot, 'dist', 'apps', service, 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx nx run-many -t build --projects=tag:type:app)`);
  }
  // All in one reservation, so no two services are handed the same port.
  const reserved = await reservePorts(SERVICES.map((service) => options.ports?.[service]));
  const ports = Object.fromEntries(SERVICES.map((service, slot) => [service, reserved[slot] as number])) as Record<ServiceName, number>;
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<ServiceName, string>;
  const shared = sharedServiceEnv(options, urls);
  const identity = options.identity ?? serviceIdentityEnv();
  const children = new Map<ServiceName, ChildProcess>();
  const replicas = new Set<ChildProcess>();
  let stopping = false;

  const launch = (service: ServiceName, extra: NodeJS.ProcessEnv = {}): ChildProcess => {
    const env = { ...shared, ...identity[service], ...options.env?.[service], ...extra, PORT: String(ports[service]) };
    const child = launchService(options.repoRoot, service, env, options.logs, service, options.nodeArgs?.[service]);
    children.set(service, child);
    return child;
  };
  const ready = (service: ServiceName) =>
    waitFor(`${service} readiness`, async () => {
      const child = children.get(service);
      if (child && child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}`);
      return (await fetch(`${urls[service]}/health/ready`)).ok;
    }, { timeoutMs: 120_000 });
  const stopOne = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });

  for (const service of running) launch(service);
  const suite: RunningSuite = {
    urls,
    identity,
    mongodbUri: shared['MONGODB_URI'] as string,
    process: (service) => {
      const child = children.get(service);
      if (!child) throw new Error(`${service} was never started`);
      return child;
    },
    launchReplica: async (service, name, env = {}, { ready: waitReady = true } = {}) => {
      const port = await freePort();
      const child = launchService(options.repoRoot, service, { ...shared, ...identity[service], ...options.env?.[service], ...env, PORT: String(port) }, options.logs, name);
      replicas.add(child);
      child.once('exit', () => replicas.delete(child));
      if (waitReady) {
        await waitFor(`${name} readiness`, async () => {
          if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
          return (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok;
        }, { timeoutMs: 60_000 });
      }
      return child;
    },
    restart: async (service, env) => {
      const previous = children.get(service);
      if (previous) await stopOne(previous);
      launch(service, env);
      await ready(service);
    },
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await Promise.all([...children.values(), ...replicas].map(stopOne));
    },
  };
  try {
    await Promise.all(running.map(ready));
  } catch (error) {
    await suite.stop();
    throw error;
  }
  // Children must not outlive a test run that ends abruptly.
  process.once('exit', () => {
    for (const child of [...children.values(), ...replicas]) if (child.exitCode === null) child.kill('SIGKILL');
  });
  return suite;
}
