import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Scrape } from '../testing/prometheus.js';
import { startTestServer } from '../testing/servers.js';
import { tempDir } from '../../shared/testing/temp-dir.js';

const deployFile = (name: string) => readFileSync(new URL(`../../deploy/${name}`, import.meta.url), 'utf8');

/** Where PromQL's own grammar (Prometheus's lezer parser) finds an error in `expr`, or null. */
function promqlError(expr: string): string | null {
  const tree = parser.parse(expr);
  let error: string | null = null;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError && error === null) error = `syntax error at ${node.from}: …${expr.slice(node.from, node.from + 30)}`;
    },
  });
  return error;
}

/** mesh metric names an expression reads, histogram series reduced to their family. */
const meshMetrics = (expr: string) =>
  [...expr.matchAll(/\bmesh_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|count|sum)$/, ''));

interface Rule {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

describe('deploy/', () => {
  // The names to check against: a scrape of a mesh on a database file.
  let scraped: Set<string>;
  beforeAll(async () => {
    const temp = tempDir();
    const running = await startTestServer(() => {}, { dbUrl: `file:${temp.dir}/mesh.db` });
    scraped = new Set((await Scrape.of(running.url)).families.keys());
    await running.close();
    temp.cleanup();
  });

  it('prometheus-alerts.yml parses, and every rule is valid PromQL on metrics mesh exports', () => {
    const { groups } = parseYaml(deployFile('prometheus-alerts.yml')) as { groups: Array<{ name: string; rules: Rule[] }> };
    const rules = groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'MeshDown',
        'MeshManyNodesOffline',
        'MeshSignatureFailuresSpiking',
        'MeshWatchersLagging',
        'MeshDiskNearlyFull',
      ]) as unknown,
    );
    for (const rule of rules) {
      expect(promqlError(rule.expr), rule.alert).toBeNull();
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(0);
      for (const name of meshMetrics(rule.expr)) expect(scraped.has(name), `${rule.alert}: ${name}`).toBe(true);
    }
    expect(promqlError('sum(rate(mesh_nodes[5m]')).not.toBeNull();
  });

  it('grafana-dashboard.json parses, and every panel queries mesh metrics in valid PromQL', () => {
    const dashboard = JSON.parse(deployFile('grafana-dashboard.json')) as {
      panels: Array<{ title: string; type: string; targets?: Array<{ expr: string }> }>;
    };
    const queries = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
    );
    expect(queries.length).toBeGreaterThan(30);
    const used = new Set<string>();
    for (const { panel, expr } of queries) {
      // Grafana's variables, as Grafana fills them in.
      const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*').replaceAll('$job', 'mesh');
      expect(promqlError(promql), `${panel}: ${expr}`).toBeNull();
      for (const name of meshMetrics(promql)) {
        expect(scraped.has(name), `${panel}: ${name}`).toBe(true);
        used.add(name);
      }
    }
    // Every metric mesh itself defines is on the dashboard (the default process ones are there in part).
    const own = [...scraped].filter((name) => !/^mesh_(process|nodejs)_/.test(name) && name !== 'mesh_info');
    expect(own.filter((name) => !used.has(name))).toEqual([]);
  });
});
