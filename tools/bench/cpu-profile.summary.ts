/**
 * `npx tsx tools/bench/cpu-profile.summary.ts <file.cpuprofile> [top]`: the functions a V8 CPU profile
 * (node --cpu-prof, e.g. from `BENCH_CPU_PROF=<dir> npm run bench -- upload`) spent most self time in,
 * as a Markdown table: share of the busy time (idle samples left out), milliseconds, function, and where.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
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

/** node_modules/<package>/... or the file name: enough to tell the frames apart. */
function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  return url.startsWith('node:') ? url : path.basename(url);
}

if (require.main === module) {
  const [file, top = '15'] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile.summary.ts <file.cpuprofile> [top]');
  const { busyMs, rows } = topFrames(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top));
  const lines = [`Busy ${(busyMs / 1000).toFixed(1)} s in all.`, '', '| self % of busy | self ms | function (where) |', '|---|---|---|', ...rows.map((row) => `| ${(row.share * 100).toFixed(1)} | ${row.ms.toFixed(0)} | \`${row.frame}\` |`)];
  process.stdout.write(`${lines.join('\n')}\n`);
}
