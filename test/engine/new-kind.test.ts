// A brand-new kind, http://example.org/occi/dns#zone at /zone/, whose categories and endpoints
// exist only in a YAML fixture (test/fixtures/rules-new-kind/dns.yaml, service URL filled in at
// test time): driven end to end through the OCCI server in text/plain and JSON, with no
// TypeScript written for it. Exercises list/get/create/update/delete, an action with attributes,
// a mixin, the entity mapping (and its idPattern), forEach, a conditional step, value steps, a
// query parameter left out when absent, waitFor, compensation, rule selection by `when`,
// `unsupported`, $fail, and runaway expressions that must end in a 502 naming the rule when they
// run out of the budget the rule file sets (`limits:`, counted, not timed).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RecordedRequest, startFakeBackend } from '../support/fake-backend.js';
import { readCategoryValue, readJsonCategories, readTextPlainBody } from '../support/occi-clients.js';
import {
  errorText,
  failureDetail,
  eventually,
  http,
  materialise,
  type Stack,
  startStack,
  textPlainBody,
} from './harness.js';

const DNS = 'http://example.org/occi/dns#';
const ZONE = `${DNS}zone`;
const DNSSEC = `${DNS}dnssec`;
const ACTION = 'http://example.org/occi/dns/zone/action#';
const TOKEN = 'tok-dns-user';

interface Zone {
  id: string;
  name: string;
  ttl: number;
  serial: number;
  status: 'PENDING' | 'ACTIVE' | 'ERROR';
  dnssec: boolean;
  algorithm?: string;
  records: { type: string; value: string }[];
  /** GETs left before a PENDING zone becomes ACTIVE. */
  pending: number;
}

let stack: Stack;
let rulesText: string;
const zones = new Map<string, Zone>();
let nextId = 1;
/** How many GETs a new zone stays PENDING for. */
let pendingPolls = 2;

const notFound = { status: 404, body: { error: { message: 'zone not found' } } };
const zoneOf = (m: RegExpExecArray) => zones.get(decodeURIComponent(m[1]!));

/** A small stateful DNS API on the fake backend. */
function scriptDnsApi(): void {
  const { fake } = stack;
  fake.on('GET', '/dns/v1/zones', () => ({ status: 200, body: { zones: [...zones.values()] } }));
  fake.on('GET', /^\/dns\/v1\/zones\/([^/]+)$/, (_req, m) => {
    const z = zoneOf(m);
    if (!z) return notFound;
    if (z.status === 'PENDING' && z.pending-- <= 0) z.status = 'ACTIVE';
    return { status: 200, body: { zone: z } };
  });
  fake.on('POST', '/dns/v1/zones', (req) => {
    const input = (req.body as { zone: { name: string; ttl: number } }).zone;
    const z: Zone = {
      id: `z${nextId++}`,
      name: input.name,
      ttl: input.ttl,
      serial: 2024010100,
      status: 'PENDING',
      dnssec: false,
      records: [],
      pending: pendingPolls,
    };
    zones.set(z.id, z);
    return { status: 201, body: { zone: z } };
  });
  fake.on('POST', /^\/dns\/v1\/zones\/([^/]+)\/records$/, (req, m) => {
    const z = zoneOf(m);
    if (!z) return notFound;
    const record = (req.body as { record: { type: string; value: string } }).record;
    z.records.push(record);
    return { status: 201, body: { record } };
  });
  fake.on('POST', /^\/dns\/v1\/zones\/([^/]+)\/dnssec$/, (req, m) => {
    const z = zoneOf(m);
    if (!z) return notFound;
    z.dnssec = true;
    z.algorithm = (req.body as { algorithm: string }).algorithm;
    return { status: 202, body: {} };
  });
  fake.on('PATCH', /^\/dns\/v1\/zones\/([^/]+)$/, (req, m) => {
    const z = zoneOf(m);
    if (!z) return notFound;
    z.ttl = (req.body as { zone: { ttl: number } }).zone.ttl;
    z.serial++;
    return { status: 200, body: { zone: z } };
  });
  fake.on('DELETE', /^\/dns\/v1\/zones\/([^/]+)$/, (_req, m) => {
    const z = zoneOf(m);
    if (!z) return notFound;
    zones.delete(z.id);
    return { status: 204 };
  });
  fake.on('POST', /^\/dns\/v1\/zones\/([^/]+)\/refresh$/, (_req, m) => {
    const z = zoneOf(m);
    if (!z) return notFound;
    z.serial++;
    return { status: 202, body: { zone: z } };
  });
  fake.on('POST', /^\/dns\/v1\/zones\/([^/]+)\/spin$/, () => ({ status: 202 }));
}

