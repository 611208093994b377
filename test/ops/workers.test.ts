// `serve --workers 2` as an operator runs it (bin/snf-occi.js, the embedded simulator started once
// by the primary): both workers answer on one port; a user mixin created through one worker is
// seen at once by the other; concurrent creations through both lose none and all reach the file
// the primary writes; a reload (SIGHUP) reaches both workers, a broken rule file none; a worker
// killed is started again; SIGTERM drains every worker and the primary exits 0 in time.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../support/e2e-stack.js';
import { metricValue, type Spawned, spawnSnfOcci, waitFor } from './ops-stack.js';

const DEADLINE_MS = 3_000;
const SUSPEND = 'Cyclades cannot suspend servers; stop the compute instead';
const ADMIN = 'workers-admin-token';

let serve: Spawned;
let dir: string;
let rulesDir: string;
let url: string;
let metricsUrl: string;
let token: string;

/** One request on a connection of its own, so that the cluster hands it to the next worker. */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const mixin = (term: string) =>
  `${term}; scheme="http://example.org/workers#"; class="mixin"; location="/workers/${term}/"`;
const createMixin = (term: string) =>
  send('POST', '/-/', { 'X-Auth-Token': token, 'Content-Type': 'text/occi', Category: mixin(term) });
const query = () => send('GET', '/-/', { 'X-Auth-Token': token });
const suspend = () =>
  send('POST', '/compute/1?action=suspend', {
    'X-Auth-Token': token,
    'Content-Type': 'text/occi',
    Category: 'suspend; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"',
  });

/** The worker ids in the request log lines written so far. */
const answeringWorkers = () =>
  new Set(
    serve.stderr
      .filter((l) => l.includes('"message":"request"'))
      .map((l) => (JSON.parse(l) as { worker?: number }).worker),
  );

/** The primary's children: its workers. */
const workerPids = () =>
  execFileSync('pgrep', ['-P', String(serve.proc.pid)], { encoding: 'utf8' })
    .trim()
    .split('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snf-occi-workers-'));
  rulesDir = join(dir, 'rules');
  await cp(join(REPO_DIR, 'mappings'), rulesDir, { recursive: true });
  serve = spawnSnfOcci([
    'serve',
    '--workers',
    '2',
    '--port',
    '0',
    '--metrics-port',
    '0',
    '--state-dir',
    join(dir, 'state'),
    '--rules',
    rulesDir,
    '--no-watch',
    '--admin-token',
    ADMIN,
    '--log-level',
    'info',
    '--shutdown-timeout',
    `${DEADLINE_MS}ms`,
  ]);
  url = (await serve.line(/serving OCCI on (http:\/\/\S+) /, 60_000))[1]!;
  metricsUrl = (await serve.line(/metrics on (http:\/\/\S+)\/metrics/))[1]!;
  token = (await serve.line(/demo user .*X-Auth-Token: (\S+)/))[1]!;
}, 90_000);

