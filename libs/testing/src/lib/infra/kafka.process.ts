import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify, stripVTControlCharacters } from 'node:util';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { freePort, waitFor } from './process-utils';

const execFileAsync = promisify(execFile);

export interface RunningKafka {
  /** Bootstrap address for kafkajs, e.g. `127.0.0.1:40123`. */
  brokers: string;
  /** SIGTERM to the broker's process group, SIGKILL after a grace period, then deletes its files. Idempotent. */
  stop(): Promise<void>;
  /** Stops the broker but keeps its data and ports: a broker outage, for tests of what clients do meanwhile. */
  halt(): Promise<void>;
  /** Starts a halted broker again on the same ports and data; resolves once it serves metadata. */
  resume(): Promise<void>;
  /**
   * SIGSTOP to the broker's process group: it keeps its sockets open but answers nothing, as a broker in a
   * long GC pause or on a frozen VM does (clients see timeouts, not refused connections). `thaw` continues it.
   */
  freeze(): void;
  thaw(): void;
  /** With `saslSsl`: the PEM of the CA that signed the broker's certificate, and the broker's own SCRAM login (a super user). */
  saslSsl?: { ca: string; superUser: { username: string; password: string } };
}

export interface StartKafkaOptions {
  repoRoot: string;
  /** Cache root for the broker jars; defaults to the provision script's `<repo>/.cache`. */
  cacheDir?: string;
  /** Parent folder of the broker's throwaway working dir; defaults to the OS temp dir. */
  dataDir?: string;
  /**
   * A folder the broker keeps between runs (topics, offsets, its ports): a broker started again on the
   * same folder has every message of the last one. Unset, everything is thrown away at stop().
   */
  stateDir?: string;
  log?: (line: string) => void;
  /**
   * Clients must use TLS and SASL/SCRAM-SHA-512 (no plaintext listener is opened): a CA and a broker
   * certificate for 127.0.0.1 are made with openssl, and these SCRAM users are created at format time.
   * With `acls`, the StandardAuthorizer denies whatever no ACL allows (the broker's own user excepted).
   */
  saslSsl?: { users: Record<string, string>; acls?: boolean };
}

const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 60;

// Tests share 2 cores with the broker: a small fixed heap and the serial collector start fastest and leave
// CPU for the code under test; C1-only JIT trades peak throughput (irrelevant here) for a quicker start.
const JVM_FLAGS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];
const TOOL_JVM_FLAGS = [
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
];

/**
 * Brokers still alive when Node exits (a test that forgot stop(), a crash, process.exit()) would otherwise
 * outlive the run, as they sit in their own process group. One shared listener instead of one per broker
 * keeps Node's max-listeners warning away.
 */
const liveBrokers = new Map<number, string | null>(); // pid → throwaway work dir (null: a kept one)
process.on('exit', () => {
  for (const [pid, workDir] of liveBrokers) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    if (workDir === null) continue;
    try {
      rmSync(workDir, { recursive: true, force: true });
    } catch {
      // Best effort: the dying JVM may still be releasing files.
    }
  }
});

