// `npm run bench`: snf-occi against a bare pass-through proxy in front of the same simulator, on
// loopback, in interleaved rounds (A, B, A, B…) driven by wrk; prints one table of figures next to
// their goals (issue 12, and issue 16's workers ratio). A benchmark: it prints, it never fails on
// timing. The measured servers run as an operator runs them: `node bin/snf-occi.js` (compiled dist/).
//
//   npm run bench -- [--quick] [--json] [--only PARTS] [--baseline DIR] …   (--help lists them)
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
import { fmt, pick, type Round, statusNote, table } from './report.js';
import { baselineRows, summarise } from './summary.js';
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
  'store',
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
  --baseline DIR   also measure the snf-occi of another checkout (built), in the same
                   interleaved rounds, and print this build against it: how a change pays
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
  baseline?: string;
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
      baseline: { type: 'string' },
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
    ...(values.baseline ? { baseline: values.baseline } : {}),
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
  /** Also read this process's CPU (a store the target uses). */
  side?: Started;
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
  const sideCpu = () => (t.side ? cpuSeconds(t.side.pid) : 0);
  const [cpu0, sim0, side0] = [cpu(), cpuSeconds(b.sim.pid), sideCpu()];
  const w = await runWrk({
    url: t.url,
    seconds,
    connections: t.connections ?? b.o.connections,
    threads: 1,
    headers: t.headers,
    ...(b.otherCore === undefined ? {} : { core: b.otherCore }),
  });
  const [cpu1, sim1, side1] = [cpu(), cpuSeconds(b.sim.pid), sideCpu()];
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
    ...(t.side ? { sideCpuPerRequestUs: perRequest(side1 - side0) } : {}),
    rssMaxMb: rssMax,
    status,
  };
}

