import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import type { StartedTestContainer } from 'testcontainers';
import type { Infrastructure } from './infrastructure';
import { freePort, waitFor } from './process-utils';

const execFileAsync = promisify(execFile);

/** The public images a Docker engine pulls: the real MongoDB and Apache's own Kafka build. */
const DOCKER_IMAGES = { mongo: 'mongo:8.0', kafka: 'apache/kafka:4.4.0' } as const;
/** What tools/containers/images.sh builds where no registry is reachable (podman here). */
const LOCAL_IMAGES = { mongo: 'localhost/media-assets/mongo-java-server:latest', kafka: 'localhost/media-assets/kafka:latest' } as const;
const READY_TIMEOUT_MS = 120_000;

interface Engine {
  kind: 'docker' | 'podman';
  stop(): Promise<void>;
}

/**
 * `TEST_INFRA=containers`: Kafka and the database from containers that testcontainers starts, instead of
 * local processes. With a Docker engine (DOCKER_HOST or /var/run/docker.sock) the public `mongo` and
 * `apache/kafka` images run on Docker's bridge network. Without one, podman serves the same API on a socket
 * of its own (tools/containers/podman-socket.sh) and runs the locally built images on the host network
 * (no bridge setup needed); Ryuk, testcontainers' reaper, is off there because it needs an image from
 * Docker Hub: the containers are stopped here instead.
 */
export async function startContainerInfrastructure({ repoRoot, log }: { repoRoot: string; log: (line: string) => void }): Promise<Infrastructure> {
  const engine = await connectEngine(repoRoot, log);
  try {
    // Imported after DOCKER_HOST is set: testcontainers reads it once, on first use.
    const { GenericContainer, Wait } = await import('testcontainers');
    const started: StartedTestContainer[] = [];
    const stopAll = async (): Promise<void> => {
      await Promise.all(started.map((container) => container.stop({ timeout: 10_000 }).catch(() => undefined)));
      await engine.stop();
    };
    try {
      if (engine.kind === 'podman') await ensureLocalImages(repoRoot, log);
      const [mongoPort, kafkaPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
      const mongo = engine.kind === 'podman'
        ? new GenericContainer(LOCAL_IMAGES.mongo).withNetworkMode('host').withEnvironment({ MONGO_PORT: String(mongoPort) })
          .withWaitStrategy(Wait.forLogMessage(/READY memory/))
        : new GenericContainer(DOCKER_IMAGES.mongo).withExposedPorts({ container: 27017, host: mongoPort })
          .withWaitStrategy(Wait.forListeningPorts());
      // The broker must advertise the address clients dial: a fixed host port known before it starts.
      const kafka = engine.kind === 'podman'
        ? new GenericContainer(LOCAL_IMAGES.kafka).withNetworkMode('host')
          .withEnvironment({ KAFKA_PORT: String(kafkaPort), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_ADVERTISED_HOST: '127.0.0.1' })
          .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        : new GenericContainer(DOCKER_IMAGES.kafka).withExposedPorts({ container: 9092, host: kafkaPort })
          .withEnvironment({
            KAFKA_NODE_ID: '1',
            KAFKA_PROCESS_ROLES: 'broker,controller',
            KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
            KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
            KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
            KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          })
          .withWaitStrategy(Wait.forListeningPorts());
      const startedAt = Date.now();
      const [mongoContainer, kafkaContainer] = await Promise.all([
        mongo.withStartupTimeout(READY_TIMEOUT_MS).start(),
        kafka.withStartupTimeout(READY_TIMEOUT_MS).start(),
      ]);
      started.push(mongoContainer, kafkaContainer);
      const mongodbUri = `mongodb://127.0.0.1:${mongoPort}/`;
      const kafkaBrokers = `127.0.0.1:${kafkaPort}`;
      // A log line or an open port is not yet a served request: both answer one before tests begin.
      await Promise.all([
        waitFor(`mongodb container at ${mongodbUri}`, () => pingMongo(mongodbUri), { timeoutMs: READY_TIMEOUT_MS }),
        waitFor(`kafka container at ${kafkaBrokers}`, () => kafkaServes(kafkaBrokers), { timeoutMs: READY_TIMEOUT_MS }),
      ]);
      log(`containers (${engine.kind}) ready in ${Date.now() - startedAt} ms: ${mongoContainer.getId().slice(0, 12)} mongodb, ${kafkaContainer.getId().slice(0, 12)} kafka`);
      return { mongodbUri, kafkaBrokers, started: [`mongodb (${engine.kind} container)`, `kafka (${engine.kind} container)`], stop: stopAll };
    } catch (error) {
      await stopAll();
      throw error;
    }
  } catch (error) {
    await engine.stop();
    throw error;
  }
}

async function connectEngine(repoRoot: string, log: (line: string) => void): Promise<Engine> {
  if (process.env['DOCKER_HOST'] || existsSync('/var/run/docker.sock')) {
    log('testcontainers on the Docker engine');
    return { kind: 'docker', stop: async () => undefined };
  }
  log('testcontainers on podman (tools/containers/podman-socket.sh)');
  const service = spawn('bash', [join(repoRoot, 'tools', 'containers', 'podman-socket.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const dockerHost = await firstLine(service);
  process.env['DOCKER_HOST'] = dockerHost;
  process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  // podman-socket.sh set these for the service; the podman CLI calls testcontainers makes need none.
  return {
    kind: 'podman',
    stop: async () => {
      if (service.exitCode !== null) return;
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    },
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error('no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`podman-socket.sh exited (${String(code)}) before serving`)));
  });
}

/** Builds the broker and database images once (then cached in .cache/containers); a second call only checks. */
async function ensureLocalImages(repoRoot: string, log: (line: string) => void): Promise<void> {
  const script = join(repoRoot, 'tools', 'containers', 'images.sh');
  // DOCKER_HOST now points at podman's socket, which would make the scripts take podman for Docker.
  const env = { ...process.env, CONTAINER_ENGINE: 'podman' };
  const present = await Promise.all(
    Object.values(LOCAL_IMAGES).map((image) =>
      execFileAsync('bash', ['-c', `source "${join(repoRoot, 'tools', 'containers', 'engine.sh')}" && podman image exists "$1"`, '_', image], { env }).then(() => true, () => false),
    ),
  );
  if (present.every(Boolean)) return;
  log('building the kafka and mongo-java-server images (first run only)');
  await execFileAsync('bash', [script], { env: { ...env, IMAGES: 'kafka mongo-java-server' }, maxBuffer: 64 * 1024 * 1024 });
}

async function pingMongo(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, directConnection: true });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

async function kafkaServes(brokers: string): Promise<boolean> {
  const admin = new Kafka({ clientId: 'containers-readiness', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } finally {
    await admin.disconnect();
  }
}
