import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { freePort, freePorts, waitFor } from '../infra/process-utils';
import { launchService, SERVICES, type ServiceName, sharedServiceEnv } from '../infra/suite.process';

/** One process of a service, that the fault scheduler may kill and start again on the same port. */
export interface Replica {
  service: ServiceName;
  name: string;
  port: number;
  /** True between a kill and the end of its restart. */
  down: boolean;
  child: ChildProcess;
}

/** A replica that exited although nobody stopped it: a crash, a finding of the run. */
export interface Crash {
  at: string;
  replica: string;
  code: number | null;
  signal: string | null;
  /** The last lines the process wrote (its fatal error among them). */
  lastLines: string[];
}

export interface ChaosStack {
  /** Each service's address as its callers see it: a balancer in front of its replicas. */
  urls: Record<ServiceName, string>;
  replicas: Replica[];
  /** Replicas that exited on their own; each was started again, as a supervisor would. */
  crashes: Crash[];
  databaseUri: string;
  /** Sends `signal` and waits until the process is gone (SIGTERM: its graceful shutdown). */
  kill(replica: Replica, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts a stopped replica again on its port and waits until it is ready. */
  restart(replica: Replica): Promise<void>;
  stop(): Promise<void>;
}

export interface ChaosStackOptions {
  repoRoot: string;
  mongodbUri: string;
  database: string;
  kafkaBrokers: string;
  jwtSecret: string;
  identity: Record<ServiceName, NodeJS.ProcessEnv>;
  logs: string;
  replicasPerService: number;
  env?: Partial<Record<ServiceName | 'all', NodeJS.ProcessEnv>>;
}

/**
 * A TCP balancer: each new connection goes to the next replica, and to the one after when that one refuses,
 * as a Kubernetes Service with a readiness-less endpoint list would. Connections already open die with
 * their replica; that is the fault the clients must survive.
 */
export async function startBalancer(ports: () => number[]): Promise<{ port: number; server: Server; sockets: Set<Socket> }> {
  let turn = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.pause();
    const candidates = ports();
    const attempt = (tries: number) => {
      if (tries >= candidates.length) {
        client.destroy();
        return;
      }
      const port = candidates[(turn++ + tries) % candidates.length] as number;
      const upstream = connect(port, '127.0.0.1');
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        sockets.add(upstream);
        upstream.once('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.once('error', () => {
        if (!connected) attempt(tries + 1);
        else client.destroy();
      });
    };
    attempt(0);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, server, sockets };
}

/**
 * Every service in `replicasPerService` processes behind one balancer each, wired to each other through the
 * balancers (so killing a storage replica is survived by ingest-api reaching the other one).
 */
export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  mkdirSync(options.logs, { recursive: true });
  const replicas: Replica[] = [];
  const balancers = new Map<ServiceName, Awaited<ReturnType<typeof startBalancer>>>();
  for (const service of SERVICES) {
    balancers.set(service, await startBalancer(() => replicas.filter((r) => r.service === service).map((r) => r.port)));
  }
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${balancers.get(s)?.port ?? 0}`])) as Record<ServiceName, string>;
  const shared = sharedServiceEnv(options, urls);
  const crashes: Crash[] = [];
  let stopping = false;
  const spawn = (replica: Pick<Replica, 'service' | 'name' | 'port'> & { down?: boolean }) => {
    const child = launchService(options.repoRoot, replica.service, { ...shared, ...options.identity[replica.service], ...options.env?.[replica.service], PORT: String(replica.port) }, options.logs, replica.name);
    // The end of what it wrote, kept here too: its log file goes on with the restarted process.
    let output = '';
    const keep = (data: Buffer) => (output = (output + data.toString('utf8')).slice(-16_384));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // 'close', not 'exit': the process's last words are read from its pipes by then.
    child.once('close', (code, signal) => {
      const current = replicas.find((r) => r.child === child);
      if (stopping || !current || current.down) return;
      const lastLines = output.trimEnd().split('\n').slice(-6).map((line) => line.slice(0, 2000));
      crashes.push({ at: new Date().toISOString(), replica: current.name, code, signal, lastLines });
      current.down = true;
      void stack.restart(current).catch(() => undefined);
    });
    return child;
  };
  const ready = (replica: Replica) =>
    waitFor(`${replica.name} readiness`, async () => {
      if (replica.child.exitCode !== null) throw new Error(`${replica.name} exited with ${replica.child.exitCode}`);
      return (await fetch(`http://127.0.0.1:${replica.port}/health/ready`)).ok;
    }, { timeoutMs: 120_000 });
  const gone = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

  // One batch, so no two replicas are handed the same port.
  const ports = await freePorts(SERVICES.length * options.replicasPerService);
  for (const service of SERVICES) {
    for (let n = 1; n <= options.replicasPerService; n += 1) {
      const base = { service, name: `${service}-${n}`, port: ports.pop() as number };
      replicas.push({ ...base, down: false, child: spawn(base) });
    }
  }
  const stack: ChaosStack = {
    urls,
    replicas,
    crashes,
    databaseUri: shared['MONGODB_URI'] as string,
    kill: async (replica, signal) => {
      replica.down = true;
      const exited = gone(replica.child);
      replica.child.kill(signal);
      // A SIGTERM that does not end the process within its grace is a finding too, but the run must go on.
      const timer = setTimeout(() => replica.child.kill('SIGKILL'), 45_000);
      await exited;
      clearTimeout(timer);
    },
    restart: async (replica) => {
      if (stopping) return;
      replica.child = spawn(replica);
      await ready(replica);
      replica.down = false;
    },
    stop: async () => {
      stopping = true;
      await Promise.all(
        replicas.map(async (replica) => {
          const exited = gone(replica.child);
          replica.child.kill('SIGTERM');
          const timer = setTimeout(() => replica.child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        }),
      );
      for (const balancer of balancers.values()) {
        for (const socket of balancer.sockets) socket.destroy();
        await new Promise<void>((resolve) => balancer.server.close(() => resolve()));
      }
    },
  };
  process.once('exit', () => {
    for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGKILL');
  });
  try {
    await Promise.all(replicas.map(ready));
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

export const chaosLogs = (repoRoot: string, name: string) => path.join(repoRoot, 'reports', 'chaos-logs', name);
