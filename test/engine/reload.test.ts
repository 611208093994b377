// Hot reload of the rules, on a temporary copy of the shipped mappings: a valid edit is served
// within a second (directory watch); an invalid one changes nothing and is logged with its
// file:line; the admin endpoint reloads (200), reports problems (422), wants its token (401) and
// is absent without one (404); and under concurrent traffic and many alternating valid/invalid
// reloads no request fails, while a request in flight finishes on the rules it started with.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL, report } from '../faults/report.js';
import { copyMappings, errorText, eventually, gate, http, type Stack, startStack } from './harness.js';

const TOKEN = 'tok-alice';
const ADMIN = 'admin-secret-token';
const SUSPEND = 'Cyclades cannot suspend servers; stop the compute instead';
const FQDN = '"org.synnefo.compute.fqdn": `SNF:fqdn`';
/** Reloads under traffic (the fault suite's full mode does as many as the hostile run did). */
const RELOADS = FULL ? 40 : 16;

const SERVER = {
  server: {
    id: 42,
    name: 'vm1',
    status: 'ACTIVE',
    flavor: { id: 1 },
    image: { id: 'img-debian' },
    attachments: [],
    volumes: [],
    'SNF:fqdn': 'vm1.example.org',
    'SNF:task_state': '',
  },
};

function replaceOnce(text: string, from: string, to: string): string {
  const n = text.split(from).length - 1;
  if (n !== 1) throw new Error(`expected one '${from}' in the rules, found ${n}`);
  return text.replace(from, to);
}

/** The shipped compute rules with edits; `broken` adds a JSONata syntax error (returns its line). */
function variant(original: string, edit: { suspend?: string; fqdnPrefix?: string; broken?: boolean }) {
  let text = original;
  if (edit.suspend) text = replaceOnce(text, `unsupported: ${SUSPEND}`, `unsupported: ${edit.suspend}`);
  if (edit.fqdnPrefix)
    text = replaceOnce(text, FQDN, `"org.synnefo.compute.fqdn": "${edit.fqdnPrefix}" & \`SNF:fqdn\``);
  let brokenLine: number | undefined;
  if (edit.broken) {
    text = replaceOnce(text, '"HARD" : "SOFT"}}', '"HARD" : "SOFT"]}}');
    brokenLine = text.split('\n').findIndex((l) => l.includes('"SOFT"]}}')) + 1;
  }
  return { text, brokenLine };
}

const auth = { 'X-Auth-Token': TOKEN, Accept: 'application/occi+json' };
const suspend = (stack: Stack) =>
  http(stack.url, 'POST', '/compute/42?action=suspend', {
    headers: { ...auth, 'Content-Type': 'application/occi+json' },
    body: JSON.stringify({ action: 'http://schemas.ogf.org/occi/infrastructure/compute/action#suspend' }),
  });
const getCompute = (stack: Stack, signal?: AbortSignal) =>
  http(stack.url, 'GET', '/compute/42', { headers: auth, ...(signal ? { signal } : {}) });
const fqdnOf = (r: { json?: unknown }) =>
  (r.json as { attributes?: Record<string, unknown> } | undefined)?.attributes?.['org.synnefo.compute.fqdn'];
/** An admin request; `null` sends no X-Admin-Token at all. */
const admin = (stack: Stack, method: string, path: string, token: string | null = ADMIN) =>
  http(stack.url, method, path, { headers: token === null ? {} : { 'X-Admin-Token': token } });

