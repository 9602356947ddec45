import { TOPIC_PARTITIONS } from '@media/asset-model';
import { baseConfigSchema, CLOSE_BUDGET_MS } from '@media/service-kit';
import { identityEnv } from '@media/testing';
import { encoderConfigSchema } from '../../apps/encoder/src/app/encoder.config';
import { fanoutConfigSchema } from '../../apps/fanout/src/app/fanout.config';
import { ingestApiConfigSchema } from '../../apps/ingest-api/src/app/ingest-api.config';
import { storageConfigSchema } from '../../apps/storage/src/app/storage.config';
import {
  type ComposeProject,
  composeDurationSeconds,
  composeEnv,
  type ConfigSchema,
  configProblems,
  findObject,
  type K8sObject,
  policiesAllow,
  selects,
  parseTopics,
  podSpecOf,
  readRendered,
  resolveEnv,
} from './deploy-contract.util';

/**
 * The deploy tier: the manifests and the compose file tools/deploy/validate.sh rendered and validated,
 * held to the code they deploy. kubeconform and compose-go say the files are well-formed; these say they
 * configure this service correctly.
 */
const APPS: Record<string, { schema: ConfigSchema; port: number; imageTarget: string }> = {
  'ingest-api': { schema: ingestApiConfigSchema, port: 3000, imageTarget: 'service' },
  storage: { schema: storageConfigSchema, port: 3001, imageTarget: 'service' },
  encoder: { schema: encoderConfigSchema, port: 3002, imageTarget: 'media-service' },
  fanout: { schema: fanoutConfigSchema, port: 3003, imageTarget: 'service' },
};
const APP_NAMES = Object.keys(APPS);
const AUTOSCALED = ['ingest-api', 'encoder'];

const shutdownFields = baseConfigSchema(0).shape;
/** The service exits by itself at delay + grace + close budget (graceful-shutdown.ts); the kill must come later. */
function shutdownBoundSeconds(values: Record<string, string>): number {
  const delay = shutdownFields.SHUTDOWN_DELAY_SECONDS.parse(values['SHUTDOWN_DELAY_SECONDS'] || undefined);
  const grace = shutdownFields.SHUTDOWN_GRACE_SECONDS.parse(values['SHUTDOWN_GRACE_SECONDS'] || undefined);
  return delay + grace + CLOSE_BUDGET_MS / 1000;
}

