// A curl session against snf-occi as an operator runs it: `snf-occi simulator` and
// `snf-occi serve --backend <simulator identity URL>` as two separate processes (on ports the OS
// picks, read from their banners), and curl as the OCCI client. The session creates a server from
// templates the query interface lists, waits for it, stops, starts, restarts, renames, resizes,
// lists, filters and deletes it. Skipped, saying why, when curl is not installed.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../support/e2e-stack.js';
import { readCategoryValue, readTextPlainBody } from '../support/occi-clients.js';

const HAS_CURL = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAS_CURL)
  console.warn('test/e2e/curl-session.test.ts: curl is not installed, the curl session is skipped');
const BIN = join(REPO_DIR, 'bin', 'snf-occi.js');
const TOKEN = 'curl-session-token';
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const ACTION = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';

interface Started {
  child: ChildProcess;
  output: string[];
}

/** Starts `snf-occi <args>` and waits until its output matches every pattern; the captures. */
async function startCli(args: string[], patterns: RegExp[], timeoutMs = 20_000) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  const started: Started = { child, output: [] };
  const found = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`snf-occi ${args[0]} did not start in time:\n${started.output.join('')}`)),
      timeoutMs,
    );
    const check = () => {
      const text = started.output.join('');
      const matches = patterns.map((p) => p.exec(text)?.[1]);
      if (matches.every((m) => m !== undefined)) {
        clearTimeout(timer);
        resolve(matches as string[]);
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      started.output.push(chunk.toString());
      check();
    });
    child.stderr!.on('data', (chunk: Buffer) => started.output.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`snf-occi ${args[0]} exited with ${code}:\n${started.output.join('')}`));
    });
  });
  return { started, found };
}

