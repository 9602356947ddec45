import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';

/**
 * What tools/deploy/validate.sh rendered (kustomize → JSON, compose-go → JSON), read back so the deploy
 * tier can hold the manifests to the code: the config schemas, TOPIC_PARTITIONS, the shutdown bound.
 */
export const RENDERED_DIR = join(__dirname, '../../dist/deploy');

export function readRendered<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(join(RENDERED_DIR, file), 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read dist/deploy/${file}: run \`bash tools/deploy/validate.sh\` first (${String(error)})`);
  }
}

// The parts of Kubernetes objects these checks read (kubeconform has already checked the full schema).
export interface KeyRef {
  name: string;
  key: string;
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef };
}
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string };
  secretRef?: { name: string };
}
export interface HttpProbe {
  httpGet?: { path: string; port: string | number };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  startupProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: { name: string; emptyDir?: { sizeLimit?: string }; configMap?: { name: string } }[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
export interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { protocol?: string; port?: number | string }[];
}
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    scaleTargetRef?: { kind: string; name: string };
    ports?: { name?: string; port: number; targetPort?: string | number }[];
  };
}

export function findObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

export function podSpecOf(workload: K8sObject): PodSpec {
  const spec = workload.spec?.template?.spec;
  if (!spec) throw new Error(`${workload.kind} ${workload.metadata.name} has no pod template`);
  return spec;
}

export interface ResolvedEnv {
  /** Every variable the container gets, with its value. */
  values: Record<string, string>;
  /** The variables whose values come from a Secret (placeholders in the base, real only in a cluster). */
  fromSecret: Set<string>;
  /** References to ConfigMaps, Secrets or keys that do not exist. */
  problems: string[];
}

/** The environment Kubernetes would give the container: `envFrom` first, then `env` (which wins). */
export function resolveEnv(container: Container, objects: readonly K8sObject[]): ResolvedEnv {
  const resolved: ResolvedEnv = { values: {}, fromSecret: new Set(), problems: [] };
  const dataOf = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined => {
    const object = objects.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
    if (!object) {
      resolved.problems.push(`${container.name}: ${kind} ${name} does not exist`);
      return undefined;
    }
    const data = object.data ?? {};
    return kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')])) : data;
  };
  for (const source of container.envFrom ?? []) {
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const name = source.configMapRef?.name ?? source.secretRef?.name ?? '';
    for (const [key, value] of Object.entries(dataOf(kind, name) ?? {})) {
      const variable = `${source.prefix ?? ''}${key}`;
      resolved.values[variable] = value;
      if (kind === 'Secret') resolved.fromSecret.add(variable);
    }
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef;
    if (!ref) {
      resolved.values[variable.name] = variable.value ?? '';
      continue;
    }
    const kind = variable.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
    const data = dataOf(kind, ref.name);
    if (!data) continue; // already reported
    const value = data[ref.key];
    if (value === undefined) {
      resolved.problems.push(`${container.name}: ${variable.name} refers to missing key ${ref.key} of ${kind} ${ref.name}`);
      continue;
    }
    resolved.values[variable.name] = value;
    if (kind === 'Secret') resolved.fromSecret.add(variable.name);
  }
  return resolved;
}

/** A service's config schema as these checks use it: its variable names, and validation. */
export interface ConfigSchema {
  shape: Record<string, unknown>;
  safeParse(input: unknown): z.ZodSafeParseResult<unknown>;
}

/**
 * Problems of an environment against a service's schema, read the way `loadConfig` reads it: a variable
 * the schema does not know (a typo the service would silently ignore), a required one missing, a value the
 * service would refuse at boot. Values from Secrets are placeholders outside a cluster, so only their
 * presence counts.
 */
export function configProblems(schema: ConfigSchema, values: Record<string, string>, fromSecret: ReadonlySet<string> = new Set()): string[] {
  const known = new Set(Object.keys(schema.shape));
  const problems = Object.keys(values)
    .filter((variable) => !known.has(variable))
    .map((variable) => `${variable}: not in the service's config schema`);
  // As loadConfig: an empty string means unset.
  const present = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const variable = issue.path.length > 0 ? String(issue.path[0]) : '(environment)';
      if (!fromSecret.has(variable)) problems.push(`${variable}: ${issue.message}`);
    }
  }
  return problems;
}

/** `topic:partitions topic:partitions` (the TOPICS of create-topics.sh) as a record. */
export function parseTopics(spec: string): Record<string, number> {
  return Object.fromEntries(
    spec
      .split(/\s+/)
      .filter(Boolean)
      .map((entry) => {
        const at = entry.lastIndexOf(':');
        return [entry.slice(0, at), Number(entry.slice(at + 1))];
      }),
  );
}

/** Compose durations as this file writes them: `30s`, `2m`, `1m30s`. */
export function composeDurationSeconds(duration: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!match || duration === '') throw new Error(`unsupported duration ${duration}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

// The parts of compose-go's normalized project these checks read.
export interface ComposeService {
  image?: string;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
  stop_grace_period?: string;
  read_only?: boolean;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
}
export interface ComposeProject {
  services: Record<string, ComposeService>;
}

export function composeEnv(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, value ?? '']));
}

/** Whether a label selector selects these labels (matchLabels and the `In` expressions the manifests use). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every((expression) => {
    if (expression.operator !== 'In') throw new Error(`selector operator ${expression.operator} is not evaluated here`);
    return (expression.values ?? []).includes(labels[expression.key] ?? '');
  });
  return byLabel && byExpression;
}

/**
 * Whether the NetworkPolicies let a pod with labels `from` open a connection to a pod with labels `to` on
 * `port` (named `portName`) in the same namespace: the source's egress and the target's ingress must both
 * allow it. A pod no policy selects for a direction is open in that direction, as in Kubernetes.
 */
export function policiesAllow(policies: readonly K8sObject[], from: Record<string, string>, to: Record<string, string>, port: number, portName: string): boolean {
  const side = (direction: 'Ingress' | 'Egress', self: Record<string, string>, peer: Record<string, string>) => {
    const governing = policies.filter((policy) => (policy.spec?.policyTypes ?? []).includes(direction) && selects(policy.spec?.podSelector ?? {}, self));
    if (governing.length === 0) return true;
    return governing.some((policy) =>
      (direction === 'Ingress' ? policy.spec?.ingress : policy.spec?.egress)?.some((rule) => {
        const peers = direction === 'Ingress' ? rule.from : rule.to;
        // Same-namespace pod peers only: namespace and IP peers are other flows, checked on their own.
        const peerMatches = peers === undefined || peers.some((candidate) => !candidate.namespaceSelector && !candidate.ipBlock && selects(candidate.podSelector, peer));
        const portMatches = rule.ports === undefined || rule.ports.some((allowed) => allowed.port === undefined || allowed.port === port || allowed.port === portName);
        return peerMatches && portMatches;
      }),
    );
  };
  return side('Egress', from, to) && side('Ingress', to, from);
}