describe.each(['base', 'production'])('Kubernetes manifests (%s, rendered by kustomize)', (variant) => {
  const objects = readRendered<K8sObject[]>(`${variant}.json`);

  describe.each(APP_NAMES)('%s', (app) => {
    const { schema, port } = APPS[app];
    const deployment = findObject(objects, 'Deployment', app);
    const pod = podSpecOf(deployment);
    const [container] = pod.containers;
    const env = resolveEnv(container, objects);

    it('passes exactly the variables its config schema reads, with values it accepts', () => {
      expect(env.problems).toEqual([]);
      expect(configProblems(schema, env.values, env.fromSecret)).toEqual([]);
    });

    it('listens where its container port, probes and Service point', () => {
      expect(env.values['PORT']).toBe(String(port));
      expect(container.ports).toEqual([{ name: 'http', containerPort: port }]);
      expect(findObject(objects, 'Service', app).spec?.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    });

    it('is killed only after its own shutdown bound', () => {
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(shutdownBoundSeconds(env.values));
    });

    it('runs non-root on a read-only root filesystem with requests and limits', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(pod.volumes?.find((volume) => volume.name === 'tmp')?.emptyDir).toBeDefined();
      for (const bound of ['requests', 'limits'] as const) {
        expect(Object.keys(container.resources?.[bound] ?? {})).toEqual(expect.arrayContaining(['cpu', 'memory']));
      }
    });

    it('has a PodDisruptionBudget over its pods', () => {
      const selector = findObject(objects, 'PodDisruptionBudget', app).spec?.selector?.matchLabels;
      expect(selector).toEqual(deployment.spec?.selector?.matchLabels);
      expect(deployment.spec?.template?.metadata?.labels).toMatchObject(selector ?? { missing: 'selector' });
    });
  });

  it.each(AUTOSCALED)('scales %s with an autoscaling/v2 HorizontalPodAutoscaler, which alone sets its replicas', (app) => {
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', app);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec?.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: app });
    expect(findObject(objects, 'Deployment', app).spec?.replicas).toBeUndefined();
  });

  it('gives the encoder its job folder on the writable /tmp volume', () => {
    const [container] = podSpecOf(findObject(objects, 'Deployment', 'encoder')).containers;
    const { values } = resolveEnv(container, objects);
    expect(values['ENCODER_TMP_DIR'] ?? '/tmp').toBe('/tmp');
  });

  it('creates every topic of TOPIC_PARTITIONS with its partition count, and no other', () => {
    const job = findObject(objects, 'Job', 'kafka-topics');
    const [container] = podSpecOf(job).containers;
    const { values, problems } = resolveEnv(container, objects);
    expect(problems).toEqual([]);
    expect(parseTopics(values['TOPICS'] ?? '')).toEqual(TOPIC_PARTITIONS);
    expect(values['KAFKA_BROKERS']).toBeTruthy();
    expect(container.command).toEqual(['/bin/sh', '/scripts/create-topics.sh']);
    expect(podSpecOf(job).securityContext).toMatchObject({ runAsNonRoot: true });
  });

  describe('network policies', () => {
    const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
    const labelsOf = (app: string) => ({ 'app.kubernetes.io/name': app });
    const callers = [...APP_NAMES, 'kafka-topics'];
    // The architecture's service-to-service flows; everything else inside the namespace is refused.
    const flows = new Set(['ingest-api→storage', 'ingest-api→fanout', 'ingest-api→encoder', 'encoder→storage', 'storage→ingest-api']);

    it('deny everything by default, in and out', () => {
      const deny = findObject(objects, 'NetworkPolicy', 'default-deny');
      expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    });

    it.each(callers.flatMap((from) => APP_NAMES.map((to) => [from, to] as const)))('decide %s → %s as the architecture says', (from, to) => {
      expect(policiesAllow(policies, labelsOf(from), labelsOf(to), APPS[to].port, 'http')).toBe(flows.has(`${from}→${to}`));
    });

    it('let only the ingress controller reach the gateway from outside, and Prometheus reach /metrics', () => {
      const outsiders = policies.flatMap((policy) =>
        (policy.spec?.ingress ?? []).flatMap((rule) => (rule.from ?? []).filter((peer) => peer.namespaceSelector).map((peer) => ({ policy: policy.metadata.name, peer, ports: rule.ports }))),
      );
      expect(outsiders).toEqual([
        { policy: 'allow-metrics-scrape', peer: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }, ports: [{ protocol: 'TCP', port: 'http' }] },
        { policy: 'ingest-api', peer: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }, ports: [{ protocol: 'TCP', port: 3000 }] },
      ]);
    });

    it('let only fanout out to the internet, never to private, link-local or loopback ranges', () => {
      const withIpBlocks = policies.filter((policy) => (policy.spec?.egress ?? []).some((rule) => (rule.to ?? []).some((peer) => peer.ipBlock)));
      expect(withIpBlocks.map((policy) => policy.metadata.name)).toEqual(['fanout']);
      const blocks = withIpBlocks.flatMap((policy) => (policy.spec?.egress ?? []).flatMap((rule) => (rule.to ?? []).map((peer) => peer.ipBlock)));
      const v4 = blocks.find((block) => block?.cidr === '0.0.0.0/0');
      expect(v4?.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '127.0.0.0/8', '100.64.0.0/10']));
      expect(blocks.find((block) => block?.cidr === '::/0')?.except).toEqual(expect.arrayContaining(['fc00::/7', 'fe80::/10', '::1/128', '::ffff:0:0/96']));
    });

    it('give every service DNS, MongoDB and Kafka', () => {
      const shared = findObject(objects, 'NetworkPolicy', 'allow-dns-mongodb-kafka');
      for (const app of callers) expect(selects(shared.spec?.podSelector, labelsOf(app))).toBe(true);
      expect(shared.spec?.egress?.flatMap((rule) => rule.ports?.map((port) => port.port))).toEqual([53, 53, 27017, 9092, 9093]);
    });

    it('give each pod only its own service key', () => {
      const keyRefs = (app: string) =>
        (podSpecOf(findObject(objects, 'Deployment', app)).containers[0].env ?? []).filter((variable) => variable.name.startsWith('SERVICE_')).map((variable) => variable.valueFrom?.secretKeyRef?.name.replace(/-[a-z0-9]{10}$/, ''));
      expect(Object.fromEntries(APP_NAMES.map((app) => [app, keyRefs(app)]))).toEqual({
        // ingest-api and storage call each other (storage only for the garbage collector's reference check).
        'ingest-api': ['ingest-api-service-key', 'ingest-api-trusted-keys'],
        storage: ['storage-trusted-keys', 'storage-service-key'],
        encoder: ['encoder-service-key', 'encoder-trusted-keys'],
        fanout: ['fanout-trusted-keys'],
      });
    });
  });

  if (variant === 'production') {
    it('takes the services from a registry at a release tag, and pins every other image to a version', () => {
      for (const app of APP_NAMES) expect(podSpecOf(findObject(objects, 'Deployment', app)).containers[0].image).toMatch(/^[^/]+\.[^/]+\/.+:[\w.-]+$/);
      const images = objects.flatMap((object) => (object.spec?.template?.spec.containers ?? []).map((container) => container.image));
      for (const image of images) expect(image).toMatch(/:(?!latest$)[\w.-]+$/);
    });
  }
});

