import { spawnSync } from 'node:child_process';
import type { SandboxIsolation } from './sandbox-policy';

export type SandboxMode = 'auto' | 'isolate' | 'limits-only';

/**
 * Decides at boot whether tools can be isolated here: it takes root (or CAP_SYS_ADMIN and CAP_SETUID) to
 * make a network namespace and switch users, which a Kubernetes pod normally lacks. The probe runs the
 * real command line once, so "possible" means "works on this machine", not "looks privileged".
 */
export function resolveSandbox(mode: SandboxMode, isolation: SandboxIsolation): { isolation?: SandboxIsolation; reason: string } {
  if (mode === 'limits-only') return { reason: 'ENCODER_SANDBOX=limits-only' };
  const probe = spawnSync('unshare', ['--net', '--', 'setpriv', `--reuid=${isolation.uid}`, `--regid=${isolation.gid}`, '--clear-groups', '--no-new-privs', '--', 'true'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (probe.status === 0) return { isolation, reason: `tools run as ${isolation.uid}:${isolation.gid} without network` };
  const why = (probe.error?.message ?? probe.stderr ?? '').trim() || `exit ${String(probe.status)}`;
  if (mode === 'isolate') throw new Error(`ENCODER_SANDBOX=isolate, but this process cannot isolate tools: ${why}`);
  return { reason: `cannot isolate tools here (${why}); resource limits only` };
}
