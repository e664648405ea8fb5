// The Grafana files: dashboards that Grafana can load (valid JSON, the classic model, unique panel ids, panels
// inside the 24-column grid and not overlapping) and that query the data source the provisioning file defines;
// the provisioning files point where docker-compose.yml mounts them. No Grafana server runs here.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { allPanels, compose, files, flagValue, readJson, readYaml, rules, type Dashboard, type Panel } from './support';

interface DatasourceFile {
  apiVersion: number;
  datasources: { name: string; uid: string; type: string; url: string; access: string }[];
}
interface ProviderFile {
  apiVersion: number;
  providers: { name: string; type: string; options: { path: string } }[];
}

const dashboards = files.dashboards.map((f) => ({ file: f, d: readJson<Dashboard>(f) }));
const datasource = readYaml<DatasourceFile>(files.datasources);
const provider = readYaml<ProviderFile>(files.dashboardProvider);

function overlap(a: Panel['gridPos'], b: Panel['gridPos']): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Container path where docker-compose.yml mounts a host path (relative to the repository) into a service. */
function mountOf(service: string, hostPath: string): string | undefined {
  for (const v of compose().services[service].volumes ?? []) {
    const [host, container] = v.split(':');
    if (host.replace(/^\.\//, '').replace(/\/$/, '') === hostPath) return container;
  }
  return undefined;
}

describe('dashboards: Grafana', () => {
  it('provisions one Prometheus data source with a uid, at the Prometheus of docker-compose.yml', () => {
    assert.equal(datasource.apiVersion, 1);
    assert.equal(datasource.datasources.length, 1);
    const ds = datasource.datasources[0];
    assert.equal(ds.type, 'prometheus');
    assert.match(ds.uid, /^[a-zA-Z0-9_-]{1,40}$/);
    assert.equal(ds.access, 'proxy');
    const listen = flagValue(compose().services.prometheus.command as string[], '--web.listen-address');
    assert.ok(listen, 'prometheus has no --web.listen-address');
    assert.equal(new URL(ds.url).port, listen.split(':').pop());
    assert.equal(new URL(ds.url).hostname, '127.0.0.1', 'Grafana shares the stack\'s network namespace');
  });

  it('provisions the dashboards from where docker-compose.yml mounts them', () => {
    assert.equal(provider.apiVersion, 1);
    assert.equal(provider.providers.length, 1);
    assert.equal(provider.providers[0].type, 'file');
    assert.equal(mountOf('grafana', 'dashboards/grafana'), provider.providers[0].options.path);
    assert.equal(mountOf('grafana', 'dashboards/grafana/provisioning'), '/etc/grafana/provisioning');
  });

  for (const { file, d } of dashboards) {
    describe(d.uid, () => {
      it('is valid JSON in Grafana\'s classic dashboard model', () => {
        assert.doesNotThrow(() => JSON.parse(readFileSync(file, 'utf8')));
        assert.match(d.uid, /^[a-zA-Z0-9_-]{8,40}$/);
        assert.equal(typeof d.title, 'string');
        assert.equal(d.schemaVersion, 42);
        assert.ok(Array.isArray(d.panels) && d.panels.length > 5);
        assert.ok(Array.isArray(d.templating.list));
      });

      it('has unique panel ids', () => {
        const ids = allPanels(d).map((p) => p.id);
        assert.ok(ids.every((id) => Number.isInteger(id) && id > 0));
        assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids.join(',')}`);
      });

      it('lays panels inside the 24-column grid without overlaps', () => {
        const panels = allPanels(d);
        for (const p of panels) {
          assert.ok(p.gridPos.x >= 0 && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, `panel ${p.id} outside the grid`);
          assert.ok(p.gridPos.h > 0 && p.gridPos.y >= 0);
        }
        for (let i = 0; i < panels.length; i++) {
          for (let j = i + 1; j < panels.length; j++) assert.ok(!overlap(panels[i].gridPos, panels[j].gridPos), `panels ${panels[i].id} and ${panels[j].id} overlap`);
        }
      });

      it('queries only the provisioned data source, by uid', () => {
        const uid = datasource.datasources[0].uid;
        const refs: { where: string; ds?: { type: string; uid: string } }[] = [];
        for (const p of allPanels(d)) {
          if (p.type === 'row') continue;
          refs.push({ where: `panel ${p.id}`, ds: p.datasource });
          assert.ok((p.targets ?? []).length > 0, `panel ${p.id} has no query`);
          for (const t of p.targets ?? []) {
            refs.push({ where: `panel ${p.id} target ${t.refId}`, ds: t.datasource });
            assert.ok(t.expr.trim().length > 0, `panel ${p.id} target ${t.refId} is empty`);
          }
        }
        for (const v of d.templating.list) refs.push({ where: `variable ${v.name}`, ds: v.datasource });
        for (const r of refs) assert.deepEqual(r.ds, { type: 'prometheus', uid }, r.where);
      });

      it('links only to dashboards that exist', () => {
        const uids = new Set(dashboards.map((x) => x.d.uid));
        for (const l of (d as unknown as { links: { url: string }[] }).links) {
          const m = /^\/d\/([\w-]+)/.exec(l.url);
          assert.ok(m && uids.has(m[1]), `link ${l.url}`);
        }
      });
    });
  }

  it('gives the dashboards distinct uids', () => {
    assert.equal(new Set(dashboards.map((x) => x.d.uid)).size, dashboards.length);
  });

  it('shows each headline figure on the overview as a stat panel with thresholds', () => {
    const overview = dashboards.find((x) => x.d.uid === 'posfault-overview')!.d;
    const stats = allPanels(overview).filter((p) => p.type === 'stat');
    const recorded = new Set(rules().map((r) => r.record));
    for (const rule of ['posfault:reversal_success:ratio', 'posfault:unprinted_but_debited:sum', 'posfault:duplicate_charges_leaked:sum', 'posfault:duplicate_charges_prevented:sum', 'posfault:sale_latency_seconds:p99_run']) {
      assert.ok(recorded.has(rule), `${rule} is not a recording rule`);
      const panel = stats.find((p) => (p.targets ?? []).some((t) => t.expr.startsWith(`${rule}{`)));
      assert.ok(panel, `no stat panel shows ${rule}`);
      const steps = (panel as unknown as { fieldConfig: { defaults: { thresholds: { steps: { value: number | null }[] } } } }).fieldConfig.defaults.thresholds.steps;
      assert.equal(steps[0].value, null, `${panel.title}: the first threshold step is the base`);
      for (let i = 2; i < steps.length; i++) assert.ok((steps[i].value as number) > (steps[i - 1].value as number), `${panel.title}: thresholds out of order`);
    }
    const ratio = stats.find((p) => p.targets![0].expr.startsWith('posfault:reversal_success:ratio'))!;
    const steps = (ratio as unknown as { fieldConfig: { defaults: { thresholds: { steps: { color: string; value: number | null }[] } } } }).fieldConfig.defaults.thresholds.steps;
    assert.deepEqual(steps, [{ color: 'red', value: null }, { color: 'green', value: 0.999 }], 'reversal success turns green at the 99.9% the alert uses');
  });
});