/** Stops a process this suite started (SIGTERM, then SIGKILL if it lingers). */
async function stop(started: Started | undefined): Promise<void> {
  const child = started?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

interface CurlResponse {
  status: number;
  headers: Map<string, string[]>;
  body: string;
}

/** One curl call; `-i` output parsed into status, headers (lower-case names) and body. */
function curl(args: string[]): Promise<CurlResponse> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '-i', '--max-time', '30', ...args],
      { maxBuffer: 8 << 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`curl ${args.join(' ')}: ${stderr || error.message}`));
        const split = stdout.indexOf('\r\n\r\n');
        const head = split < 0 ? stdout : stdout.slice(0, split);
        const body = split < 0 ? '' : stdout.slice(split + 4);
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers = new Map<string, string[]>();
        for (const line of lines) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const name = line.slice(0, colon).trim().toLowerCase();
          headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
        }
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
      },
    );
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a curl session: snf-occi serve and the simulator as separate processes', () => {
  let simulator: Started | undefined;
  let occi: Started | undefined;
  let simUrl = '';
  let occiUrl = '';
  let stateDir = '';

  /** curl against snf-occi, with the token and Accept: text/plain. */
  const occiCurl = (method: string, path: string, ...headers: string[]) =>
    curl([
      '-X',
      method,
      '-H',
      `X-Auth-Token: ${TOKEN}`,
      '-H',
      'Accept: text/plain',
      ...headers.flatMap((h) => ['-H', h]),
      // Locations the server gave are absolute: curl them as given.
      /^https?:\/\//.test(path) ? path : occiUrl + path,
    ]);

  /** The OCCI fields of a text/plain body. */
  const fields = (r: CurlResponse) => readTextPlainBody(r.body);
  const attribute = (r: CurlResponse, name: string) =>
    fields(r)
      .filter(([n]) => n === 'x-occi-attribute')
      .map(([, v]) => v)
      .find((v) => v.startsWith(`${name}=`))
      ?.slice(name.length + 1);
  const locations = (r: CurlResponse) =>
    fields(r)
      .filter(([n]) => n === 'x-occi-location')
      .map(([, v]) => v);
  const mixins = (r: CurlResponse) =>
    fields(r)
      .filter(([n]) => n === 'category')
      .map(([, v]) => readCategoryValue(v))
      .filter((c) => c.class === 'mixin')
      .map((c) => c.scheme + c.term);

  /** Polls GET until the compute's state is `state` (a quoted attribute value). */
  const waitForState = async (location: string, state: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await occiCurl('GET', location);
      expect(r.status).toBe(200);
      if (attribute(r, 'occi.compute.state') === `"${state}"`) return r;
      if (Date.now() > deadline) throw new Error(`${location} never became ${state}:\n${r.body}`);
      await sleep(50);
    }
  };

  const action = (location: string, term: string, ...attributes: string[]) =>
    occiCurl(
      'POST',
      `${location}?action=${term}`,
      `Category: ${term}; scheme="${ACTION}"; class="action"`,
      ...attributes.map((a) => `X-OCCI-Attribute: ${a}`),
    );

  beforeAll(async () => {
    if (!HAS_CURL) return;
    stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-curl-'));
    const sim = await startCli(
      ['simulator', '--port', '0', '--token', TOKEN, '--delay-ms', '50'],
      [/listening on (http:\/\/\S+)/, /Identity \(Astakos\) URL: (http:\/\/\S+)/],
    );
    simulator = sim.started;
    simUrl = sim.found[0]!;
    const served = await startCli(
      [
        'serve',
        '--port',
        '0',
        '--backend',
        sim.found[1]!,
        '--state-dir',
        stateDir,
        '--no-watch',
        '--log-level',
        'warn',
      ],
      [/serving OCCI on (http:\/\/\S+?) /],
    );
    occi = served.started;
    occiUrl = served.found[0]!;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stop(occi), stop(simulator)]);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  (HAS_CURL ? it : it.skip)(
    HAS_CURL
      ? 'creates, waits for, stops, starts, restarts, renames, resizes, lists, filters and deletes a server'
      : 'curl session (skipped: curl is not installed)',
    async () => {
      // The templates, as the query interface lists them.
      const query = await occiCurl('GET', '/-/');
      expect(query.status).toBe(200);
      const categories = fields(query)
        .filter(([n]) => n === 'category')
        .map(([, v]) => readCategoryValue(v));
      const template = (parent: string, title: string) => {
        const found = categories.find((c) => c.rel.includes(INFRA + parent) && c.title === title);
        if (!found) throw new Error(`no ${parent} titled ${title} in GET /-/`);
        return found;
      };
      const debian = template('os_tpl', 'Debian Base');
      const small = template('resource_tpl', 'C1R1024D20drbd');
      const bigger = template('resource_tpl', 'C1R2048D20drbd');
      const categoryHeader = (c: { term: string; scheme: string }) =>
        `Category: ${c.term}; scheme="${c.scheme}"; class="mixin"`;

      // Create.
      const created = await occiCurl(
        'POST',
        '/compute/',
        'Content-Type: text/occi',
        `Category: compute; scheme="${INFRA}"; class="kind"`,
        categoryHeader(debian),
        categoryHeader(small),
        'X-OCCI-Attribute: occi.core.title="curl-vm"',
      );
      expect(created.status, created.body).toBe(201);
      // The location, absolute (under the address serve listens on), in the header and the body.
      const location = created.headers.get('location')?.[0] ?? '';
      expect(location).toMatch(new RegExp(`^${occiUrl}/compute/\\d+$`));
      expect(locations(created)).toEqual([location]);

      // Wait for active.
      const active = await waitForState(location, 'active');
      expect(attribute(active, 'occi.core.title')).toBe('"curl-vm"');
      expect(mixins(active)).toEqual(
        expect.arrayContaining([debian.scheme + debian.term, small.scheme + small.term]),
      );

      // Stop, start, restart.
      expect((await action(location, 'stop')).status).toBe(200);
      await waitForState(location, 'inactive');
      expect((await action(location, 'start')).status).toBe(200);
      await waitForState(location, 'active');
      // The restart answers once the server is REBOOT (inactive): waiting for active waits for the reboot.
      expect((await action(location, 'restart', 'method="graceful"')).status).toBe(200);
      await waitForState(location, 'active');

      // Rename.
      const renamed = await occiCurl(
        'POST',
        location,
        'Content-Type: text/occi',
        'X-OCCI-Attribute: occi.core.title="curl-renamed"',
      );
      expect(renamed.status, renamed.body).toBe(200);
      expect(attribute(renamed, 'occi.core.title')).toBe('"curl-renamed"');

      // Resize to the bigger template: stopped, resized, started again.
      const resized = await occiCurl('POST', location, 'Content-Type: text/occi', categoryHeader(bigger));
      expect(resized.status, resized.body).toBe(200);
      const after = await waitForState(location, 'active');
      expect(mixins(after)).toContain(bigger.scheme + bigger.term);
      expect(mixins(after)).not.toContain(small.scheme + small.term);
      expect(attribute(after, 'occi.compute.memory')).toBe('2');

      // List and filter.
      expect(locations(await occiCurl('GET', '/compute/'))).toContain(location);
      expect(
        locations(await occiCurl('GET', '/compute/', 'X-OCCI-Attribute: occi.core.title="curl-renamed"')),
      ).toEqual([location]);
      expect(
        locations(await occiCurl('GET', '/compute/', 'X-OCCI-Attribute: occi.core.title="curl-vm"')),
      ).toEqual([]);
      expect(locations(await occiCurl('GET', '/compute/', categoryHeader(bigger)))).toEqual([location]);
      expect(locations(await occiCurl('GET', '/compute/', categoryHeader(small)))).toEqual([]);

      // Delete: gone from snf-occi and from the simulator.
      expect((await occiCurl('DELETE', location)).status).toBe(200);
      const deadline = Date.now() + 15_000;
      while ((await occiCurl('GET', location)).status !== 404) {
        if (Date.now() > deadline) throw new Error(`${location} was never deleted`);
        await sleep(50);
      }
      expect(locations(await occiCurl('GET', '/compute/'))).not.toContain(location);
      const state = JSON.parse((await curl([`${simUrl}/_simulator/state`])).body) as {
        users: Record<string, { servers: unknown[] }>;
      };
      expect(Object.values(state.users).flatMap((u) => u.servers)).toEqual([]);

      // No token, no service: the Keystone challenge names the simulator's identity service.
      const anonymous = await curl(['-H', 'Accept: text/plain', `${occiUrl}/compute/`]);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toEqual([`Keystone uri='${simUrl}/identity'`]);
      // The token appears in the simulator's banner (by design), never in snf-occi's output.
      expect(occi!.output.join('')).not.toContain(TOKEN);
    },
    60_000,
  );
});
