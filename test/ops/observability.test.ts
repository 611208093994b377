// Metrics and logs while a scripted session runs: the Prometheus series move as the requests go
// (requests by operation, kind and status; backend calls by service, step and status; template
// cache; rule reloads and generation; compensations; in-flight; Node's process metrics), every log
// line is JSON with the request id the client received, and debug lines show the rule selected and
// each backend call.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_RULES } from '../support/e2e-stack.js';
import {
  COMPUTE_CATEGORY,
  createCompute,
  metricValue,
  type OpsStack,
  startOpsStack,
  TOKEN,
  waitFor,
} from './ops-stack.js';

const ADMIN = 'ops-admin-secret';
const COMPUTE = 'http://schemas.ogf.org/occi/infrastructure#compute';
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';

let stack: OpsStack;
let rulesDir: string;
const auth = { 'X-Auth-Token': TOKEN };

const metrics = async () => {
  const res = await fetch(`${stack.server.metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

beforeAll(async () => {
  rulesDir = await mkdtemp(join(tmpdir(), 'snf-occi-ops-rules-'));
  await cp(SHIPPED_RULES, rulesDir, { recursive: true });
  stack = await startOpsStack({ rulesDir, adminToken: ADMIN, metricsListener: true });
});

afterAll(async () => {
  await stack?.close();
  await rm(rulesDir, { recursive: true, force: true });
});

describe('metrics', () => {
  it('count OCCI requests by operation, kind and status, with latency, and backend calls by service, step and status', async () => {
    const before = await metrics();
    const created = await createCompute(stack.url, 'metrics-vm');
    expect(created.status, await created.text()).toBe(201);
    const listed = await fetch(`${stack.url}/compute/`, { headers: auth });
    expect(listed.status).toBe(200);
    const missing = await fetch(`${stack.url}/compute/999999`, { headers: auth });
    expect(missing.status).toBe(404);
    const after = await metrics();

    const requests = (m: string, labels: Record<string, string>) =>
      metricValue(m, 'snf_occi_requests_total', labels);
    for (const [operation, status] of [
      ['create', '201'],
      ['list', '200'],
      ['get', '404'],
    ] as const) {
      expect(requests(after, { operation, kind: COMPUTE, status }), `${operation} ${status}`).toBe(
        requests(before, { operation, kind: COMPUTE, status }) + 1,
      );
    }
    const latency = (m: string) =>
      metricValue(m, 'snf_occi_request_duration_seconds_count', { operation: 'create', kind: COMPUTE });
    expect(latency(after)).toBeGreaterThanOrEqual(latency(before) + 1); // a retried create counts twice

    const calls = (m: string, labels: Record<string, string>) =>
      metricValue(m, 'snf_occi_backend_requests_total', labels);
    // At least one: a create retried for issue 11 may have made its server call already.
    expect(calls(after, { service: 'compute', step: 'server', status: '202' })).toBeGreaterThanOrEqual(
      calls(before, { service: 'compute', step: 'server', status: '202' }) + 1,
    );
    expect(calls(after, { service: 'compute', step: 'servers', status: '200' })).toBe(
      calls(before, { service: 'compute', step: 'servers', status: '200' }) + 1,
    );
    expect(
      metricValue(after, 'snf_occi_backend_request_duration_seconds_count', {
        service: 'compute',
        step: 'server',
      }),
    ).toBeGreaterThan(0);
    expect(metricValue(after, 'snf_occi_requests_in_flight')).toBe(0);
  });

  it('count template cache hits and misses', async () => {
    const before = await metrics();
    expect((await fetch(`${stack.url}/-/`, { headers: auth })).status).toBe(200);
    const after = await metrics();
    expect(metricValue(after, 'snf_occi_template_cache_total', { result: 'hit' })).toBeGreaterThan(
      metricValue(before, 'snf_occi_template_cache_total', { result: 'hit' }),
    );
    expect(metricValue(after, 'snf_occi_template_cache_total', { result: 'miss' })).toBeGreaterThan(0);
    expect(
      metricValue(after, 'snf_occi_requests_total', { operation: 'query', kind: '-', status: '200' }),
    ).toBeGreaterThan(0);
  });

  it('count compensations when a later step fails', async () => {
    const before = await metrics();
    // The inline link to the public network is made after the server: its floating IP is
    // allocated, then the port fails, so the floating IP is released (a compensation) and the
    // server deleted again.
    stack.sim!.injectFault({ method: 'POST', path: '/ports', status: 500 });
    const res = await fetch(`${stack.url}/compute/`, {
      method: 'POST',
      headers: {
        ...auth,
        'Content-Type': 'text/occi',
        Category: COMPUTE_CATEGORY,
        'X-OCCI-Attribute': 'occi.core.title="compensated", occi.compute.cores=2',
        Link: `</network/1>; rel="${INFRA}network"; category="${INFRA}networkinterface"`,
      },
    });
    expect(res.status).toBe(502);
    const after = await metrics();
    expect(metricValue(after, 'snf_occi_compensations_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(
      metricValue(before, 'snf_occi_compensations_total', { outcome: 'ok' }) + 1,
    );
    expect(metricValue(after, 'snf_occi_compensations_total', { outcome: 'failed' })).toBe(0);
    expect(metricValue(after, 'snf_occi_orphans_total')).toBe(0);
    expect(
      metricValue(after, 'snf_occi_backend_requests_total', {
        service: 'network',
        step: 'port',
        status: '500',
      }),
    ).toBe(1);
  });

  it('count rule reloads, good and bad, and show the generation served', async () => {
    const admin = (path: string) =>
      fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'X-Admin-Token': ADMIN } });
    const before = await metrics();
    const ok = await admin('/_admin/reload');
    expect(ok.status).toBe(200);
    const { generation } = (await ok.json()) as { generation: number };
    const computePath = join(rulesDir, 'cyclades', 'compute.yaml');
    const good = await readFile(computePath, 'utf8');
    await writeFile(computePath, `${good}\n  - this is: [not valid\n`);
    try {
      expect((await admin('/_admin/reload')).status).toBe(422);
    } finally {
      await writeFile(computePath, good);
    }
    const after = await metrics();
    expect(metricValue(after, 'snf_occi_rule_reloads_total', { outcome: 'ok' })).toBe(
      metricValue(before, 'snf_occi_rule_reloads_total', { outcome: 'ok' }) + 1,
    );
    expect(metricValue(after, 'snf_occi_rule_reloads_total', { outcome: 'failed' })).toBe(
      metricValue(before, 'snf_occi_rule_reloads_total', { outcome: 'failed' }) + 1,
    );
    expect(metricValue(after, 'snf_occi_rules_generation')).toBe(generation);
  });

  it("include Node's default process metrics", async () => {
    const text = await metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('count a request in flight while it is, and no longer once answered', async () => {
    stack.sim!.injectFault({ method: 'GET', path: '/servers/detail', status: 503, delayMs: 1_000 });
    const slow = fetch(`${stack.url}/compute/`, { headers: auth });
    await waitFor('the request to be in flight', async () =>
      metricValue(await metrics(), 'snf_occi_requests_in_flight') === 1 ? true : undefined,
    );
    expect((await slow).status).toBe(503);
    expect(metricValue(await metrics(), 'snf_occi_requests_in_flight')).toBe(0);
  });

  it('are offered as /_admin/metrics with the admin token (header or bearer), and only with it', async () => {
    expect((await fetch(`${stack.url}/_admin/metrics`)).status).toBe(401);
    expect((await fetch(`${stack.url}/metrics`, { headers: auth })).status).not.toBe(200);
    for (const headers of [{ 'X-Admin-Token': ADMIN }, { Authorization: `Bearer ${ADMIN}` }] as Record<
      string,
      string
    >[]) {
      const res = await fetch(`${stack.url}/_admin/metrics`, { headers });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('snf_occi_requests_total');
    }
  });

  it('never label a series with a user, a token or an entity id', async () => {
    const text = await metrics();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(stack.sim!.users[0]!.userId);
    // Every label of snf-occi's own series takes a value from a small known set, or a name the rules declare.
    const rules = stack.server.state().ruleSet;
    const kinds = new Set([...rules.registry.all().map((c) => `${c.scheme}${c.term}`), '-', 'mixin']);
    const services = new Set([...rules.mapping.services.keys(), 'identity', '-']);
    const fixed: Record<string, RegExp> = {
      operation: /^[a-z-]+$/,
      status: /^(\d{3}|timeout|unreachable|too-large|bad-response|error)$/,
      result: /^(hit|miss|refresh-failed)$/,
      outcome: /^(ok|failed)$/,
      step: /^[A-Za-z_][\w-]*( \((compensation|finding a lost answer)\))?$/,
      le: /^[\d.+Inf]+$/,
    };
    const lines = text.split('\n').filter((l) => l.startsWith('snf_occi_'));
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      for (const [, name, value] of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        if (name === 'kind') expect(kinds.has(value!), `${line}: kind`).toBe(true);
        else if (name === 'service') expect(services.has(value!), `${line}: service`).toBe(true);
        else expect(value, `${line}: ${name}`).toMatch(fixed[name!] ?? /^$/);
      }
    }
  });
});

describe('logs', () => {
  it('are one JSON object per line, each request line with the request id the client received', async () => {
    const res = await fetch(`${stack.url}/compute/`, { headers: auth });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const entries = stack.logEntries(); // throws on a line that is not JSON
    const line = entries.find((e) => e.message === 'request' && e.reqId === id);
    expect(line).toMatchObject({
      level: 'info',
      method: 'GET',
      path: '/compute/',
      status: 200,
      operation: 'list',
      kind: COMPUTE,
      rule: expect.stringMatching(/cyclades\/compute\.yaml:\d+$/),
    });
    expect(line!.backend).toEqual(
      expect.arrayContaining([expect.objectContaining({ service: 'compute', step: 'servers', status: 200 })]),
    );
    expect(typeof line!.ms).toBe('number');
    expect(typeof line!.time).toBe('string');
  });

  it("keep a client's sane X-Request-Id and replace one that is not", async () => {
    const kept = await fetch(`${stack.url}/compute/`, {
      headers: { ...auth, 'X-Request-Id': 'trace-42.a_b' },
    });
    expect(kept.headers.get('x-request-id')).toBe('trace-42.a_b');
    const replaced = await fetch(`${stack.url}/compute/`, {
      headers: { ...auth, 'X-Request-Id': `${'x'.repeat(200)}` },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const spaced = await fetch(`${stack.url}/compute/`, { headers: { ...auth, 'X-Request-Id': 'a b"c' } });
    expect(spaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(stack.logEntries().some((e) => e.reqId === 'trace-42.a_b' && e.message === 'request')).toBe(true);
  });

  it('at debug level show the rule selected and each backend call, under the request id', async () => {
    const res = await fetch(`${stack.url}/compute/`, { headers: { ...auth, 'X-Request-Id': 'debug-trace' } });
    expect(res.status).toBe(200);
    const mine = stack.logEntries().filter((e) => e.reqId === 'debug-trace');
    expect(mine.find((e) => e.message === 'rule selected')).toMatchObject({
      level: 'debug',
      category: COMPUTE,
      operation: 'list',
      rule: expect.stringMatching(/compute\.yaml:\d+$/),
    });
    expect(mine.find((e) => e.message === 'backend call')).toMatchObject({
      level: 'debug',
      service: 'compute',
      step: 'servers',
      method: 'GET',
      status: 200,
    });
  });

  it('at info level leave the debug lines out', async () => {
    const quiet = await startOpsStack({ logLevel: 'info' });
    try {
      expect((await fetch(`${quiet.url}/compute/`, { headers: auth })).status).toBe(200);
      const levels = new Set(quiet.logEntries().map((e) => e.level));
      expect(levels.has('debug')).toBe(false);
      expect(quiet.logEntries().some((e) => e.message === 'request')).toBe(true);
    } finally {
      await quiet.close();
    }
  });
});