function addZone(partial: Partial<Zone> & { id: string; name: string }): Zone {
  const z: Zone = {
    ttl: 3600,
    serial: 1,
    status: 'ACTIVE',
    dnssec: false,
    records: [],
    pending: 0,
    ...partial,
  };
  zones.set(z.id, z);
  return z;
}

function req(
  method: string,
  path: string,
  options: { text?: string[]; json?: unknown; accept?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = {
    'X-Auth-Token': TOKEN,
    Accept: options.accept ?? (options.json !== undefined ? 'application/occi+json' : 'text/plain'),
    ...options.headers,
  };
  let body: string | undefined;
  if (options.text) {
    headers['Content-Type'] = 'text/plain';
    body = textPlainBody(options.text);
  }
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/occi+json';
    body = JSON.stringify(options.json);
  }
  return http(stack.url, method, path, { headers, ...(body === undefined ? {} : { body }) });
}

const dnsCalls = (): RecordedRequest[] => stack.fake.requests.filter((r) => r.path.startsWith('/dns/'));
const callLine = (r: RecordedRequest) =>
  `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query)}` : ''}`;
const zoneCategory = `Category: zone; scheme="${DNS}"; class="kind"`;
/** Asks a create for the new entity (200) rather than its location alone (201). */
const REPRESENTATION = { Prefer: 'return=representation' };
const dnssecCategory = `Category: dnssec; scheme="${DNS}"; class="mixin"`;

/** Line of the `- category:` item of the rule whose text contains `marker`. */
function ruleLine(marker: string): number {
  const lines = rulesText.split('\n');
  const at = lines.findIndex((l) => l.includes(marker));
  expect(at, marker).toBeGreaterThan(0);
  for (let i = at; i >= 0; i--) if (/^\s*- category:/.test(lines[i]!)) return i + 1;
  throw new Error(`no rule above ${marker}`);
}

/** Line of the `- name: <step>` item. */
function stepLine(step: string): number {
  const i = rulesText.split('\n').findIndex((l) => l.trim() === `- name: ${step}`);
  expect(i, step).toBeGreaterThan(0);
  return i + 1;
}

beforeAll(async () => {
  // The service URL in the rules is the fake's: start it first, then fill in the fixture.
  const fake = await startFakeBackend();
  const dir = await materialise('rules-new-kind', { DNS_URL: `${fake.url}/dns/v1` });
  rulesText = await readFile(join(dir, 'dns.yaml'), 'utf8');
  expect(rulesText).not.toMatch(/\$\{DNS_URL\}/);
  stack = await startStack({ rulesDir: dir, fake });
});

afterAll(async () => {
  await stack.close();
  await stack.fake.close();
});

afterEach(() => {
  stack.fake.reset();
  zones.clear();
  nextId = 1;
  pendingPolls = 2;
  scriptDnsApi();
});

describe('a new kind declared only in YAML', () => {
  beforeAll(() => scriptDnsApi());

  it('the query interface shows the kind, its attributes and actions, the mixin and the actions (text/plain)', async () => {
    const res = await req('GET', '/-/');
    expect(res.status).toBe(200);
    const categories = readTextPlainBody(res.body)
      .filter(([n]) => n === 'category')
      .map(([, v]) => readCategoryValue(v));
    const zone = categories.find((c) => c.scheme === DNS && c.term === 'zone');
    // Locations are absolute, under the server's URL.
    expect(zone).toMatchObject({
      class: 'kind',
      title: 'DNS zone',
      location: `${stack.url}/zone/`,
      rel: ['http://schemas.ogf.org/occi/core#resource'],
    });
    expect(zone!.attributes).toEqual(
      expect.arrayContaining(['org.example.dns.name', 'org.example.dns.ttl', 'org.example.dns.state']),
    );
    expect(zone!.required).toEqual(['org.example.dns.name']);
    expect(zone!.immutable).toEqual(
      expect.arrayContaining(['org.example.dns.serial', 'org.example.dns.state']),
    );
    expect(zone!.actions).toContain(`${ACTION}refresh`);
    expect(categories.find((c) => c.term === 'dnssec')).toMatchObject({
      class: 'mixin',
      location: `${stack.url}/mixin/dnssec/`,
    });
    expect(categories.find((c) => c.term === 'refresh')).toMatchObject({ class: 'action', scheme: ACTION });
  });

  it('the query interface shows them in JSON too, with what the mixin applies to', async () => {
    const res = await req('GET', '/-/', { accept: 'application/occi+json' });
    expect(res.status).toBe(200);
    const categories = readJsonCategories(res.body);
    expect(categories.find((c) => c.term === 'zone' && c.scheme === DNS)).toMatchObject({
      class: 'kind',
      location: `${stack.url}/zone/`,
      required: ['org.example.dns.name'],
    });
    expect(categories.find((c) => c.term === 'dnssec')).toMatchObject({ applies: [ZONE] });
  });

  it('create (text/plain): POST /zones, one NS record per name server (forEach), the DNSSEC step (when), then waits until ACTIVE', async () => {
    const res = await req('POST', '/zone/', {
      text: [
        zoneCategory,
        dnssecCategory,
        'X-OCCI-Attribute: org.example.dns.name="example.org."',
        'X-OCCI-Attribute: org.example.dns.nameservers="ns1.example.org., ns2.example.org."',
        'X-OCCI-Attribute: org.example.dns.dnssec.algorithm="rsa"',
      ],
      headers: REPRESENTATION,
    });
    expect(res.status, res.body).toBe(200);
    expect(res.headers.get('location')).toBe(`${stack.url}/zone/z1`);
    expect(res.headers.get('preference-applied')).toBe('return=representation');
    const calls = dnsCalls();
    expect(calls.map(callLine)).toEqual([
      'POST /dns/v1/zones',
      'POST /dns/v1/zones/z1/records',
      'POST /dns/v1/zones/z1/records',
      'POST /dns/v1/zones/z1/dnssec',
      // waitFor: PENDING, PENDING, ACTIVE
      'GET /dns/v1/zones/z1',
      'GET /dns/v1/zones/z1',
      'GET /dns/v1/zones/z1',
    ]);
    expect(calls[0]!.body).toEqual({ zone: { name: 'example.org.', ttl: 3600 } });
    expect(calls[1]!.body).toEqual({ record: { type: 'NS', value: 'ns1.example.org.' } });
    expect(calls[2]!.body).toEqual({ record: { type: 'NS', value: 'ns2.example.org.' } });
    expect(calls[3]!.body).toEqual({ algorithm: 'rsa' });
    for (const c of calls) expect(c.token).toBe(TOKEN);
    // The polls are spaced by the rule's interval (20 ms).
    expect(calls[6]!.at - calls[4]!.at).toBeGreaterThanOrEqual(30);
    const lines = res.body.split('\n');
    expect(lines).toContain('X-OCCI-Attribute: org.example.dns.state="active"');
    expect(lines).toContain('X-OCCI-Attribute: org.example.dns.dnssec.algorithm="rsa"');
    expect(lines).toContain('X-OCCI-Attribute: occi.core.summary="zone example.org. (2 records)"');
    expect(lines).toContain(`Category: dnssec; scheme="${DNS}"; class="mixin"; title="DNSSEC signing"`);
    expect(lines).toContain(`Link: <${stack.url}/zone/z1?action=refresh>; rel="${ACTION}refresh"`);
  });

  it('create (JSON) without the mixin or name servers skips the DNSSEC step and makes no record call', async () => {
    pendingPolls = 0;
    const res = await req('POST', '/zone/', {
      json: { kind: ZONE, attributes: { 'org.example.dns.name': 'example.net.', 'org.example.dns.ttl': 60 } },
      headers: REPRESENTATION,
    });
    expect(res.status, res.body).toBe(200);
    expect(dnsCalls().map(callLine)).toEqual(['POST /dns/v1/zones', 'GET /dns/v1/zones/z1']);
    expect(dnsCalls()[0]!.body).toEqual({ zone: { name: 'example.net.', ttl: 60 } });
    expect(res.json).toMatchObject({
      kind: ZONE,
      id: 'z1',
      title: 'example.net.',
      attributes: {
        'org.example.dns.ttl': 60,
        'org.example.dns.state': 'active',
        'org.example.dns.serial': 2024010100,
      },
    });
    expect((res.json as { mixins?: string[] }).mixins ?? []).toEqual([]);
    expect((res.json as { attributes: Record<string, unknown> }).attributes).not.toHaveProperty(
      'org.example.dns.dnssec.algorithm',
    );
  });

  it('create without Prefer answers 201 with the new location only, in text/plain and JSON', async () => {
    pendingPolls = 0;
    const text = await req('POST', '/zone/', {
      text: [zoneCategory, 'X-OCCI-Attribute: org.example.dns.name="t.example."'],
    });
    expect(text.status, text.body).toBe(201);
    expect(text.headers.get('location')).toBe(`${stack.url}/zone/z1`);
    expect(text.headers.get('preference-applied')).toBeNull();
    expect(text.body.split('\n').filter(Boolean)).toEqual([`X-OCCI-Location: ${stack.url}/zone/z1`]);
    const json = await req('POST', '/zone/', {
      json: { kind: ZONE, attributes: { 'org.example.dns.name': 'j.example.' } },
    });
    expect(json.status, json.body).toBe(201);
    expect(json.headers.get('location')).toBe(`${stack.url}/zone/z2`);
    expect(json.json).toEqual([`${stack.url}/zone/z2`]);
    // The same calls as with the entity asked for: the answer is only said differently.
    expect(dnsCalls().map(callLine)).toEqual([
      'POST /dns/v1/zones',
      'GET /dns/v1/zones/z1',
      'POST /dns/v1/zones',
      'GET /dns/v1/zones/z2',
    ]);
  });

  it('create refuses a request without the required attribute before calling the backend', async () => {
    const res = await req('POST', '/zone/', { text: [zoneCategory] });
    expect(res.status).toBe(400);
    expect(errorText(res)).toContain('org.example.dns.name');
    expect(dnsCalls()).toEqual([]);
  });

  it('get and list, in text/plain and JSON; the mixin collection lists only signed zones', async () => {
    addZone({
      id: 'a',
      name: 'a.example.',
      dnssec: true,
      algorithm: 'ecdsa',
      records: [{ type: 'NS', value: 'x' }],
    });
    addZone({ id: 'b', name: 'b.example.', status: 'ERROR', ttl: 60 });

    const got = await req('GET', '/zone/a');
    expect(got.status, got.body).toBe(200);
    expect(got.body.split('\n')).toEqual(
      expect.arrayContaining([
        'X-OCCI-Attribute: occi.core.id="a"',
        'X-OCCI-Attribute: occi.core.title="a.example."',
        'X-OCCI-Attribute: org.example.dns.dnssec.algorithm="ecdsa"',
        'X-OCCI-Attribute: occi.core.summary="zone a.example. (1 records)"',
      ]),
    );
    expect(dnsCalls().map(callLine)).toEqual(['GET /dns/v1/zones/a']);

    const gotJson = await req('GET', '/zone/b', { accept: 'application/occi+json' });
    expect(gotJson.json).toMatchObject({
      id: 'b',
      attributes: { 'org.example.dns.state': 'error', 'org.example.dns.ttl': 60 },
    });

    const list = await req('GET', '/zone/');
    expect(list.status).toBe(200);
    expect(list.body.split('\n').filter(Boolean).sort()).toEqual([
      `X-OCCI-Location: ${stack.url}/zone/a`,
      `X-OCCI-Location: ${stack.url}/zone/b`,
    ]);

    const listJson = await req('GET', '/zone/', { accept: 'application/occi+json' });
    const resources = (listJson.json as { resources: { id: string; mixins?: string[] }[] }).resources;
    expect(resources.map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(resources.find((r) => r.id === 'a')!.mixins).toEqual([DNSSEC]);

    const signed = await req('GET', '/mixin/dnssec/');
    expect(signed.status).toBe(200);
    expect(signed.body.split('\n').filter(Boolean)).toEqual([`X-OCCI-Location: ${stack.url}/zone/a`]);
  });

  it('get of a zone the backend does not have is a 404 with the backend message (faults.message)', async () => {
    const res = await req('GET', '/zone/nope', { accept: 'application/occi+json' });
    expect(res.status).toBe(404);
    expect(errorText(res)).toBe('zone not found');
  });

  it('update: a TTL change is a PATCH (the rule whose `when` holds); anything else is the 501 fallback', async () => {
    addZone({ id: 'a', name: 'a.example.' });
    const res = await req('POST', '/zone/a', { text: ['X-OCCI-Attribute: org.example.dns.ttl=120'] });
    expect(res.status, res.body).toBe(200);
    expect(dnsCalls().map(callLine)).toEqual(['PATCH /dns/v1/zones/a']);
    expect(dnsCalls()[0]!.body).toEqual({ zone: { ttl: 120 } });
    expect(res.body).toContain('X-OCCI-Attribute: org.example.dns.ttl=120');
    expect(res.body).toContain('X-OCCI-Attribute: org.example.dns.serial=2');

    stack.fake.reset();
    scriptDnsApi();
    const title = await req('POST', '/zone/a', {
      json: { kind: ZONE, attributes: { 'occi.core.title': 'x' } },
    });
    expect(title.status).toBe(501);
    expect(errorText(title)).toBe('only the TTL of a zone can change');
    expect(dnsCalls()).toEqual([]);
  });

  it('the refresh action passes its attribute as query and body, and answers the entity the rule builds', async () => {
    addZone({ id: 'a', name: 'a.example.', serial: 7 });
    const res = await req('POST', '/zone/a?action=refresh', {
      text: [`Category: refresh; scheme="${ACTION}"; class="action"`, 'X-OCCI-Attribute: force=true'],
    });
    expect(res.status, res.body).toBe(200);
    expect(dnsCalls().map(callLine)).toEqual(['POST /dns/v1/zones/a/refresh?force=yes']);
    expect(dnsCalls()[0]!.body).toEqual({ force: true });
    expect(res.body).toContain('X-OCCI-Attribute: org.example.dns.serial=8');

    stack.fake.reset();
    scriptDnsApi();
    const json = await req('POST', '/zone/a?action=refresh', { json: { action: `${ACTION}refresh` } });
    expect(json.status, json.body).toBe(200);
    // The default (false) applies: no query parameter, force false in the body.
    expect(dnsCalls().map(callLine)).toEqual(['POST /dns/v1/zones/a/refresh']);
    expect(dnsCalls()[0]!.body).toEqual({ force: false });
    expect(json.json).toMatchObject({ id: 'a', attributes: { 'org.example.dns.serial': 9 } });
  });

  it('delete', async () => {
    addZone({ id: 'a', name: 'a.example.' });
    const res = await req('DELETE', '/zone/a');
    expect(res.status).toBe(200);
    expect(dnsCalls().map(callLine)).toEqual(['DELETE /dns/v1/zones/a']);
    expect(zones.has('a')).toBe(false);
  });

  it('a later step failing runs the compensation (DELETE the zone) and the client gets the original failure', async () => {
    stack.fake.on('POST', /^\/dns\/v1\/zones\/[^/]+\/records$/, {
      status: 409,
      body: { error: { message: 'NS record conflicts with a CNAME' } },
    });
    const res = await req('POST', '/zone/', {
      text: [
        zoneCategory,
        'X-OCCI-Attribute: org.example.dns.name="c.example."',
        'X-OCCI-Attribute: org.example.dns.nameservers="ns1.c.example., ns2.c.example."',
      ],
    });
    expect(res.status).toBe(409);
    expect(errorText(res)).toBe('NS record conflicts with a CNAME');
    expect(dnsCalls().map(callLine)).toEqual([
      'POST /dns/v1/zones',
      'POST /dns/v1/zones/z1/records',
      'DELETE /dns/v1/zones/z1',
    ]);
    expect(dnsCalls()[2]!.token).toBe(TOKEN);
    expect(zones.size).toBe(0);
  });

  it('a compensation that fails itself is logged and retried later; the client still gets the original failure', async () => {
    // An id no other test uses: the retry comes after this test is over.
    nextId = 900;
    stack.fake.on('POST', /^\/dns\/v1\/zones\/[^/]+\/records$/, {
      status: 422,
      body: { error: { message: 'bad name server' } },
    });
    // The first DELETE fails; the retry reaches the DNS API's own DELETE.
    stack.fake.on(
      'DELETE',
      /^\/dns\/v1\/zones\/[^/]+$/,
      { status: 500, body: { error: { message: 'db down' } } },
      1,
    );
    const before = stack.logLines.length;
    const res = await req('POST', '/zone/', {
      text: [
        zoneCategory,
        'X-OCCI-Attribute: org.example.dns.name="d.example."',
        'X-OCCI-Attribute: org.example.dns.nameservers="ns1., ns2."',
      ],
    });
    expect(res.status).toBe(422);
    expect(errorText(res)).toBe('bad name server');
    const log = stack.logLines.slice(before).join('');
    expect(log).toContain('compensation failed');
    expect(log).not.toContain(TOKEN);
    expect(zones.has('z900')).toBe(true);
    await eventually(async () => !zones.has('z900'), 5000);
    const deletes = dnsCalls()
      .filter((c) => c.method === 'DELETE')
      .map(callLine);
    expect(deletes).toEqual(['DELETE /dns/v1/zones/z900', 'DELETE /dns/v1/zones/z900']);
    expect(dnsCalls().at(-1)!.token).toBe(TOKEN);
  });

  it('waitFor gives up after its timeout with 504 (and compensates the created zone)', async () => {
    pendingPolls = 1_000_000;
    const res = await req('POST', '/zone/', {
      text: [zoneCategory, 'X-OCCI-Attribute: org.example.dns.name="slow.example."'],
    });
    expect(res.status).toBe(504);
    expect(failureDetail(stack, res)).toMatch(/step 'ready' \(.*dns\.yaml:\d+\).*600 ms/);
    // The wait is counted in intervals: one poll at the start and one after each 20 ms of the 600.
    const polls = dnsCalls().filter((c) => c.method === 'GET');
    expect(polls).toHaveLength(1 + 600 / 20);
    expect(dnsCalls().at(-1)).toMatchObject({ method: 'DELETE', path: '/dns/v1/zones/z1' });
  });

  it('$fail in a rule answers with the status and message it gives', async () => {
    addZone({ id: 'a', name: 'a.example.' });
    const res = await req('POST', '/zone/a?action=lock', { json: { action: `${ACTION}lock` } });
    expect(res.status).toBe(409);
    expect(errorText(res)).toBe('zone a is locked by its primary');
    expect(dnsCalls()).toEqual([]);
  });

  it('a result expression that recurses without end is a 502 naming the rule file:line and the depth limit of the file', async () => {
    addZone({ id: 'a', name: 'a.example.' });
    const res = await req('POST', '/zone/a?action=explode', { json: { action: `${ACTION}explode` } });
    expect(res.status).toBe(502);
    expect(failureDetail(stack, res)).toMatch(
      new RegExp(`dns\\.yaml:${ruleLine(`action: ${ACTION}explode`)}\\b`),
    );
    expect(failureDetail(stack, res)).toContain('nested deeper than 160 function calls (maxDepth)');
  });

  it('a step body that runs out of evaluation steps is a 502 naming the step file:line, and nothing is sent', async () => {
    addZone({ id: 'a', name: 'a.example.' });
    const res = await req('POST', '/zone/a?action=spin', {
      text: [`Category: spin; scheme="${ACTION}"; class="action"`],
    });
    expect(res.status).toBe(502);
    expect(failureDetail(stack, res)).toMatch(new RegExp(`dns\\.yaml:${stepLine('spin')}\\b`));
    expect(failureDetail(stack, res)).toContain('more than 100000 evaluation steps');
    expect(dnsCalls()).toEqual([]);
  });

  it('an id the entity mapping’s idPattern does not allow is a 404 before any backend call', async () => {
    addZone({ id: 'a', name: 'a.example.' });
    for (const [method, path] of [
      ['GET', '/zone/A_1'],
      ['DELETE', '/zone/A_1'],
    ] as const) {
      const res = await req(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(errorText(res)).toContain("no zone at '/zone/A_1'");
    }
    expect(dnsCalls()).toEqual([]);
  });

  // Regression, fixed (was: src/engine/mapping-service.ts helpers.fail + src/engine/fault-translation.ts ruleError):
  // $fail with something that is not an HTTP error status becomes a bare 502 "failed"-style error
  // whose message does not name the rule's file:line, unlike every other failure of a rule's own
  // expressions (ruleError passes OcciErrors through untouched). Operators cannot trace it.
  it('$fail without an error status is a 502 naming the rule file:line', async () => {
    addZone({ id: 'a', name: 'a.example.' });
    const res = await req('POST', '/zone/a?action=misfail', { json: { action: `${ACTION}misfail` } });
    expect(res.status).toBe(502);
    expect(failureDetail(stack, res)).toMatch(
      new RegExp(`dns\\.yaml:${ruleLine(`action: ${ACTION}misfail`)}\\b`),
    );
  });

  // Regression, fixed (was: src/engine/run-rule.ts runStep): JSONata collapses a one-item sequence to the item, so a
  // forEach such as `$split($ns, ",").$trim($)` (or `ports[...].id`) yields a bare string when
  // there is exactly one item; runStep then refuses it with 502 "forEach did not yield a list"
  // instead of running the step once (objects are already wrapped as one item; scalars are not).
  it('forEach over a single item runs the step once', async () => {
    pendingPolls = 0;
    const res = await req('POST', '/zone/', {
      text: [
        zoneCategory,
        'X-OCCI-Attribute: org.example.dns.name="one.example."',
        'X-OCCI-Attribute: org.example.dns.nameservers="ns1.one.example."',
      ],
    });
    expect(res.status, res.body).toBe(201);
    expect(dnsCalls().map(callLine)).toEqual([
      'POST /dns/v1/zones',
      'POST /dns/v1/zones/z1/records',
      'GET /dns/v1/zones/z1',
    ]);
  });

  it('the token reaches the fixed-URL service and never the log', () => {
    expect(stack.logLines.join('')).not.toContain(TOKEN);
  });
});
