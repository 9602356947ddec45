/**
 * `npm run images:up`: the suite from its images, with the Kubernetes manifests' production settings.
 *
 *   npm run images:up              boots it and prints the gateway URL; Ctrl-C stops everything
 *   npm run images:up -- --check   boots it, runs the short end-to-end pass (tools/containers/*.images-spec.ts),
 *                                  then SIGTERMs every container and checks each exits 0 within its grace
 *
 * A small driver over `podman run` (or `docker run`), not `podman kube play`: see the README's operations
 * section for what kube play cannot run here. What each service container gets comes from the rendered
 * manifests (deploy/base through kustomize): its environment (env, envFrom ConfigMaps, Secret keys), uid
 * and gid, a read-only root filesystem, no capabilities, no privilege gain, its emptyDir mounts (as tmpfs)
 * and its terminationGracePeriodSeconds. Only addresses are changed: on the host network the cluster's
 * service names (storage, fanout, kafka-bootstrap, mongodb-0...) become 127.0.0.1 and the local broker
 * and database containers; the placeholder JWT secret and service keys become fresh ones; fanout may call webhooks on
 * loopback (WEBHOOK_ALLOWED_CIDRS), because the pass's receiver listens there.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { Kafka, logLevel } from 'kafkajs';
import { TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { serviceIdentityEnv } from '@media/service-identity';
import { freePort, waitFor } from '@media/testing';
import { type Manifest, type ServiceRun, serviceRuns, START_ORDER } from './service-runs';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../..');
const LABEL = 'media-assets.up';

const engine = process.env['CONTAINER_ENGINE'] ?? (existsSync('/var/run/docker.sock') ? 'docker' : 'podman');
// An emptyDir belongs to the pod's fsGroup. podman ignores `mode=` on a tmpfs outside /tmp (root, 0755)
// but chowns it to the container's user with `U`; docker honours `mode=`.
const writableTmpfs = engine === 'podman' ? 'rw,U' : 'rw,mode=1777';

/** Runs the engine with tools/containers/engine.sh's settings (podman: runc, limits, storage in .cache). */
async function container(args: string[], options: { allowFailure?: boolean } = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync('bash', ['-c', `source "${path.join(repoRoot, 'tools/containers/engine.sh')}" && engine "$@"`, '_', ...args], {
      env: { ...process.env, CONTAINER_ENGINE: engine },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    if (options.allowFailure) return '';
    throw error;
  }
}

async function renderedManifests(): Promise<Manifest[]> {
  const kustomize = path.join(repoRoot, '.cache/deploy-tools/bin/kustomize');
  if (!existsSync(kustomize)) {
    console.error('[up] kustomize is not built yet: running tools/deploy/validate.sh once');
    await execFileAsync('bash', [path.join(repoRoot, 'tools/deploy/validate.sh')], { maxBuffer: 64 * 1024 * 1024 });
  }
  const { stdout } = await execFileAsync(kustomize, ['build', path.join(repoRoot, 'deploy/base')], { maxBuffer: 16 * 1024 * 1024 });
  return loadAll(stdout) as Manifest[];
}

function runArgs(run: ServiceRun): string[] {
  return [
    'run', '--detach', '--name', `media-assets-${run.service}`, '--label', LABEL, '--network', 'host',
    '--user', run.user,
    ...(run.readOnly ? ['--read-only'] : []),
    ...(run.noNewPrivileges ? ['--security-opt', 'no-new-privileges'] : []),
    ...run.dropCapabilities.map((capability) => `--cap-drop=${capability}`),
    ...run.tmpfs.flatMap((mountPath) => ['--tmpfs', `${mountPath}:${writableTmpfs},nosuid,nodev,size=2g`]),
    ...Object.entries(run.env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
    `localhost/media-assets/${run.service}:latest`,
  ];
}

async function ready(url: string, what: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(what, async () => (await fetch(url)).ok, { timeoutMs, intervalMs: 500 });
}

async function removeAll(): Promise<void> {
  const ids = (await container(['ps', '-aq', '--filter', `label=${LABEL}`], { allowFailure: true })).split('\n').filter(Boolean);
  if (ids.length > 0) await container(['rm', '-f', '-t', '0', ...ids], { allowFailure: true });
}

interface StopResult { name: string; exitCode: number; seconds: number; graceSeconds: number; cleanCodes: number[] }

/**
 * SIGTERM, then the time until the container exited and its exit code (the engine SIGKILLs after the
 * grace). The services must exit 0. The JVM stand-ins run their shutdown hooks and then end with 143
 * (128 + SIGTERM), the JVM's way of saying it stopped on the signal, so 143 is clean for them.
 */
async function stopAndMeasure(name: string, graceSeconds: number, cleanCodes: number[] = [0]): Promise<StopResult> {
  const started = Date.now();
  await container(['stop', '-t', String(graceSeconds), name]);
  const exitCode = Number(await container(['inspect', '--format', '{{.State.ExitCode}}', name]));
  return { name, exitCode, seconds: (Date.now() - started) / 1000, graceSeconds, cleanCodes };
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  await removeAll();
  for (const service of START_ORDER) {
    const listening = await fetch(`http://127.0.0.1:${{ 'ingest-api': 3000, storage: 3001, encoder: 3002, fanout: 3003 }[service]}/health/live`).then(() => true, () => false);
    if (listening) throw new Error(`something already listens on ${service}'s port: stop it first (the manifests fix the ports)`);
  }
  const [mongoPort, kafkaPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  const mongodbUri = `mongodb://127.0.0.1:${mongoPort}/media`;
  const kafkaBrokers = `127.0.0.1:${kafkaPort}`;
  const jwtSecret = randomBytes(32).toString('base64url');
  const logsDir = path.join(repoRoot, 'reports', 'containers');
  await mkdir(logsDir, { recursive: true });

  const cleanup = async (): Promise<void> => {
    await removeAll();
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  const startedAt = Date.now();
  console.error(`[up] ${engine}: broker and database stand-in`);
  await container(['run', '--detach', '--name', 'media-assets-mongodb', '--label', LABEL, '--network', 'host', '--env', `MONGO_PORT=${mongoPort}`, 'localhost/media-assets/mongo-java-server:latest']);
  await container([
    'run', '--detach', '--name', 'media-assets-kafka', '--label', LABEL, '--network', 'host', '--tmpfs', `/var/lib/kafka:${writableTmpfs}`,
    '--env', `KAFKA_PORT=${kafkaPort}`, '--env', `KAFKA_CONTROLLER_PORT=${controllerPort}`, '--env', 'KAFKA_AUTO_CREATE_TOPICS=false',
    'localhost/media-assets/kafka:latest',
  ]);
  const admin = new Kafka({ clientId: 'images-up', brokers: [kafkaBrokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await waitFor('kafka container', async () => {
    await admin.connect();
    await admin.listTopics();
    return true;
  }, { timeoutMs: 120_000, intervalMs: 500 });
  // What the manifests' kafka-topics Job does (create-topics.sh), through the admin API.
  await admin.createTopics({ topics: Object.values(TOPICS).map((topic) => ({ topic, numPartitions: TOPIC_PARTITIONS[topic], replicationFactor: 1 })) });
  await admin.disconnect();

  const local = { STORAGE_URL: 'http://127.0.0.1:3001', FANOUT_URL: 'http://127.0.0.1:3003', MONGODB_URI: mongodbUri, KAFKA_BROKERS: kafkaBrokers };
  // A fresh set of service keys in place of the manifests' placeholders (what `npm run service-keys` prints).
  const identity = serviceIdentityEnv() as Record<string, Record<string, string>>;
  const runs = serviceRuns(await renderedManifests(), {
    storage: { ...local, ...identity['storage'], INGEST_API_URL: 'http://127.0.0.1:3000' },
    fanout: { ...local, ...identity['fanout'], WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32' },
    encoder: { ...local, ...identity['encoder'] },
    'ingest-api': { ...local, ...identity['ingest-api'], JWT_HS256_SECRET: jwtSecret, PUBLIC_BASE_URL: 'http://127.0.0.1:3000' },
  });
  for (const run of runs) {
    console.error(`[up] ${run.service}: user ${run.user}, read-only ${run.readOnly}, tmpfs ${run.tmpfs.join(',') || '-'}, grace ${run.graceSeconds}s`);
    await container(runArgs(run));
    await ready(`http://127.0.0.1:${run.port}/health/ready`, `${run.service} container`).catch(async (error: unknown) => {
      console.error(await container(['logs', '--tail', '40', `media-assets-${run.service}`], { allowFailure: true }));
      throw error;
    });
  }
  console.error(`[up] suite up from images in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: gateway http://127.0.0.1:3000 (docs /docs)`);
  console.error(`[up] tokens: JWT_HS256_SECRET=${jwtSecret} npm run token -- --tenant acme`);

  if (!check) {
    console.error('[up] Ctrl-C stops everything');
    await new Promise(() => undefined);
    return;
  }

  let failed = false;
  try {
    const jest = spawn('npx', ['jest', '-c', 'tools/containers/jest.images.config.ts', '--runInBand', '--ci'], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: {
        ...process.env,
        E2E_INGEST_API_URL: 'http://127.0.0.1:3000',
        E2E_STORAGE_URL: 'http://127.0.0.1:3001',
        E2E_FANOUT_URL: 'http://127.0.0.1:3003',
        E2E_ENCODER_URL: 'http://127.0.0.1:3002',
        E2E_JWT_SECRET: jwtSecret,
        E2E_DATABASE_URI: mongodbUri,
        E2E_SERVICE_IDENTITY: JSON.stringify(identity),
        KAFKA_BROKERS: kafkaBrokers,
      },
    });
    const code = await new Promise<number | null>((resolve) => jest.once('exit', resolve));
    failed = code !== 0;

    for (const run of runs) {
      await writeFile(path.join(logsDir, `${run.service}.log`), await container(['logs', `media-assets-${run.service}`], { allowFailure: true }));
    }
    // Services first, in reverse start order (as a rollout would drain them), then the infrastructure.
    const results: StopResult[] = [];
    for (const run of [...runs].reverse()) results.push(await stopAndMeasure(`media-assets-${run.service}`, run.graceSeconds));
    results.push(await stopAndMeasure('media-assets-kafka', 30, [0, 143]), await stopAndMeasure('media-assets-mongodb', 30, [0, 143]));
    const lines = results.map((result) => {
      const ok = result.cleanCodes.includes(result.exitCode) && result.seconds < result.graceSeconds;
      if (!ok) failed = true;
      return `| ${result.name} | ${result.exitCode} | ${result.seconds.toFixed(1)} | ${result.graceSeconds} | ${ok ? 'ok' : 'FAILED'} |`;
    });
    const report = ['# SIGTERM to each container (`npm run images:up -- --check`)', '', '| container | exit code | seconds to exit | grace | |', '|---|---|---|---|---|', ...lines, ''].join('\n');
    await writeFile(path.join(logsDir, 'shutdown.md'), report);
    console.error(report);
  } finally {
    await cleanup();
  }
  await sleep(0);
  if (failed) {
    console.error('[up] check FAILED');
    process.exit(1);
  }
  console.error('[up] check passed');
}

if (require.main === module) {
  main().catch(async (error: unknown) => {
    console.error(error);
    await removeAll();
    process.exit(1);
  });
}