/** Warm-up, then rounds A, B, C, A, B, C… over the targets. */
async function interleave(b: Bench, scenario: string, targets: Target[]): Promise<void> {
  if (!runs(b.o, scenario)) return;
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

/** One start: wall time and the process's own CPU time from spawn to its first 200, in ms. */
interface Startup {
  ms: number;
  cpuMs: number;
}

/** Spawn → first 200 of GET {path}, polling the port until it answers. */
async function startOnce(b: Bench, cmd: string[], path: string): Promise<Startup> {
  const port = await freePort();
  const argv = cmd.map((a) => (a === '{port}' ? String(port) : a));
  const [file, args] = pinned(b.serverCore, argv[0]!, argv.slice(1));
  const t0 = performance.now();
  const child = spawn(file, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = { ms: Number.NaN, cpuMs: Number.NaN };
  try {
    for (;;) {
      if (performance.now() - t0 > 60_000 || child.exitCode !== null) return failed;
      try {
        const status = await probe(`http://127.0.0.1:${port}${path}`, { 'x-auth-token': TOKEN });
        if (status === 200) return { ms: performance.now() - t0, cpuMs: cpuSeconds(child.pid!) * 1000 };
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
    const serveArgsOf = (binary: string) => [
      binary,
      'serve',
      '--backend',
      identity,
      '--log-level',
      o.logLevel,
      '--state-dir',
      stateDir,
    ];
    const serveArgs = serveArgsOf(bin);
    const banner = /serving OCCI on (http:\/\/\S+) /;
    const occi = await start('snf-occi', 'node', [...serveArgs, '--port', '0'], { core: serverCore, banner });
    const baselineArgs = o.baseline ? serveArgsOf(join(o.baseline, 'bin', 'snf-occi.js')) : undefined;
    const baseline = baselineArgs
      ? await start('baseline', 'node', [...baselineArgs, '--port', '0'], { core: serverCore, banner })
      : undefined;
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
    for (const p of [occi, bare, ...(baseline ? [baseline] : [])]) await probe(p.url + entity, auth);
    const rssIdle = {
      occi: rssMb(occi.pid),
      bare: rssMb(bare.pid),
      ...(baseline ? { baseline: rssMb(baseline.pid) } : {}),
    };

    const t = (name: string, proc: Started, path: string, headers: Record<string, string>, c?: number) => ({
      name,
      proc,
      url: proc.url + path,
      headers,
      ...(c === undefined ? {} : { connections: c }),
    });
    /** snf-occi, and the baseline's snf-occi right after it when there is one. */
    const occiT = (path: string, headers: Record<string, string>, c?: number) => [
      t('snf-occi', occi, path, headers, c),
      ...(baseline ? [t('baseline', baseline, path, headers, c)] : []),
    ];
    log('bench: GET /compute/{id}, text/plain and JSON');
    await interleave(b, 'get-text', [...occiT(entity, auth), t('bare', bare, entity, auth)]);
    await interleave(b, 'get-json', [
      ...occiT(entity, { ...auth, ...JSON_ACCEPT }),
      t('bare', bare, entity, auth),
    ]);
    log(`bench: GET /compute/ with ${o.servers} servers against the backend's own GET /servers/detail`);
    const backendList = t('backend', sim, '/compute/v2.0/servers/detail', listAuth, 1);
    await interleave(b, 'list-text', [...occiT('/compute/', listAuth, 1), backendList]);
    await interleave(b, 'list-json', [
      ...occiT('/compute/', { ...listAuth, ...JSON_ACCEPT }, 1),
      backendList,
    ]);
    log('bench: GET /-/ and the 401 path');
    await interleave(b, 'query-text', occiT('/-/', auth));
    await interleave(b, 'query-json', occiT('/-/', { ...auth, ...JSON_ACCEPT }));
    await interleave(b, 'no-token', occiT(entity, {}));

    if (runs(o, 'startup')) log('bench: start-up (spawn → first 200 of GET /compute/{id})');
    const startup = { occi: [] as number[], bare: [] as number[], baseline: [] as number[] };
    const startupCpu = { occi: [] as number[], bare: [] as number[], baseline: [] as number[] };
    const commands = {
      occi: ['node', ...serveArgs, '--port', '{port}'],
      ...(baselineArgs ? { baseline: ['node', ...baselineArgs, '--port', '{port}'] } : {}),
      bare: ['node', bareScript, '{port}', computeUrl(sim.url)],
    };
    for (let i = 0; runs(o, 'startup') && i < o.startups; i++) {
      for (const [name, cmd] of Object.entries(commands) as [keyof typeof startup, string[]][]) {
        const one = await startOnce(b, cmd, entity);
        startup[name].push(one.ms);
        startupCpu[name].push(one.cpuMs);
      }
    }

    const workers = await workerRounds(b, bin, serveArgs, entity, auth);
    const store = await storeRounds(b, occi, serveArgs, entity, auth);
    await Promise.all([occi.stop(), bare.stop(), baseline?.stop()]);
    await sim.stop();
    const after = machine(o, wrkVersion);
    const extras = {
      servers: o.servers,
      rssIdle,
      startup,
      startupCpu,
      workers,
      workersRan: runs(o, 'workers'),
      cores: cpus().length,
      store,
    };
    const rows = summarise(b.rounds, extras);
    const against = o.baseline ? baselineRows(b.rounds, extras) : [];
    if (o.json) {
      const machineOut = { ...before, loadavgAfter: after.loadavg, pinned: pin };
      const options = { ...o, only: o.only ? [...o.only] : undefined };
      const result = { machine: machineOut, options, rows, ...(o.baseline ? { baselineRows: against } : {}) };
      console.log(JSON.stringify({ ...result, startup, startupCpu, rssIdle, rounds: b.rounds }, null, 2));
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
        ...(o.baseline
          ? [
              '',
              `This build (${o.root}) against --baseline ${o.baseline}:`,
              '',
              table(against, ['this build', 'baseline']),
            ]
          : []),
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
  // Each worker compiles its own hot code (V8 takes some 8 s of load per process to settle) and
  // gets half the warm-up's requests: warm up long enough for both to be steady before measuring.
  const o = { ...b.o, warmupSeconds: Math.max(12, b.o.warmupSeconds) };
  const unpinned: Bench = { ...b, o, serverCore: undefined, otherCore: undefined, rounds: [] };
  const banner = /serving OCCI on (http:\/\/\S+) /;
  const one = await start('workers 1', 'node', [...serveArgs, '--port', '0', '--workers', '1'], { banner });
  const two = await start('workers 2', 'node', [...serveArgs, '--port', '0', '--workers', '2'], { banner });
  try {
    await interleave(unpinned, 'workers', [
      { name: 'workers-1', proc: one, url: one.url + entity, headers: auth, tree: true },
      { name: 'workers-2', proc: two, url: two.url + entity, headers: auth, tree: true },
    ]);
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
  b.rounds.push(...unpinned.rounds);
  return {
    one: pick(unpinned.rounds, 'workers', 'workers-1'),
    two: pick(unpinned.rounds, 'workers', 'workers-2'),
  };
}

/**
 * Issue 16: what the shared store costs a request. GET /compute/{id} with `--store redis://` (a
 * redis-server on loopback, read on every request) against the file store, and Redis's own CPU.
 */
async function storeRounds(
  b: Bench,
  occi: Started,
  serveArgs: string[],
  entity: string,
  auth: Record<string, string>,
): Promise<{ file: Round[]; redis: Round[] } | undefined> {
  if (!runs(b.o, 'store')) return undefined;
  if (hasCommand('redis-server', ['--version']) === undefined) {
    b.log('bench: no redis-server (Debian: apt-get install redis-server); store rows skipped');
    return undefined;
  }
  b.log('bench: GET /compute/{id} with the Redis store against the file store');
  const port = await freePort();
  const redis = await start(
    'redis',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { core: b.otherCore, banner: /()Ready to accept connections/ },
  );
  const banner = /serving OCCI on (http:\/\/\S+) /;
  const url = `redis://127.0.0.1:${port}/0`;
  const withRedis = await start('snf-occi redis', 'node', [...serveArgs, '--port', '0', '--store', url], {
    core: b.serverCore,
    banner,
  });
  try {
    await interleave(b, 'store', [
      { name: 'file', proc: occi, url: occi.url + entity, headers: auth },
      { name: 'redis', proc: withRedis, url: withRedis.url + entity, headers: auth, side: redis },
    ]);
  } finally {
    await Promise.all([withRedis.stop(), redis.stop()]);
  }
  return { file: pick(b.rounds, 'store', 'file'), redis: pick(b.rounds, 'store', 'redis') };
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
