/**
 * What tools/containers/up.ts runs for each service, read from the rendered Kubernetes manifests: pure, so
 * the deploy tier can hold it to deploy/base (tools/deploy/service-runs.deploy-spec.ts).
 */
export const START_ORDER = ['storage', 'fanout', 'encoder', 'ingest-api'] as const;
export type Service = (typeof START_ORDER)[number];

export interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template?: { spec: PodSpec } };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  containers: ContainerSpec[];
  volumes?: { name: string; emptyDir?: Record<string, unknown> }[];
}
interface ContainerSpec {
  name: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { containerPort: number }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}

/** One service as the manifests describe it, ready to become `podman run` arguments. */
export interface ServiceRun {
  service: Service;
  port: number;
  env: Record<string, string>;
  user: string;
  readOnly: boolean;
  noNewPrivileges: boolean;
  dropCapabilities: string[];
  tmpfs: string[];
  graceSeconds: number;
}

/** The manifests' view of each service: pure, so what the driver runs is exactly what it read. */
export function serviceRuns(manifests: Manifest[], overrides: Record<Service, Record<string, string>>): ServiceRun[] {
  const byName = (kind: string, name: string): Record<string, string> => {
    const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
    if (!found?.data) throw new Error(`${kind} ${name} is not in the rendered manifests`);
    return kind === 'Secret' ? Object.fromEntries(Object.entries(found.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')])) : found.data;
  };
  return START_ORDER.map((service) => {
    const deployment = manifests.find((manifest) => manifest.kind === 'Deployment' && manifest.metadata.name === service);
    const pod = deployment?.spec?.template?.spec;
    const spec = pod?.containers.find((candidate) => candidate.name === service);
    if (!pod || !spec) throw new Error(`no Deployment ${service} with a container ${service}`);
    const env: Record<string, string> = {};
    for (const source of spec.envFrom ?? []) {
      if (source.configMapRef) Object.assign(env, byName('ConfigMap', source.configMapRef.name));
      if (source.secretRef) Object.assign(env, byName('Secret', source.secretRef.name));
    }
    for (const variable of spec.env ?? []) {
      const secret = variable.valueFrom?.secretKeyRef;
      const configMap = variable.valueFrom?.configMapKeyRef;
      env[variable.name] = variable.value ?? (secret ? byName('Secret', secret.name)[secret.key] : configMap ? byName('ConfigMap', configMap.name)[configMap.key] : undefined) ?? '';
    }
    const emptyDirs = new Set((pod.volumes ?? []).filter((volume) => volume.emptyDir).map((volume) => volume.name));
    return {
      service,
      port: Number(env['PORT'] ?? spec.ports?.[0]?.containerPort),
      env: { ...env, ...overrides[service] },
      user: `${pod.securityContext?.runAsUser ?? 1000}:${pod.securityContext?.runAsGroup ?? 1000}`,
      readOnly: spec.securityContext?.readOnlyRootFilesystem === true,
      noNewPrivileges: spec.securityContext?.allowPrivilegeEscalation === false,
      dropCapabilities: spec.securityContext?.capabilities?.drop ?? [],
      tmpfs: (spec.volumeMounts ?? []).filter((mount) => emptyDirs.has(mount.name)).map((mount) => mount.mountPath),
      graceSeconds: pod.terminationGracePeriodSeconds ?? 30,
    };
  });
}