export async function startKafka(
  options: StartKafkaOptions,
): Promise<RunningKafka> {
  const log = options.log ?? (() => undefined);
  const java = process.env['JAVA_HOME']
    ? join(process.env['JAVA_HOME'], 'bin', 'java')
    : 'java';

  const provisionStart = Date.now();
  const libsDir = await provision(options, log);
  log(`provisioned in ${Date.now() - provisionStart} ms: ${libsDir}`);
  const startStart = Date.now();
  const classpath = join(libsDir, '*');
  const log4jConfig = `-Dlog4j2.configurationFile=${join(options.repoRoot, 'tools', 'infra', 'kafka', 'log4j2.xml')}`;

  const persistent = options.stateDir !== undefined;
  let workDir: string;
  if (options.stateDir !== undefined) {
    workDir = options.stateDir;
    await mkdir(workDir, { recursive: true });
  } else {
    const parentDir = options.dataDir ?? tmpdir();
    await mkdir(parentDir, { recursive: true });
    workDir = await mkdtemp(join(parentDir, 'kafka-'));
  }
  const logFile = join(workDir, 'broker.log');
  const propsFile = join(workDir, 'server.properties');
  const cds = classDataSharing(libsDir, workDir);
  const removeWorkDir = () => (persistent ? Promise.resolve() : rm(workDir, { recursive: true, force: true }));

  // A kept broker keeps its ports: the controller's address is written into the formatted quorum log.
  const kept = persistent ? await keptPorts(workDir) : undefined;
  const [port, controllerPort] = kept ?? (await twoFreePorts());
  const formatted = persistent && existsSync(join(workDir, 'data', 'meta.properties'));
  let security: BrokerSecurity | undefined;
  try {
    if (options.saslSsl) security = await makeBrokerSecurity(workDir, options.saslSsl);
    await writeFile(
      propsFile,
      serverProperties({ port, controllerPort, logDir: join(workDir, 'data'), security }),
    );
    if (persistent) await writeFile(join(workDir, 'ports.json'), JSON.stringify({ port, controllerPort }));
    if (!formatted) await formatStorage();
  } catch (error) {
    await removeWorkDir();
    throw error;
  }

  async function formatStorage(): Promise<void> {
    await execFileAsync(
      java,
      [
        ...TOOL_JVM_FLAGS,
        ...cds.toolFlags,
        log4jConfig,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '--config',
        propsFile,
        // `=` form: a generated id may start with '-', which argparse would read as an option.
        `--cluster-id=${randomBytes(16).toString('base64url')}`,
        // Single-node dynamic quorum (KIP-853): the voter set lives in the formatted log, not in config.
        '--standalone',
        ...(security?.scramArgs ?? []),
      ],
      { cwd: workDir, maxBuffer: 4 * 1024 * 1024 },
    ).catch((error: unknown) => {
      throw new Error(
        `kafka storage format failed: ${describeExecError(error)}`,
      );
    });
    log(`storage formatted in ${Date.now() - startStart} ms`);
  }

  const brokerArgs = [...JVM_FLAGS, ...cds.brokerFlags, log4jConfig, '-cp', classpath, 'kafka.Kafka', propsFile];
  const spawnStart = Date.now();
  let broker: BrokerProcess;
  try {
    broker = await spawnBroker(java, brokerArgs, workDir, logFile);
  } catch (error) {
    await removeWorkDir();
    throw error;
  }
  liveBrokers.set(broker.pid, persistent ? null : workDir);

  /** SIGTERM to the broker's group, SIGKILL after the grace period; true when it shut down on SIGTERM. */
  const terminate = async (): Promise<boolean> => {
    if (!broker.running()) return false;
    broker.ref();
    signalGroup(broker.pid, 'SIGTERM');
    // Aborted afterwards: a pending grace timer would keep the caller's process alive for its full length.
    const grace = new AbortController();
    const graceful = await Promise.race([
      broker.exited.then(() => true),
      sleep(STOP_GRACE_MS, false, { signal: grace.signal }).catch(() => false),
    ]);
    grace.abort();
    if (!graceful) {
      log(`broker ${broker.pid} ignored SIGTERM for ${STOP_GRACE_MS} ms, killing it`);
      signalGroup(broker.pid, 'SIGKILL');
      await broker.exited;
    }
    liveBrokers.delete(broker.pid);
    return graceful;
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Only a JVM that shut down on our SIGTERM has finished writing a class-data archive.
      const graceful = await terminate();
      if (graceful) await cds.keepTrainedArchive();
      await removeWorkDir();
    })();
    return stopping;
  };

  const brokers = `127.0.0.1:${port}`;
  const serving = async (): Promise<void> => {
    const current = broker;
    await Promise.race([
      // The probe gives up once the JVM is gone, or its polling would hold the caller's process open.
      waitUntilServing(brokers, current.running, security?.probe ?? {}),
      current.exited.then((how) => {
        throw new Error(`broker exited during start-up (${how})`);
      }),
    ]);
  };
  try {
    await serving();
  } catch (error) {
    const tail = await logTail(logFile);
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Kafka broker did not start: ${reason}\n--- broker log, last ${LOG_TAIL_LINES} lines ---\n${tail}`);
  }
  const recording = cds.training ? ', recording class-data archive' : '';
  log(`broker ${brokers} (pid ${broker.pid}) up in ${Date.now() - spawnStart} ms; start-to-ready ${Date.now() - startStart} ms${recording}`);
  await cds.discardIfRejected(logFile);

  return {
    brokers,
    ...(security ? { saslSsl: { ca: security.ca, superUser: security.superUser } } : {}),
    stop,
    halt: async () => {
      await terminate();
    },
    freeze: () => {
      if (broker.running()) signalGroup(broker.pid, 'SIGSTOP');
    },
    thaw: () => {
      if (broker.running()) signalGroup(broker.pid, 'SIGCONT');
    },
    resume: async () => {
      if (broker.running()) return;
      broker = await spawnBroker(java, brokerArgs, workDir, logFile);
      liveBrokers.set(broker.pid, persistent ? null : workDir);
      await serving();
      log(`broker ${brokers} (pid ${broker.pid}) resumed`);
    },
  };
}

interface BrokerProcess {
  pid: number;
  running: () => boolean;
  /** Lets the pending exit keep Node alive (the child is unref'd): a caller awaiting stop() must not quit mid-stop. */
  ref: () => void;
  /** Resolves with how the JVM ended. */
  exited: Promise<string>;
}

async function spawnBroker(java: string, args: string[], workDir: string, logFile: string): Promise<BrokerProcess> {
  const logHandle = await open(logFile, 'a');
  // Own process group so stop() can signal the JVM with everything it may fork; output straight into a
  // file descriptor so the broker never blocks on (or dies with) a pipe to this process.
  const child = spawn(java, args, { cwd: workDir, detached: true, stdio: ['ignore', logHandle.fd, logHandle.fd] });
  // Listeners attached before any await: both events may fire while the log handle closes.
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  let running = true;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve(signal ? `signal ${signal}` : `exit code ${String(code)}`);
    });
  });
  await logHandle.close();
  const pid = child.pid;
  if (pid === undefined) {
    const spawnError = await spawnFailed;
    throw new Error(`could not start ${java}: ${spawnError.message}`);
  }
  // The JVM must not keep a test runner alive; the exit hook covers a forgotten stop().
  child.unref();
  return { pid, running: () => running, ref: () => child.ref(), exited };
}

/**
 * AppCDS (JDK 13+ dynamic archive) cuts broker start-up by ~1.5 s and the format tool by ~0.5 s on this
 * 2-core box: most of the start is loading and verifying ~6k Scala/Kafka classes. The first broker on a
 * fresh cache records the archive as it exits; later ones map it. Java 17 has no -XX:+AutoCreateSharedArchive.
 */
function classDataSharing(libsDir: string, workDir: string) {
  const archive = join(dirname(libsDir), 'broker-cds.jsa');
  const recording = join(workDir, 'broker-cds.jsa');
  const training = !existsSync(archive);
  const useFlags = training ? [] : [`-XX:SharedArchiveFile=${archive}`];
  return {
    training,
    toolFlags: useFlags,
    brokerFlags: training
      ? [`-XX:ArchiveClassesAtExit=${recording}`]
      : useFlags,
    async keepTrainedArchive(): Promise<void> {
      if (!training || !existsSync(recording)) return;
      // Copy then rename: concurrent brokers may be mapping the old file, and the work dir may be on
      // another file system than the cache.
      const staging = `${archive}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await copyFile(recording, staging);
      await rename(staging, archive);
    },
    /** A JDK or jar change makes the JVM ignore the archive with a [cds] warning; drop it so the next start re-records. */
    async discardIfRejected(logFile: string): Promise<void> {
      if (training) return;
      const output = await readFile(logFile, 'utf8').catch(() => '');
      if (/\[cds[\],]/.test(output)) await rm(archive, { force: true });
    },
  };
}

