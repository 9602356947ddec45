import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { e2eContext, exportsMetric, findRepoRoot, promqlMetricNames, recordingRuleNames } from '@media/testing';

interface RulesFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}
interface Dashboard {
  panels: { title: string; targets?: { expr: string }[] }[];
}

const monitoring = path.join(findRepoRoot(), 'deploy', 'monitoring');

/**
 * deploy/monitoring's alerts and dashboard name only what the running services export: a renamed metric
 * or an alert on a metric nobody exports would otherwise stay silent forever.
 */
describe('monitoring rules and dashboard against the services', () => {
  const context = e2eContext();
  let exposition: string;
  let rules: RulesFile;
  let dashboard: Dashboard;

  beforeAll(async () => {
    const urls = [context.gateway, context.storage, context.fanout, process.env['E2E_ENCODER_URL'] ?? ''];
    expect(urls.every(Boolean)).toBe(true);
    const scrapes = await Promise.all(urls.map(async (url) => {
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      return response.text();
    }));
    exposition = scrapes.join('\n');
    rules = load(await readFile(path.join(monitoring, 'media-assets.rules.yaml'), 'utf8')) as RulesFile;
    dashboard = JSON.parse(await readFile(path.join(monitoring, 'media-assets.dashboard.json'), 'utf8')) as Dashboard;
  });

  const ruleExpressions = () => rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: rule.alert ?? rule.record ?? group.name, expr: rule.expr })));
  const dashboardExpressions = () => dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr })));

  it('finds every metric the alerting rules read on some service', () => {
    const named = ruleExpressions().flatMap(({ where, expr }) => promqlMetricNames(expr).map((metric) => ({ where, metric })));
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter(({ metric }) => !exportsMetric(exposition, metric))).toEqual([]);
  });

  it('finds every metric the dashboard reads on some service', () => {
    const named = dashboardExpressions().flatMap(({ where, expr }) => promqlMetricNames(expr).map((metric) => ({ where, metric })));
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter(({ metric }) => !exportsMetric(exposition, metric))).toEqual([]);
  });

  it('defines every recording rule the alerts and the dashboard use', () => {
    const defined = new Set(rules.groups.flatMap((group) => group.rules.map((rule) => rule.record).filter(Boolean)));
    const used = [...ruleExpressions(), ...dashboardExpressions()].flatMap(({ expr }) => recordingRuleNames(expr));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !defined.has(name))).toEqual([]);
  });
});