describe('docker-compose.yml (normalized by compose-go)', () => {
  const project = readRendered<ComposeProject>('compose.json');

  describe.each(APP_NAMES)('%s', (app) => {
    const { schema, port, imageTarget } = APPS[app];
    const service = project.services[app];

    it('passes exactly the variables its config schema reads, with values it accepts', () => {
      expect(configProblems(schema, composeEnv(service))).toEqual([]);
    });

    it('builds its own image from the one recipe, on the right target and port', () => {
      expect(service.build).toMatchObject({ dockerfile: 'tools/docker/service.Dockerfile', target: imageTarget, args: { APP: app, PORT: String(port) } });
      expect(composeEnv(service)['PORT']).toBe(String(port));
    });

    it('is stopped only after its own shutdown bound', () => {
      expect(composeDurationSeconds(service.stop_grace_period ?? '10s')).toBeGreaterThan(shutdownBoundSeconds(composeEnv(service)));
    });

    it('starts after the database is up and the topics exist', () => {
      expect(service.depends_on).toMatchObject({ mongodb: { condition: 'service_healthy' }, 'kafka-topics': { condition: 'service_completed_successfully' } });
    });
  });

  it('runs MongoDB as a replica set, as the services connect to it', () => {
    expect(project.services['mongodb'].command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    for (const app of APP_NAMES) expect(composeEnv(project.services[app])['MONGODB_URI']).toContain('replicaSet=rs0');
  });

  it('creates every topic of TOPIC_PARTITIONS with the script the Kubernetes Job runs', () => {
    const topics = project.services['kafka-topics'];
    expect(parseTopics(composeEnv(topics)['TOPICS'] ?? '')).toEqual(TOPIC_PARTITIONS);
    expect(topics.entrypoint).toEqual(['/bin/sh', '/scripts/create-topics.sh']);
  });
});

// The checks above must be able to fail: each is shown a manifest with one thing wrong.
describe('the checks themselves', () => {
  const objects = readRendered<K8sObject[]>('base.json');
  const encoder = podSpecOf(findObject(objects, 'Deployment', 'encoder')).containers[0];

  it('catch a misspelt variable, a missing required one and a value the service refuses', () => {
    const broken = structuredClone(encoder);
    broken.env = [
      ...(broken.env ?? []).filter((variable) => variable.name !== 'PORT'),
      { name: 'PORT', value: 'eighty' },
      { name: 'ENCODER_WORKER', value: '2' },
    ];
    broken.envFrom = (broken.envFrom ?? []).filter((source) => !source.configMapRef?.name.startsWith('encoder-config'));
    const { values, fromSecret } = resolveEnv(broken, objects);
    expect(configProblems(encoderConfigSchema, values, fromSecret)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ENCODER_WORKER: not in/), expect.stringMatching(/^PORT: /), expect.stringMatching(/^STORAGE_URL: /)]),
    );
  });

  it("catch a production storage that cannot tell its garbage collector what is referenced", () => {
    // The manifests' secrets are placeholders the schema refuses, and a schema with a refused field never
    // reaches its cross-field rules: valid stand-ins for them let the production rule speak.
    const standIns = { MONGODB_URI: 'mongodb://db-0,db-1/media?replicaSet=rs0', ...identityEnv('storage') };
    const problemsOf = (container: typeof storage) => {
      const { values } = resolveEnv(container, objects);
      return configProblems(storageConfigSchema, { ...values, ...standIns });
    };
    const storage = structuredClone(podSpecOf(findObject(objects, 'Deployment', 'storage')).containers[0]);
    expect(problemsOf(storage)).toEqual([]);
    storage.envFrom = (storage.envFrom ?? []).filter((source) => !source.configMapRef?.name.startsWith('storage-config'));
    expect(problemsOf(storage)).toEqual([expect.stringMatching(/^INGEST_API_URL: /)]);
  });

  it('evaluate policies: nothing selected is open, a missing allow is a refusal', () => {
    const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
    const ingest = { 'app.kubernetes.io/name': 'ingest-api' };
    const storage = { 'app.kubernetes.io/name': 'storage' };
    expect(policiesAllow([], ingest, storage, 3001, 'http')).toBe(true);
    expect(policiesAllow(policies, ingest, storage, 3001, 'http')).toBe(true);
    expect(policiesAllow(policies, ingest, storage, 3002, 'other')).toBe(false);
    expect(policiesAllow(policies.filter((policy) => policy.metadata.name !== 'storage'), ingest, storage, 3001, 'http')).toBe(false);
  });

  it('catch a reference to a ConfigMap or Secret key that does not exist', () => {
    const broken = structuredClone(encoder);
    broken.env = [{ name: 'MONGODB_URI', valueFrom: { secretKeyRef: { name: 'nowhere', key: 'MONGODB_URI' } } }];
    expect(resolveEnv(broken, objects).problems).toEqual([expect.stringContaining('Secret nowhere does not exist')]);
  });

  it('read every topic and its own partition count, so a drifted count shows', () => {
    expect(parseTopics(' a.events.v1:6  a.events.dlq.v1:3 ')).toEqual({ 'a.events.v1': 6, 'a.events.dlq.v1': 3 });
    const [first] = Object.keys(TOPIC_PARTITIONS);
    const drifted = Object.entries({ ...TOPIC_PARTITIONS, [first]: 3 }).map(([topic, count]) => `${topic}:${count}`);
    expect(parseTopics(drifted.join(' '))).not.toEqual(TOPIC_PARTITIONS);
  });

  it('read durations as compose writes them', () => {
    expect([composeDurationSeconds('30s'), composeDurationSeconds('2m'), composeDurationSeconds('1m30s')]).toEqual([30, 120, 90]);
    expect(() => composeDurationSeconds('soon')).toThrow('unsupported duration');
  });
});
