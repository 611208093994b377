// A 1,000-server `GET /compute/` (issue 11): the simulator (in-process, quotas raised) is seeded
// with 1,000 servers by POST /servers straight to its compute API; the OCCI server over it (the
// shipped rules and their default budgets) must answer 200 in text/plain, application/occi+json
// and text/occi, listing every server. The text/occi answer carries its locations in
// X-OCCI-Location headers; it is read with node:http and a large header limit (a client limit is
// not what is tested), in its own test so that its outcome is reported on its own.
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MappingEngine } from '../../src/engine/engine.js';
import { createLog } from '../../src/server/log.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { http, loadOk, MAPPINGS } from '../engine/harness.js';

const TOKEN = 'thousand-servers-token';
const COUNT = 1000;
const GiB = 1024 ** 3;

let sim: RunningSimulator;
let server: RunningOcciServer;
let engine: MappingEngine;
let stateDir: string;
const expected: string[] = [];

async function seed(): Promise<void> {
  const compute = `${sim.url}/compute/v2.0`;
  const headers = { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' };
  const images = (await (await fetch(`${compute}/images/detail`, { headers })).json()) as {
    images: { id: string; status: string }[];
  };
  const image = images.images.find((i) => i.status === 'ACTIVE')!.id;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < COUNT; i = next++) {
      const res = await fetch(`${compute}/servers`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ server: { name: `s${i}`, imageRef: image, flavorRef: 1 } }),
      });
      const body = (await res.json()) as { server: { id: number } };
      if (res.status !== 202) throw new Error(`seeding server ${i}: ${res.status} ${JSON.stringify(body)}`);
      expected.push(`/compute/${body.server.id}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  expected.sort();
  await sim.settle();
}

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    delayMs: 0,
    tokens: [TOKEN],
    quotas: {
      'cyclades.vm': COUNT,
      'cyclades.cpu': COUNT,
      'cyclades.total_cpu': COUNT,
      'cyclades.ram': COUNT * GiB,
      'cyclades.total_ram': COUNT * GiB,
      'cyclades.disk': COUNT * 20 * GiB,
    },
  });
  await seed();
  stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-thousand-'));
  const log = createLog({ level: 'warn', write: () => {} });
  engine = new MappingEngine({ identityUrl: sim.identityUrl, log });
  server = await startOcciServer({
    port: 0,
    ruleSet: await loadOk(MAPPINGS),
    stateDir,
    service: engine,
    log,
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await sim?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** GET with node:http: every header line kept, and room for a long header section. */
function getRaw(
  path: string,
  accept: string,
): Promise<{ status: number; rawHeaders: string[]; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        headers: { 'X-Auth-Token': TOKEN, Accept: accept },
        agent: false,
        maxHeaderSize: 4 * 1024 * 1024,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The locations the text renderings give: absolute, under the server's own URL (docs/occi.md). */
const expectedLocations = () => expected.map((path) => `${server.url}${path}`);

// Generous timeouts: a busy machine is slow, and speed is the benchmark's business, not this test's.
describe(`GET /compute/ with ${COUNT} servers`, { timeout: 60_000 }, () => {
  it('the simulator holds them all', () => {
    expect(expected).toHaveLength(COUNT);
    expect(new Set(expected).size).toBe(COUNT);
  });

  it('text/plain: 200, one X-OCCI-Location line per server', async () => {
    const res = await http(server.url, 'GET', '/compute/', {
      headers: { 'X-Auth-Token': TOKEN, Accept: 'text/plain' },
    });
    expect(res.status, res.body.slice(0, 300)).toBe(200);
    const locations = res.body
      .split(/\r?\n/)
      .filter((l) => l.startsWith('X-OCCI-Location:'))
      .map((l) => l.slice('X-OCCI-Location:'.length).trim());
    expect(locations.sort()).toEqual(expectedLocations());
  });

  it('application/occi+json: 200, every server as a resource', async () => {
    const res = await http(server.url, 'GET', '/compute/', {
      headers: { 'X-Auth-Token': TOKEN, Accept: 'application/occi+json' },
    });
    expect(res.status, res.body.slice(0, 300)).toBe(200);
    const doc = res.json as { resources?: { id: string; kind: string }[] };
    const ids = (doc.resources ?? []).map((r) => `/compute/${r.id}`).sort();
    expect(ids).toEqual(expected);
    expect(new Set(doc.resources!.map((r) => r.kind))).toEqual(
      new Set(['http://schemas.ogf.org/occi/infrastructure#compute']),
    );
  });

  it('text/occi: 200, every server in X-OCCI-Location headers', async () => {
    const res = await getRaw('/compute/', 'text/occi');
    expect(res.status, res.body.slice(0, 300)).toBe(200);
    const locations: string[] = [];
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
      if (res.rawHeaders[i]!.toLowerCase() !== 'x-occi-location') continue;
      for (const v of res.rawHeaders[i + 1]!.split(',')) if (v.trim()) locations.push(v.trim());
    }
    expect(locations.sort()).toEqual(expectedLocations());
  });
});