afterAll(async () => {
  await serve?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('serve --workers 2', () => {
  it('starts the simulator once and answers on one port from both workers', async () => {
    expect(serve.stdout.filter((l) => l.includes('embedded Cyclades simulator'))).toHaveLength(1);
    expect(serve.stdout.filter((l) => l.includes('serving OCCI on'))).toHaveLength(1);
    for (let i = 0; i < 10; i++) expect((await query()).status).toBe(200);
    await waitFor('request lines of both workers', () => (answeringWorkers().size === 2 ? true : undefined));
    expect([...answeringWorkers()].sort()).toEqual([1, 2]);
  });

  it('shows a mixin created through one worker on every next request, whichever worker answers', async () => {
    for (let i = 0; i < 12; i++) {
      const term = `seen${i}`;
      expect((await createMixin(term)).status).toBe(200);
      // Two requests on new connections: the cluster hands them to both workers in turn.
      for (const r of [await query(), await query()]) expect(r.body).toContain(`${term}; scheme=`);
    }
  });

  it('loses none of many mixins created at once through both workers, and the file has them all', async () => {
    const terms = Array.from({ length: 24 }, (_, i) => `many${i}`);
    const answers = await Promise.all(terms.map(createMixin));
    expect(answers.map((a) => a.status)).toEqual(terms.map(() => 200));
    for (const r of [await query(), await query()])
      for (const term of terms) expect(r.body).toContain(`${term}; scheme=`);
    const file = await readFile(join(dir, 'state', 'user-mixins.json'), 'utf8');
    for (const term of terms) expect(file).toContain(`"term": "${term}"`);
  });

  it('reloads both workers on SIGHUP, and none with a broken rule file', async () => {
    const compute = join(rulesDir, 'cyclades', 'compute.yaml');
    const original = await readFile(compute, 'utf8');
    expect((await suspend()).body).toContain(SUSPEND);
    await writeFile(compute, original.replace(SUSPEND, 'edited for both workers'));
    serve.proc.kill('SIGHUP');
    await waitFor('the reload', () =>
      serve.stderr.some((l) => l.includes('rules reloaded on every worker')) ? true : undefined,
    );
    for (let i = 0; i < 10; i++) expect((await suspend()).body).toContain('edited for both workers');

    await writeFile(
      compute,
      original.replace(SUSPEND, 'never served').replace('"HARD" : "SOFT"}}', '"HARD" : "SOFT"]}}'),
    );
    const refused = await send('POST', '/_admin/reload', { 'X-Admin-Token': ADMIN });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body).problems.join('\n')).toMatch(/compute\.yaml:\d+:\d+/);
    for (let i = 0; i < 10; i++) expect((await suspend()).body).toContain('edited for both workers');
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(metricValue(metrics, 'snf_occi_rule_reloads_total', { outcome: 'ok' })).toBe(1);
    expect(metricValue(metrics, 'snf_occi_rule_reloads_total', { outcome: 'failed' })).toBe(1);
    expect(metricValue(metrics, 'snf_occi_rules_generation')).toBe(2);
    // As served: a worker started again later loads the files as they are.
    await writeFile(compute, original.replace(SUSPEND, 'edited for both workers'));
  });

  it('starts a killed worker again, which has the mixins and the rules in force', async () => {
    const before = answeringWorkers();
    const health = (await (await fetch(`${metricsUrl}/readyz`)).json()) as { checks: Record<string, string> };
    expect(health.checks.workers).toBe('ok');
    const pids = workerPids();
    expect(pids).toHaveLength(2);
    process.kill(Number(pids[0]), 'SIGKILL');
    await waitFor(
      'a worker started again',
      async () => {
        const text = await (await fetch(`${metricsUrl}/metrics`)).text();
        if (metricValue(text, 'snf_occi_worker_restarts_total') !== 1) return undefined;
        const ready = await fetch(`${metricsUrl}/readyz`);
        return ready.status === 200 ? true : undefined;
      },
      30_000,
    );
    for (let i = 0; i < 6; i++) {
      const r = await query();
      expect(r.body).toContain('many23; scheme=');
      expect((await suspend()).body).toContain('edited for both workers');
    }
    await waitFor('the new worker answering', () =>
      [...answeringWorkers()].some((w) => !before.has(w)) ? true : undefined,
    );
  });

  it('drains every worker on SIGTERM and exits 0 within the deadline', async () => {
    const pids = workerPids();
    expect(pids).toHaveLength(2);
    const signalled = Date.now();
    serve.proc.kill('SIGTERM');
    const { code } = await serve.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(DEADLINE_MS + 2_000);
    for (const pid of pids) expect(() => process.kill(Number(pid), 0)).toThrow();
    expect(serve.stderr.filter((l) => /"worker":\d+,"message":"stopped"/.test(l))).toHaveLength(2);
  });
});