async function provision(
  options: StartKafkaOptions,
  log: (line: string) => void,
): Promise<string> {
  const script = join(options.repoRoot, 'tools', 'infra', 'provision-kafka.sh');
  const env = {
    ...process.env,
    ...(options.cacheDir ? { INFRA_CACHE_DIR: options.cacheDir } : {}),
  };
  try {
    const { stdout, stderr } = await execFileAsync('bash', [script], {
      cwd: options.repoRoot,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    // Debian's Maven 3.8 emits bare colour resets even with -B and a redirected stream.
    for (const line of stripVTControlCharacters(stderr).split('\n'))
      if (line.trim()) log(line);
    const libsDir = stdout.trim().split('\n').pop();
    if (!libsDir) throw new Error('provision-kafka.sh printed no libs dir');
    return libsDir;
  } catch (error) {
    throw new Error(`provision-kafka.sh failed: ${describeExecError(error)}`);
  }
}

interface BrokerSecurity {
  ca: string;
  superUser: { username: string; password: string };
  /** `--add-scram` arguments of the storage format: SCRAM users live in the cluster metadata. */
  scramArgs: string[];
  properties: Record<string, string | number | boolean>;
  /** The readiness probe's client settings: the broker's own user over TLS. */
  probe: Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

const USER_NAME = /^[A-Za-z0-9._-]+$/;

async function makeBrokerSecurity(workDir: string, options: NonNullable<StartKafkaOptions['saslSsl']>): Promise<BrokerSecurity> {
  const tls = join(workDir, 'tls');
  await mkdir(tls, { recursive: true });
  const file = (name: string) => join(tls, name);
  const openssl = (args: string[]) =>
    execFileAsync('openssl', args, { cwd: tls }).catch((error: unknown) => {
      throw new Error(`openssl ${args[0]} failed: ${describeExecError(error)}`);
    });
  // A throwaway CA and a broker certificate for the loopback address, valid for the run only.
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=media-test-ca']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('broker.key'), '-out', file('broker.csr'), '-subj', '/CN=127.0.0.1']);
  await writeFile(file('broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(['x509', '-req', '-in', file('broker.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('broker.pem'), '-days', '2', '-extfile', file('broker.ext')]);
  // Kafka's PEM key store: the unencrypted PKCS#8 key followed by the certificate chain, in one file.
  const keyStore = file('broker-keystore.pem');
  await writeFile(keyStore, `${await readFile(file('broker.key'), 'utf8')}${await readFile(file('broker.pem'), 'utf8')}${await readFile(file('ca.pem'), 'utf8')}`);
  const ca = await readFile(file('ca.pem'), 'utf8');

  const superUser = { username: 'broker', password: randomBytes(18).toString('base64url') };
  const users = { ...options.users, [superUser.username]: superUser.password };
  const scramArgs: string[] = [];
  for (const [name, password] of Object.entries(users)) {
    if (!USER_NAME.test(name) || /[\],=]/.test(password)) throw new Error(`SCRAM user ${name}: names are [A-Za-z0-9._-], passwords without ] , =`);
    scramArgs.push('--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`);
  }
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${superUser.username}" password="${superUser.password}";`;
  return {
    ca,
    superUser,
    scramArgs,
    properties: {
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas,
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': keyStore,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': file('ca.pem'),
      ...(options.acls
        ? {
            'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
            // The controller listener is plaintext on loopback (no client can use it for data) and its
            // peers are anonymous there; they must still register the broker (CLUSTER_ACTION).
            'super.users': `User:${superUser.username};User:ANONYMOUS`,
            'allow.everyone.if.no.acl.found': false,
          }
        : {}),
    },
    probe: { ssl: { ca: [ca] }, sasl: { mechanism: 'scram-sha-512', ...superUser } },
  };
}

function serverProperties({
  port,
  controllerPort,
  logDir,
  security,
}: {
  port: number;
  controllerPort: number;
  logDir: string;
  security?: BrokerSecurity;
}): string {
  // The client listener is SASL_SSL when security is asked for; the controller listener stays on loopback.
  const client = security ? 'SASL_SSL' : 'PLAINTEXT';
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.bootstrap.servers': `127.0.0.1:${controllerPort}`,
    listeners: `${client}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `${client}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'listener.security.protocol.map': `${client}:${client},CONTROLLER:PLAINTEXT`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': client,
    ...security?.properties,
    'log.dirs': logDir,
    // One replica is all there is; the defaults (3) would leave internal topics unwritable.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // The defaults (50 offsets / 50 transaction partitions) make the first consumer group and the first
    // idempotent producer wait seconds for partitions nobody needs in a test.
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.num.partitions': 1,
    // No point waiting for more members that are not coming: first join completes immediately.
    'group.initial.rebalance.delay.ms': 0,
    'num.partitions': 3,
    'auto.create.topics.enable': true,
    // Fewer threads than the defaults: 2 cores shared with the tests.
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'num.replica.fetchers': 1,
  };
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}

/** The ports a kept broker used last time, if both are still free. */
async function keptPorts(workDir: string): Promise<[number, number] | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(workDir, 'ports.json'), 'utf8')) as { port: number; controllerPort: number };
    if ((await portIsFree(saved.port)) && (await portIsFree(saved.controllerPort))) return [saved.port, saved.controllerPort];
  } catch {
    // No kept ports yet.
  }
  return undefined;
}