describe('directory watch', () => {
  let stack: Stack;
  let dir: string;
  let original: string;
  let computePath: string;

  beforeAll(async () => {
    dir = await copyMappings();
    computePath = join(dir, 'cyclades', 'compute.yaml');
    original = await readFile(computePath, 'utf8');
    stack = await startStack({ rulesDir: dir, watchRules: true });
  });
  afterAll(async () => {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  // How soon is not asserted (a loaded machine would fail it): that it happens, without a restart.
  it('a valid edit changes behaviour', async () => {
    const before = await suspend(stack);
    expect(before.status).toBe(501);
    expect(errorText(before)).toBe(SUSPEND);
    const generation = stack.server.state().ruleSet.generation;
    await writeFile(computePath, variant(original, { suspend: 'edited, no suspending here' }).text);
    const after = await eventually(async () => {
      const r = await suspend(stack);
      return errorText(r) === 'edited, no suspending here' ? r : undefined;
    }).catch((e) => {
      throw new Error(`${(e as Error).message}\nlog:\n${stack.logLines.join('')}`);
    });
    expect(after.status).toBe(501);
    expect(stack.server.state().ruleSet.generation).toBeGreaterThan(generation);
  });

  it('an invalid edit changes nothing; the error is logged with file:line', async () => {
    const good = variant(original, { suspend: 'edited, no suspending here' });
    const generation = stack.server.state().ruleSet.generation;
    const logged = stack.logLines.length;
    const bad = variant(original, { suspend: 'this edit must never be served', broken: true });
    await writeFile(computePath, bad.text);
    const line = await eventually(async () =>
      stack.logLines.slice(logged).find((l) => l.includes('rules not reloaded')),
    );
    const entry = JSON.parse(line) as { level: string; problems: string[] };
    expect(entry.level).toBe('error');
    expect(entry.problems.join('\n')).toMatch(
      new RegExp(`compute\\.yaml:${bad.brokenLine}:\\d+ expression: `),
    );
    // Old behaviour stays.
    expect(stack.server.state().ruleSet.generation).toBe(generation);
    const r = await suspend(stack);
    expect(r.status).toBe(501);
    expect(errorText(r)).toBe('edited, no suspending here');
    // Fixing the file is picked up again.
    await writeFile(computePath, good.text.replace('edited, no suspending here', 'fixed again'));
    await eventually(async () => errorText(await suspend(stack)) === 'fixed again');
  });
});

describe('admin endpoint', () => {
  let stack: Stack;
  let dir: string;
  let original: string;
  let computePath: string;

  beforeAll(async () => {
    dir = await copyMappings();
    computePath = join(dir, 'cyclades', 'compute.yaml');
    original = await readFile(computePath, 'utf8');
    stack = await startStack({ rulesDir: dir, adminToken: ADMIN });
    stack.fake.on('GET', '/compute/v2\\.0/servers/42', { status: 200, body: SERVER });
  });
  afterAll(async () => {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('POST /_admin/reload reloads (200 with the new generation) and GET /_admin/rules shows it', async () => {
    const before = stack.server.state().ruleSet.generation;
    await writeFile(computePath, variant(original, { suspend: 'reloaded by admin' }).text);
    expect(errorText(await suspend(stack))).toBe(SUSPEND); // not watching: nothing yet
    const res = await admin(stack, 'POST', '/_admin/reload');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, problems: [] });
    const generation = (res.json as { generation: number }).generation;
    expect(generation).toBeGreaterThan(before);
    expect(stack.server.state().ruleSet.generation).toBe(generation);
    expect(errorText(await suspend(stack))).toBe('reloaded by admin');
    const rules = await admin(stack, 'GET', '/_admin/rules');
    expect(rules.status).toBe(200);
    expect(rules.json).toMatchObject({ generation, lastReload: { ok: true, problems: [] } });
    expect((rules.json as { files: string[] }).files.some((f) => f.endsWith('compute.yaml'))).toBe(true);
  });

  it('a broken set is reported with its problems (422) and not served', async () => {
    const before = stack.server.state().ruleSet.generation;
    const bad = variant(original, { suspend: 'never served', broken: true });
    await writeFile(computePath, bad.text);
    const res = await admin(stack, 'POST', '/_admin/reload');
    expect(res.status).toBe(422);
    const body = res.json as { ok: boolean; generation: number; problems: string[] };
    expect(body.ok).toBe(false);
    expect(body.generation).toBe(before);
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0]).toMatch(
      new RegExp(`compute\\.yaml:${bad.brokenLine}:\\d+ expression: .*\\n {4}hint: `),
    );
    expect(errorText(await suspend(stack))).toBe('reloaded by admin');
    expect(stack.server.state().ruleSet.generation).toBe(before);
    const rules = await admin(stack, 'GET', '/_admin/rules');
    expect(rules.json).toMatchObject({ generation: before, lastReload: { ok: false } });
  });

  it('without the token, or with a wrong one, 401; nothing is reloaded', async () => {
    const before = stack.server.state().ruleSet.generation;
    for (const token of [null, '', 'wrong', `${ADMIN}x`, TOKEN]) {
      const res = await admin(stack, 'POST', '/_admin/reload', token);
      expect(res.status).toBe(401);
      expect(res.body).not.toContain(ADMIN);
    }
    expect((await admin(stack, 'GET', '/_admin/rules', 'wrong')).status).toBe(401);
    expect(stack.server.state().ruleSet.generation).toBe(before);
    expect(stack.logLines.join('')).not.toContain(ADMIN);
  });

  it('unknown admin paths are 404 (with the token)', async () => {
    expect((await admin(stack, 'GET', '/_admin/nothing')).status).toBe(404);
  });

  it('a request in flight finishes with the rules it started with; the next one sees the new rules', async () => {
    await writeFile(computePath, variant(original, { fqdnPrefix: 'A:' }).text);
    expect((await admin(stack, 'POST', '/_admin/reload')).status).toBe(200);
    expect(fqdnOf(await getCompute(stack))).toBe('A:vm1.example.org');

    // The backend holds its answer until the reload is done, so the reload lands mid-request.
    const reloaded = gate();
    stack.fake.on(
      'GET',
      '/compute/v2\\.0/servers/42',
      async () => {
        await reloaded.wait;
        return { status: 200, body: SERVER };
      },
      1,
    );
    const seen = stack.fake.requests.length;
    const inFlight = getCompute(stack);
    await eventually(
      async () => stack.fake.requests.slice(seen).some((r) => r.path.endsWith('/servers/42')),
      undefined,
      5,
    );
    await writeFile(computePath, variant(original, { fqdnPrefix: 'B:' }).text);
    expect((await admin(stack, 'POST', '/_admin/reload')).status).toBe(200);
    reloaded.open();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(fqdnOf(res)).toBe('A:vm1.example.org');
    expect(fqdnOf(await getCompute(stack))).toBe('B:vm1.example.org');
  });

  // Regression, fixed (was: src/engine/mapping-service.ts): MappingService looks rules up through getRuleSet() at
  // every step of an operation (rules() in run(), again in entityAfter()), not once per request.
  // An update or action whose rule returns no entity is followed by a fresh `get`; if a reload
  // lands while the update is in flight, that get runs the NEW rule set's get rule (with the OLD
  // set's tables and registry), so the request does not finish with the rules it started with.
  it('an update in flight reads the entity back with the rules it started with', async () => {
    await writeFile(computePath, variant(original, { fqdnPrefix: 'A:' }).text);
    expect((await admin(stack, 'POST', '/_admin/reload')).status).toBe(200);
    stack.fake.on(
      'GET',
      '/compute/v2\\.0/servers/42',
      {
        status: 200,
        body: { server: { ...SERVER.server, name: 'old-name' } },
      },
      1,
    );
    const reloaded = gate();
    stack.fake.on('PUT', '/compute/v2\\.0/servers/42', async () => {
      await reloaded.wait;
      return { status: 204 };
    });
    const seen = stack.fake.requests.length;
    const inFlight = http(stack.url, 'POST', '/compute/42', {
      headers: { ...auth, 'Content-Type': 'application/occi+json' },
      body: JSON.stringify({
        kind: 'http://schemas.ogf.org/occi/infrastructure#compute',
        attributes: { 'occi.core.title': 'vm1' },
      }),
    });
    await eventually(
      async () => stack.fake.requests.slice(seen).some((r) => r.method === 'PUT'),
      undefined,
      5,
    );
    await writeFile(computePath, variant(original, { fqdnPrefix: 'B:' }).text);
    expect((await admin(stack, 'POST', '/_admin/reload')).status).toBe(200);
    reloaded.open();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(fqdnOf(res)).toBe('A:vm1.example.org');
  });
});

