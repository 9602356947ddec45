/**
 * `npx tsx tools/bench/cpu-profile.summary.ts <file.cpuprofile> [top] [--inclusive=fnA,fnB,...] [--window=from-to]`: the
 * functions a V8 CPU profile (node --cpu-prof, e.g. from `BENCH_CPU_PROF=<dir> npm run bench -- upload`)
 * spent most self time in, as a Markdown table: share of the busy time (idle samples left out),
 * milliseconds, function, and where. `--inclusive` adds, for each named function, the share of busy time
 * spent in it and everything it called (a sample counts once even when the function recurses).
 * `--window=108-118` keeps only the samples taken in those seconds after the profile began (one phase of
 * a benchmark: a profile covers the whole life of the process).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topFrames(profile: Profile, top: number): { busyMs: number; rows: { share: number; ms: number; frame: string }[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node || delta < 0 || node.callFrame.functionName === '(idle)') return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    total += delta;
  });
  const rows = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ share: us / total, ms: us / 1000, frame }));
  return { busyMs: total / 1000, rows };
}

/** Share of busy time spent inside each named function, callees included. */
export function inclusiveShares(profile: Profile, names: readonly string[]): { name: string; share: number; ms: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inside = new Map(names.map((name) => [name, 0]));
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    if (delta < 0 || byId.get(id)?.callFrame.functionName === '(idle)') return;
    total += delta;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)?.callFrame.functionName;
      if (name !== undefined && inside.has(name) && !seen.has(name)) {
        seen.add(name);
        inside.set(name, (inside.get(name) ?? 0) + delta);
      }
    }
  });
  return names.map((name) => ({ name, share: (inside.get(name) ?? 0) / total, ms: (inside.get(name) ?? 0) / 1000 }));
}

/** The profile with only the samples taken between `fromUs` and `toUs` after it began (the others weigh nothing). */
export function within(profile: Profile, fromUs: number, toUs: number): Profile {
  let at = 0;
  const timeDeltas = profile.timeDeltas.map((delta) => {
    at += delta;
    return at >= fromUs && at < toUs ? delta : 0;
  });
  return { ...profile, timeDeltas };
}

/** node_modules/<package>/... or the file name: enough to tell the frames apart. */
function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  return url.startsWith('node:') ? url : path.basename(url);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const inclusive = args.find((arg) => arg.startsWith('--inclusive='))?.slice('--inclusive='.length).split(',').filter(Boolean) ?? [];
  const [file, top = '15'] = args.filter((arg) => !arg.startsWith('--'));
  if (!file) throw new Error('usage: cpu-profile.summary.ts <file.cpuprofile> [top] [--inclusive=fnA,fnB]');
  const window = args.find((arg) => arg.startsWith('--window='))?.slice('--window='.length).split('-').map(Number);
  const whole = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const profile = window ? within(whole, (window[0] ?? 0) * 1e6, (window[1] ?? Infinity) * 1e6) : whole;
  const { busyMs, rows } = topFrames(profile, Number(top));
  const lines = [`Busy ${(busyMs / 1000).toFixed(1)} s in all.`, '', '| self % of busy | self ms | function (where) |', '|---|---|---|', ...rows.map((row) => `| ${(row.share * 100).toFixed(1)} | ${row.ms.toFixed(0)} | \`${row.frame}\` |`)];
  if (inclusive.length > 0) {
    lines.push('', '| inclusive % of busy | ms | function and its callees |', '|---|---|---|');
    for (const row of inclusiveShares(profile, inclusive)) lines.push(`| ${(row.share * 100).toFixed(1)} | ${row.ms.toFixed(0)} | \`${row.name}\` |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
