/**
 * The metric names a PromQL expression reads, for checking alert rules and dashboards against what the
 * services export. Recording-rule names (with a colon) are left out: the rules file defines those.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);

export function promqlMetricNames(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ') // label values, regexes
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\[[^\]]*\]/g, ' '); // ranges and subqueries
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice((match.index ?? 0) + name.length).trimStart();
    if (after.startsWith('(')) continue; // a function
    if (KEYWORDS.has(name.toLowerCase()) || name.includes(':')) continue;
    if (/^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** Recording-rule names (`level:metric:operations`) an expression reads. */
export function recordingRuleNames(expression: string): string[] {
  const stripped = expression.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  return [...new Set([...stripped.matchAll(/[A-Za-z_][A-Za-z0-9_]*:[A-Za-z0-9_:]+/g)].map((match) => match[0]))].sort();
}

/**
 * Whether an exposition (Prometheus text format) exports `name`: declared by a `# TYPE` line, or a
 * histogram's or summary's `_bucket` / `_count` / `_sum` series.
 */
export function exportsMetric(exposition: string, name: string): boolean {
  const types = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const typed = /^# TYPE (\S+) (\S+)/.exec(line);
    if (typed) types.set(typed[1] ?? '', typed[2] ?? '');
  }
  if (types.has(name)) return true;
  const series = /^(.*)_(bucket|count|sum)$/.exec(name);
  if (!series) return false;
  const base = types.get(series[1] ?? '');
  return base === 'histogram' || (base === 'summary' && series[2] !== 'bucket');
}