describe('admin disabled', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('/_admin/ endpoints are 404 without an admin token configured, whatever the request carries', async () => {
    for (const token of [null, ADMIN, '']) {
      const reload = await admin(stack, 'POST', '/_admin/reload', token);
      expect(reload.status).toBe(404);
      expect((await admin(stack, 'GET', '/_admin/rules', token)).status).toBe(404);
    }
  });
});

describe('concurrent traffic during many alternating valid and invalid reloads', () => {
  let stack: Stack;
  let dir: string;
  let original: string;
  let computePath: string;

  beforeAll(async () => {
    dir = await copyMappings();
    computePath = join(dir, 'cyclades', 'compute.yaml');
    original = await readFile(computePath, 'utf8');
    await writeFile(computePath, variant(original, { fqdnPrefix: 'v0:' }).text);
    stack = await startStack({ rulesDir: dir, adminToken: ADMIN });
    stack.fake.on('GET', '/compute/v2\\.0/servers/42', { status: 200, body: SERVER, delayMs: 3 });
  });
  afterAll(async () => {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('no request fails or sees a 5xx, every answer comes from one valid rule set', async ({ task }) => {
    let stop = false;
    const statuses = new Map<number, number>();
    const fqdns = new Set<unknown>();
    const failures: string[] = [];
    // Rounds are numbered as they start; the latest-started round that has ended tells when
    // traffic has run under the rule set of the last reload.
    let started = 0;
    let latestEnded = 0;
    const client = async () => {
      while (!stop) {
        const round = ++started;
        try {
          const [get, susp] = await Promise.all([getCompute(stack), suspend(stack)]);
          for (const r of [get, susp]) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (get.status !== 200) failures.push(`GET ${get.status} ${get.body}`);
          if (susp.status !== 501) failures.push(`suspend ${susp.status} ${susp.body}`);
          fqdns.add(fqdnOf(get));
        } catch (e) {
          failures.push(String(e));
        }
        latestEnded = Math.max(latestEnded, round);
      }
    };
    const clients = Array.from({ length: 6 }, client);
    const generations: number[] = [];
    const valid: string[] = ['v0:vm1.example.org'];
    for (let i = 1; i <= RELOADS; i++) {
      const broken = i % 2 === 0;
      const prefix = `v${i}:`;
      await writeFile(computePath, variant(original, { fqdnPrefix: prefix, broken }).text);
      const res = await admin(stack, 'POST', '/_admin/reload');
      expect(res.status).toBe(broken ? 422 : 200);
      if (!broken) {
        generations.push((res.json as { generation: number }).generation);
        valid.push(`${prefix}vm1.example.org`);
      }
      // A round begun after this reload has ended before the next one (waited for, not slept for).
      const mark = started;
      await eventually(async () => latestEnded > mark, undefined, 1);
    }
    stop = true;
    await Promise.all(clients);
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    const fivexx = [...statuses.entries()]
      .filter(([s]) => s >= 500 && s !== 501)
      .reduce((a, [, n]) => a + n, 0);
    const cell = (column: string, value: string) =>
      report(task.meta, {
        table: 'under load',
        row: `${RELOADS} rule reloads, valid and invalid in turn`,
        column,
        value,
      });
    cell('requests', String(answered));
    cell('no answer', String(failures.filter((f) => !/^(GET|suspend) \d/.test(f)).length));
    cell('statuses', JSON.stringify(Object.fromEntries(statuses)));
    cell(
      'notes',
      `5xx (not 501): ${fivexx}; bad sets served: ${[...fqdns].filter((f) => !valid.includes(f as string)).length}`,
    );
    expect(failures).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500 && s !== 501)).toEqual([]);
    expect(statuses.get(200)).toBeGreaterThanOrEqual(16);
    // Only fqdns of rule sets that loaded were ever served (never one of a broken set).
    for (const f of fqdns) expect(valid).toContain(f);
    expect(fqdns.size).toBeGreaterThan(1);
    expect([...generations].sort((a, b) => a - b)).toEqual(generations);
  });
});
