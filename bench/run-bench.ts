// `npm run bench`: snf-occi against a bare pass-through proxy in front of the same simulator, on
// loopback, in interleaved rounds (A, B, A, B…) driven by wrk; prints one table of figures next to
// their goals (issue 12, and issue 16's workers ratio). A benchmark: it prints, it never fails on
// timing. The measured servers run as an operator runs them: `node bin/snf-occi.js` (compiled dist/).
//
//   npm run bench -- [--quick] [--json] [--seconds S] [--rounds N] [--connections C] [--root DIR]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seedServers, computeUrl, quotaArgs } from './seed.js';
import {
  cpuSeconds,
  freePort,
  hasCommand,
  pinned,
  rssMb,
  type Started,
  start,
  stopAll,
  treeCpuSeconds,
} from './processes.js';
import { fmt, median, pick, type Round, type Row, ratio, spread, statusNote, table } from './report.js';
import { runWrk } from './wrk.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const TOKEN = 'bench-token';
const LIST_TOKEN = 'bench-list-token';
const JSON_ACCEPT = { accept: 'application/occi+json' };

/** The parts of a run, for --only. */
const PARTS = [
  'get-text',
  'get-json',
  'list-text',
  'list-json',
  'query-text',
  'query-json',
  'no-token',
  'startup',
  'workers',
];

const USAGE = `Usage: npm run bench -- [options]

  --quick          short rounds (1 s, 3 each, 2 start-ups): a smoke run, figures are rough
  --json           print the results as JSON instead of the table
  --seconds S      duration of each wrk round (default 5)
  --rounds N       rounds per process and scenario, interleaved (default 3)
  --connections C  wrk connections (default 10; the 1,000-server list uses 1)
  --servers N      servers of the list user (default 1000)
  --startups N     start-up measurements per process (default 5)
  --root DIR       the snf-occi checkout to measure (default: this one)
  --log-level L    snf-occi's --log-level (default warn: no line per request)
  --only LIST      run only these parts, comma-separated: ${PARTS.join(', ')}
  --no-pin         do not pin processes to cores`;

interface Options {
  json: boolean;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  connections: number;
  servers: number;
  startups: number;
  root: string;
  logLevel: string;
  pin: boolean;
  /** Parts to run (all when undefined). */
  only?: Set<string>;
}