async function portIsFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise<boolean>((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();
  return [first, second];
}

/** An open port is not enough: metadata requests fail until the broker has caught up with the controller. */
async function waitUntilServing(
  brokers: string,
  stillRunning: () => boolean,
  security: Pick<KafkaConfig, 'ssl' | 'sasl'>,
): Promise<void> {
  const kafka = new Kafka({
    ...security,
    clientId: 'kafka-readiness-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  });
  await waitFor(
    `Kafka at ${brokers}`,
    async () => {
      if (!stillRunning()) return true;
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return true;
      } finally {
        await admin.disconnect();
      }
    },
    { timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 },
  );
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function logTail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8'))
      .split('\n')
      .slice(-LOG_TAIL_LINES)
      .join('\n');
  } catch {
    return '(no broker log)';
  }
}

function describeExecError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { stderr, stdout } = error as Error & {
    stderr?: string;
    stdout?: string;
  };
  const output = [stderr, stdout]
    .filter((text): text is string => Boolean(text?.trim()))
    .join('\n');
  // execFile's message already embeds stderr after its first line; keep only the command line from it.
  const [command] = error.message.split('\n');
  return output
    ? `${command}\n${output.split('\n').slice(-LOG_TAIL_LINES).join('\n')}`
    : error.message;
}