const runs = (o: Options, part: string) => o.only === undefined || o.only.has(part);

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      servers: { type: 'string' },
      startups: { type: 'string' },
      root: { type: 'string' },
      'log-level': { type: 'string' },
      'no-pin': { type: 'boolean' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const num = (v: string | undefined, fallback: number, what: string) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number, got '${v}'`);
    return n;
  };
  const seconds = num(values.seconds, quick ? 1 : 5, '--seconds');
  const only = values.only === undefined ? undefined : new Set(values.only.split(','));
  for (const part of only ?? []) {
    if (!PARTS.includes(part)) throw new Error(`--only: unknown part '${part}' (${PARTS.join(', ')})`);
  }
  return {
    json: values.json === true,
    seconds,
    warmupSeconds: quick ? 1 : Math.min(3, seconds),
    rounds: Math.round(num(values.rounds, 3, '--rounds')),
    connections: Math.round(num(values.connections, 10, '--connections')),
    servers: Math.round(num(values.servers, 1000, '--servers')),
    startups: Math.round(num(values.startups, quick ? 2 : 5, '--startups')),
    root: values.root ?? join(HERE, '..'),
    logLevel: values['log-level'] ?? 'warn',
    pin: values['no-pin'] !== true,
    ...(only ? { only } : {}),
  };
}

/** What one wrk run is pointed at, and whose CPU it reads. */
interface Target {
  name: string;
  proc: Started;
  url: string;
  headers: Record<string, string>;
  connections?: number;
  /** Count the process's cluster workers too. */
  tree?: boolean;
}

interface Bench {
  o: Options;
  /** Core for the measured server; the simulator and wrk share the other one. */
  serverCore?: number;
  otherCore?: number;
  sim: Started;
  rounds: Round[];
  log(line: string): void;
}

async function probe(url: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return res.status;
}

async function measure(
  b: Bench,
  scenario: string,
  t: Target,
  seconds: number,
  status: number,
): Promise<Round> {
  const cpu = () => (t.tree ? treeCpuSeconds(t.proc.pid) : cpuSeconds(t.proc.pid));
  let rssMax = rssMb(t.proc.pid, t.tree);
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssMb(t.proc.pid, t.tree));
  }, 200);
  const [cpu0, sim0] = [cpu(), cpuSeconds(b.sim.pid)];
  const w = await runWrk({
    url: t.url,
    seconds,
    connections: t.connections ?? b.o.connections,
    threads: 1,
    headers: t.headers,
    ...(b.otherCore === undefined ? {} : { core: b.otherCore }),
  });
  const [cpu1, sim1] = [cpu(), cpuSeconds(b.sim.pid)];
  clearInterval(sampler);
  rssMax = Math.max(rssMax, rssMb(t.proc.pid, t.tree));
  const perRequest = (s: number) => (w.requests > 0 ? (s / w.requests) * 1e6 : Number.NaN);
  return {
    ...w,
    scenario,
    target: t.name,
    cpuPerRequestUs: perRequest(cpu1 - cpu0),
    backendCpuPerRequestUs: perRequest(sim1 - sim0),
    wrkCpuPerRequestUs: perRequest(w.cpuSeconds),
    rssMaxMb: rssMax,
    status,
  };
}

/** Warm-up, then rounds A, B, A, B… (B optional). */
async function interleave(b: Bench, scenario: string, a: Target, other?: Target): Promise<void> {
  if (!runs(b.o, scenario)) return;
  const targets = other ? [a, other] : [a];
  const status = new Map<Target, number>();
  for (const t of targets) {
    status.set(t, await probe(t.url, t.headers));
    await runWrk({
      url: t.url,
      seconds: b.o.warmupSeconds,
      connections: t.connections ?? b.o.connections,
      threads: 1,
      headers: t.headers,
      ...(b.otherCore === undefined ? {} : { core: b.otherCore }),
    });
  }
  for (let i = 0; i < b.o.rounds; i++) {
    for (const t of targets) {
      const r = await measure(b, scenario, t, b.o.seconds, status.get(t)!);
      b.rounds.push(r);
      b.log(
        `  ${scenario} ${t.name} round ${i + 1}: ${fmt(r.rps)} req/s, ${fmt(r.cpuPerRequestUs)} µs CPU/req, ` +
          `p50 ${fmt(r.p50Ms, 2)} ms${statusNote([r])}`,
      );
    }
  }
}

/** Spawn → first 200 of GET /compute/{id}, in ms (polling the port until it answers). */
async function startupMs(b: Bench, cmd: string[], url: (port: number) => string): Promise<number> {
  const port = await freePort();
  const argv = cmd.map((a) => (a === '{port}' ? String(port) : a));
  const [file, args] = pinned(b.serverCore, argv[0]!, argv.slice(1));
  const t0 = performance.now();
  const child = spawn(file, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (performance.now() - t0 > 60_000) return Number.NaN;
      if (child.exitCode !== null) return Number.NaN;
      try {
        if ((await probe(url(port), { 'x-auth-token': TOKEN })) === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function machine(o: Options, wrkVersion: string) {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
    node: process.version,
    generator: `${wrkVersion.split('\n')[0]?.split(' Copyright')[0] ?? 'wrk'} (-t1 -c${o.connections})`,
  };
}

async function run(o: Options): Promise<void> {
  const wrkVersion = hasCommand('wrk', ['--version']);
  if (!wrkVersion) {
    console.error('bench: wrk is not installed (Debian: apt-get install wrk)');
    process.exitCode = 1;
    return;
  }
  const bin = join(o.root, 'bin', 'snf-occi.js');
  const pin = o.pin && cpus().length >= 2 && hasCommand('taskset', ['-V']) !== undefined;
  const serverCore = pin ? 0 : undefined;
  const otherCore = pin ? 1 : undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'snf-occi-bench-'));
  const log = (line: string) => {
    if (!o.json) console.error(line);
  };
  const before = machine(o, wrkVersion);
  log(
    `bench: ${before.cores} cores, load ${before.loadavg.join(' ')}, node ${before.node}, ${before.generator}`,
  );
  try {
    const sim = await start(
      'simulator',
      'node',
      [bin, 'simulator', '--port', '0', '--token', TOKEN, '--token', LIST_TOKEN, '--delay-ms', '0'].concat(
        quotaArgs(o.servers),
      ),
      { core: otherCore, banner: /listening on (http:\/\/\S+)[\s\S]*Identity \(Astakos\) URL: (\S+)\n/ },
    );
    const identity = sim.groups[1]!;
    const [serverId] = await seedServers(sim.url, TOKEN, 1);
    if (runs(o, 'list-text') || runs(o, 'list-json')) await seedServers(sim.url, LIST_TOKEN, o.servers);
    log(`bench: simulator on ${sim.url}, server ${serverId}, ${o.servers} servers for the list user`);
    const serveArgs = [
      bin,
      'serve',
      '--backend',
      identity,
      '--log-level',
      o.logLevel,
      '--state-dir',
      stateDir,
    ];
    const occi = await start('snf-occi', 'node', [...serveArgs, '--port', '0'], {
      core: serverCore,
      banner: /serving OCCI on (http:\/\/\S+) /,
    });
    const bareScript = join(HERE, 'bare-proxy.js');
    const bare = await start('bare proxy', 'node', [bareScript, '0', computeUrl(sim.url)], {
      core: serverCore,
      banner: /listening on (http:\/\/\S+)/,
    });
    const b: Bench = { o, serverCore, otherCore, sim, rounds: [], log };
    const auth = { 'x-auth-token': TOKEN };
    const listAuth = { 'x-auth-token': LIST_TOKEN };
    const entity = `/compute/${serverId}`;

    // Idle: started and answered once (sessions and templates cached), before any load.
    await probe(occi.url + entity, auth);
    await probe(bare.url + entity, auth);
    const rssIdle = { occi: rssMb(occi.pid), bare: rssMb(bare.pid) };

    const t = (name: string, proc: Started, path: string, headers: Record<string, string>, c?: number) => ({
      name,
      proc,
      url: proc.url + path,
      headers,
      ...(c === undefined ? {} : { connections: c }),
    });
    log('bench: GET /compute/{id}, text/plain and JSON');
    await interleave(b, 'get-text', t('snf-occi', occi, entity, auth), t('bare', bare, entity, auth));
    await interleave(
      b,
      'get-json',
      t('snf-occi', occi, entity, { ...auth, ...JSON_ACCEPT }),
      t('bare', bare, entity, auth),
    );
    log(`bench: GET /compute/ with ${o.servers} servers against the backend's own GET /servers/detail`);
    const backendList = t('backend', sim, '/compute/v2.0/servers/detail', listAuth, 1);
    await interleave(b, 'list-text', t('snf-occi', occi, '/compute/', listAuth, 1), backendList);
    await interleave(
      b,
      'list-json',
      t('snf-occi', occi, '/compute/', { ...listAuth, ...JSON_ACCEPT }, 1),
      backendList,
    );
    log('bench: GET /-/ and the 401 path');
    await interleave(b, 'query-text', t('snf-occi', occi, '/-/', auth));
    await interleave(b, 'query-json', t('snf-occi', occi, '/-/', { ...auth, ...JSON_ACCEPT }));
    await interleave(b, 'no-token', t('snf-occi', occi, entity, {}));

    log('bench: start-up (spawn → first 200 of GET /compute/{id})');
    const startup = { occi: [] as number[], bare: [] as number[] };
    for (let i = 0; runs(o, 'startup') && i < o.startups; i++) {
      startup.occi.push(
        await startupMs(
          b,
          ['node', ...serveArgs, '--port', '{port}'],
          (p) => `http://127.0.0.1:${p}${entity}`,
        ),
      );
      startup.bare.push(
        await startupMs(
          b,
          ['node', bareScript, '{port}', computeUrl(sim.url)],
          (p) => `http://127.0.0.1:${p}${entity}`,
        ),
      );
    }

    const workers = await workerRounds(b, bin, serveArgs, entity, auth);
    await Promise.all([occi.stop(), bare.stop()]);
    await sim.stop();
    const after = machine(o, wrkVersion);
    const rows = summarise(b.rounds, { rssIdle, startup, workers, o });
    if (o.json) {
      const result = { machine: { ...before, loadavgAfter: after.loadavg, pinned: pin }, options: o, rows };
      console.log(JSON.stringify({ ...result, startup, rssIdle, rounds: b.rounds }, null, 2));
      return;
    }
    const pinning = pin
      ? 'snf-occi and the bare proxy pinned to core 0, the simulator and wrk to core 1 (taskset)'
      : 'not pinned';
    console.log(
      [
        `Machine: ${before.cores} × ${before.cpu}, load average ${before.loadavg.join(' ')} before, ` +
          `${after.loadavg.join(' ')} after; node ${before.node}; ${pinning}.`,
        `Load generator: ${before.generator}; ${o.rounds} interleaved rounds of ${o.seconds} s per process; ` +
          `snf-occi --log-level ${o.logLevel}; figures: median (min–max) over rounds.`,
        '',
        table(rows),
      ].join('\n'),
    );
  } finally {
    stopAll();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Issue 16: GET compute with 1 and 2 workers, when `serve --workers` exists. */
async function workerRounds(
  b: Bench,
  bin: string,
  serveArgs: string[],
  entity: string,
  auth: Record<string, string>,
): Promise<{ one: Round[]; two: Round[] } | undefined> {
  if (!runs(b.o, 'workers')) return undefined;
  const help = execFileSync('node', [bin, 'serve', '--help'], { encoding: 'utf8' });
  if (!/--workers\b/.test(help)) return undefined;
  b.log('bench: GET /compute/{id} with --workers 1 and --workers 2 (not pinned)');
  const unpinned: Bench = { ...b, serverCore: undefined, otherCore: undefined, rounds: [] };
  const banner = /serving OCCI on (http:\/\/\S+) /;
  const one = await start('workers 1', 'node', [...serveArgs, '--port', '0', '--workers', '1'], { banner });
  const two = await start('workers 2', 'node', [...serveArgs, '--port', '0', '--workers', '2'], { banner });
  try {
    await interleave(
      unpinned,
      'workers',
      { name: 'workers-1', proc: one, url: one.url + entity, headers: auth, tree: true },
      { name: 'workers-2', proc: two, url: two.url + entity, headers: auth, tree: true },
    );
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
  b.rounds.push(...unpinned.rounds);
  return {
    one: pick(unpinned.rounds, 'workers', 'workers-1'),
    two: pick(unpinned.rounds, 'workers', 'workers-2'),
  };
}

interface Extras {
  rssIdle: { occi: number; bare: number };
  startup: { occi: number[]; bare: number[] };
  workers: { one: Round[]; two: Round[] } | undefined;
  o: Options;
}

function summarise(rounds: Round[], x: Extras): Row[] {
  const rows: Row[] = [];
  const m = (rs: Round[], f: (r: Round) => number) => median(rs.map(f));
  const s = (rs: Round[], f: (r: Round) => number, d = 0) => spread(rs.map(f), d);
  for (const [scenario, label] of [
    ['get-text', 'text/plain'],
    ['get-json', 'JSON'],
  ] as const) {
    const a = pick(rounds, scenario, 'snf-occi');
    const b = pick(rounds, scenario, 'bare');
    if (a.length === 0) continue;
    const rps = m(a, (r) => r.rps) / m(b, (r) => r.rps);
    rows.push({
      metric: `GET /compute/{id} req/s, ${label}`,
      snfOcci: s(a, (r) => r.rps) + statusNote(a),
      reference: s(b, (r) => r.rps) + statusNote(b),
      ratio: ratio(
        m(a, (r) => r.rps),
        m(b, (r) => r.rps),
      ),
      goal: '≥ 0.8×',
      met: rps >= 0.8 && statusNote(a) === '',
    });
    const cpu = m(a, (r) => r.cpuPerRequestUs) / m(b, (r) => r.cpuPerRequestUs);
    rows.push({
      metric: `CPU per request (µs), ${label}`,
      snfOcci: s(a, (r) => r.cpuPerRequestUs),
      reference: s(b, (r) => r.cpuPerRequestUs),
      ratio: ratio(
        m(a, (r) => r.cpuPerRequestUs),
        m(b, (r) => r.cpuPerRequestUs),
      ),
      goal: '≤ 1.25×',
      met: cpu <= 1.25,
    });
    rows.push({
      metric: `p50 / p99 latency (ms), ${label}`,
      snfOcci: `${fmt(
        m(a, (r) => r.p50Ms),
        2,
      )} / ${fmt(
        m(a, (r) => r.p99Ms),
        2,
      )}`,
      reference: `${fmt(
        m(b, (r) => r.p50Ms),
        2,
      )} / ${fmt(
        m(b, (r) => r.p99Ms),
        2,
      )}`,
      ratio: `${ratio(
        m(a, (r) => r.p50Ms),
        m(b, (r) => r.p50Ms),
      )} / ${ratio(
        m(a, (r) => r.p99Ms),
        m(b, (r) => r.p99Ms),
      )}`,
      goal: '(none set; follows req/s)',
    });
  }
  for (const [scenario, label] of [
    ['list-text', 'text/plain'],
    ['list-json', 'JSON'],
  ] as const) {
    const a = pick(rounds, scenario, 'snf-occi');
    const b = pick(rounds, scenario, 'backend');
    if (a.length === 0) continue;
    const lat = m(a, (r) => r.p50Ms) / m(b, (r) => r.p50Ms);
    rows.push({
      metric: `GET /compute/ with ${fmt(x.o.servers)} servers, ${label}: p50 latency (ms) vs the backend's GET /servers/detail`,
      snfOcci: s(a, (r) => r.p50Ms, 1) + statusNote(a),
      reference: s(b, (r) => r.p50Ms, 1) + statusNote(b),
      ratio: ratio(
        m(a, (r) => r.p50Ms),
        m(b, (r) => r.p50Ms),
      ),
      goal: '200, ≤ 2×',
      met: lat <= 2 && statusNote(a) === '',
    });
  }
  for (const [scenario, label, goal, limit] of [
    ['query-text', 'GET /-/ CPU per request (µs), text/plain', '≤ 300 µs', 300],
    ['query-json', 'GET /-/ CPU per request (µs), JSON', '≤ 300 µs', 300],
    ['no-token', '401 without token, CPU per request (µs)', '≤ 100 µs', 100],
  ] as const) {
    const a = pick(rounds, scenario, 'snf-occi');
    if (a.length === 0) continue;
    const cpu = m(a, (r) => r.cpuPerRequestUs);
    const expected = scenario === 'no-token' ? a[0]?.status === 401 : statusNote(a) === '';
    rows.push({
      metric: label,
      snfOcci:
        s(a, (r) => r.cpuPerRequestUs) +
        (scenario === 'no-token' ? ` [status ${a[0]?.status}]` : statusNote(a)),
      reference: '—',
      ratio: '—',
      goal,
      met: cpu <= limit && expected,
    });
  }
  const occiRounds = rounds.filter((r) => r.target === 'snf-occi');
  const bareRounds = rounds.filter((r) => r.target === 'bare');
  rows.push({
    metric: 'RSS idle (MB, started and answered once)',
    snfOcci: fmt(x.rssIdle.occi),
    reference: fmt(x.rssIdle.bare),
    ratio: ratio(x.rssIdle.occi, x.rssIdle.bare, 1),
    goal: '≤ 80 MB',
    met: x.rssIdle.occi <= 80,
  });
  const rssLoad = Math.max(...occiRounds.map((r) => r.rssMaxMb));
  if (occiRounds.length > 0)
    rows.push({
      metric: 'RSS under load (MB, highest sampled)',
      snfOcci: fmt(rssLoad),
      reference: fmt(Math.max(...bareRounds.map((r) => r.rssMaxMb))),
      ratio: '—',
      goal: '≤ 150 MB',
      met: rssLoad <= 150,
    });
  const up = median(x.startup.occi);
  if (x.startup.occi.length > 0)
    rows.push({
      metric: `\`serve\` start to first answered request (ms, ${x.startup.occi.length} runs)`,
      snfOcci: spread(x.startup.occi),
      reference: spread(x.startup.bare),
      ratio: ratio(up, median(x.startup.bare), 1),
      goal: '≤ 1,000 ms',
      met: up <= 1000,
    });
  if (x.workers) {
    const r1 = m(x.workers.one, (r) => r.rps);
    const r2 = m(x.workers.two, (r) => r.rps);
    const wrk2 = m(x.workers.two, (r) => r.wrkCpuPerRequestUs * r.rps) / 1e6;
    rows.push({
      metric: 'GET /compute/{id} req/s, 2 workers vs 1 (issue 16)',
      snfOcci: `${fmt(r2)} vs ${fmt(r1)}`,
      reference: `wrk used ${fmt(wrk2 * 100)} % of a core at 2 workers`,
      ratio: ratio(r2, r1),
      goal: '≥ 1.6×',
      met: r2 / r1 >= 1.6,
    });
  } else if (runs(x.o, 'workers')) {
    rows.push({
      metric: 'GET /compute/{id} req/s, 2 workers vs 1 (issue 16)',
      snfOcci: 'n/a (no --workers yet)',
      reference: '—',
      ratio: '—',
      goal: '≥ 1.6×',
    });
  }
  const getRounds = rounds.filter((r) => r.scenario.startsWith('get-'));
  if (getRounds.length === 0) return rows;
  const wrkOcci = getRounds.filter((r) => r.target === 'snf-occi');
  const wrkBare = getRounds.filter((r) => r.target === 'bare');
  // The hardest case for the generator: the cheapest process, the most requests per second.
  const wrkUs = m(wrkBare, (r) => r.wrkCpuPerRequestUs);
  const bareUs = m(wrkBare, (r) => r.cpuPerRequestUs);
  rows.push({
    metric: 'load generator (wrk) CPU per request (µs), GET /compute/{id}, in the rounds of each',
    snfOcci: s(wrkOcci, (r) => r.wrkCpuPerRequestUs),
    reference: s(wrkBare, (r) => r.wrkCpuPerRequestUs),
    ratio: `${ratio(wrkUs, bareUs)} of the bare proxy's own`,
    goal: "< the measured process's",
    met: wrkUs < bareUs,
  });
  rows.push({
    metric: 'backend (simulator) CPU per request (µs), GET /compute/{id} text/plain',
    snfOcci: s(pick(rounds, 'get-text', 'snf-occi'), (r) => r.backendCpuPerRequestUs),
    reference: s(pick(rounds, 'get-text', 'bare'), (r) => r.backendCpuPerRequestUs),
    ratio: '—',
    goal: '(context)',
  });
  return rows;
}

process.once('SIGINT', () => {
  stopAll();
  process.exit(130);
});
try {
  await run(options(process.argv.slice(2)));
} catch (e) {
  stopAll();
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 1;
}
