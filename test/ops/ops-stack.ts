// The server put together as `serve` does (run-serve.ts), in-process, for the operations tests:
// metrics and engine telemetry, the backend client reporting each call, the readiness probe, logs
// kept in memory. The backend is an in-process simulator, or any identity URL (e.g. a simulator
// running as its own process, which a test can SIGSTOP). Also: running `snf-occi` commands as
// child processes and reading what they print.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendClient,
  type BackendClientOptions,
  DEFAULT_BACKEND_OPTIONS,
} from '../../src/backend/backend-client.js';
import { MappingEngine } from '../../src/engine/engine.js';
import { backendProbe } from '../../src/server/health.js';
import type { Limits } from '../../src/server/limits.js';
import { createLog, type Level } from '../../src/server/log.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { serverTelemetry } from '../../src/server/server-telemetry.js';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '../../src/simulator/index.js';
import { REPO_DIR, shippedRules } from '../support/e2e-stack.js';

export const TOKEN = 'ops-test-token';
export const COMPUTE_CATEGORY = 'compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"';

export interface OpsStackOptions {
  /** Identity URL of a backend started elsewhere; default: an in-process simulator. */
  identityUrl?: string;
  simulator?: SimulatorOptions;
  backend?: Partial<BackendClientOptions>;
  limits?: Partial<Limits>;
  logLevel?: Level;
  adminToken?: string;
  rulesDir?: string;
  readinessCacheMs?: number;
  metricsListener?: boolean;
  publicUrl?: string;
  /** Fetch the templates once before returning (default true; false for a backend that is down). */
  warm?: boolean;
}

export interface OpsStack {
  url: string;
  sim?: RunningSimulator;
  server: RunningOcciServer;
  metrics: ServerMetrics;
  logLines: string[];
  /** The log lines parsed (every one must be JSON). */
  logEntries(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startOpsStack(options: OpsStackOptions = {}): Promise<OpsStack> {
  const sim = options.identityUrl
    ? undefined
    : await startSimulator({ port: 0, delayMs: 0, tokens: [TOKEN], ...options.simulator });
  const identityUrl = options.identityUrl ?? sim!.identityUrl;
  const ruleSet = await shippedRules(options.rulesDir);
  const stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-ops-'));
  const logLines: string[] = [];
  const log = createLog({ level: options.logLevel ?? 'debug', write: (line) => logLines.push(line) });
  const metrics = new ServerMetrics();
  const telemetry = serverTelemetry(metrics, log);
  const client = new BackendClient({
    ...DEFAULT_BACKEND_OPTIONS,
    ...options.backend,
    observer: telemetry,
  });
  let server: RunningOcciServer | undefined;
  const service = new MappingEngine({ identityUrl, log, client, telemetry });
  server = await startOcciServer({
    port: 0,
    ruleSet,
    stateDir,
    service,
    log,
    metrics,
    backendProbe: backendProbe(client, identityUrl, 1_000),
    readinessCacheMs: options.readinessCacheMs ?? 0,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    ...(options.rulesDir ? { rulesDir: options.rulesDir } : {}),
    ...(options.metricsListener ? { metricsListener: { host: '127.0.0.1', port: 0 } } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });
  const running = server;
  if (options.warm ?? true) await warmUp(running.url);
  return {
    url: running.url,
    ...(sim ? { sim } : {}),
    server: running,
    metrics,
    logLines,
    logEntries: () => logLines.map((l) => JSON.parse(l) as Record<string, unknown>),
    async close() {
      await running.shutdown(1_000);
      await service.close();
      await sim?.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the query interface lists the backend's flavors: the first template listing of a
 * fresh process can exceed the engine's fixed expression time limit on a busy machine (issue 11),
 * and a create before the templates are known is refused.
 */
export async function warmUp(url: string, headers: Record<string, string> = { 'X-Auth-Token': TOKEN }) {
  await waitFor(
    'the templates to be listed',
    async () => {
      const body = await (await fetch(`${url}/-/`, { headers })).text();
      return body.includes('schemas.openstack.org/template/resource#') ? true : undefined;
    },
    30_000,
  );
}

/** The value of one series in a Prometheus text exposition (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

/** A compute create in text/occi (headers only), as README shows it. */
export function createComputeRequest(title: string, extra: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: {
      'X-Auth-Token': TOKEN,
      'Content-Type': 'text/occi',
      Category: COMPUTE_CATEGORY,
      'X-OCCI-Attribute': `occi.core.title="${title}", occi.compute.cores=2`,
      ...extra,
    },
  };
}

/**
 * Creates a compute; once more if the rule ran out of its fixed expression time (issue 11: the
 * first create of a fresh process can, on a busy machine), so that exactly one create succeeds.
 */
export async function createCompute(url: string, title: string, extra: Record<string, string> = {}) {
  const res = await fetch(`${url}/compute/`, createComputeRequest(title, extra));
  if (res.status !== 502) return res;
  await res.text();
  return fetch(`${url}/compute/`, createComputeRequest(title, extra));
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Spawned {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line matching, its match groups. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the process (SIGCONT first, in case a test stopped it) and waits for it. */
  stop(): Promise<void>;
}

/** Runs `snf-occi ARGS` (bin/snf-occi.js) as a child process. */
export function spawnSnfOcci(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const proc = spawn(process.execPath, [join(REPO_DIR, 'bin', 'snf-occi.js'), ...args], {
    cwd: REPO_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      into.push(...lines);
    };
  };
  proc.stdout!.on('data', collect(stdout));
  proc.stderr!.on('data', collect(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  return {
    proc,
    stdout,
    stderr,
    line: (pattern, timeoutMs = 30_000) =>
      waitFor(
        `a line matching ${pattern} from snf-occi ${args[0]}`,
        () => {
          if (gone) throw new Error(`snf-occi ${args[0]} exited:\n${stderr.join('\n')}`);
          for (const l of stdout) {
            const m = pattern.exec(l);
            if (m) return m;
          }
          return undefined;
        },
        timeoutMs,
      ),
    exited,
    async stop() {
      if (gone) return;
      proc.kill('SIGCONT');
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** A standalone simulator process: its identity URL, admin URL and the process. */
export async function spawnSimulator(
  token = TOKEN,
): Promise<{ identityUrl: string; url: string; sim: Spawned }> {
  const sim = spawnSnfOcci(['simulator', '--port', '0', '--token', token, '--delay-ms', '0']);
  const url = (await sim.line(/listening on (http:\/\/\S+)/))[1]!;
  const identityUrl = (await sim.line(/Identity \(Astakos\) URL: (\S+)/))[1]!;
  return { identityUrl, url, sim };
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI. */
export async function makeCertificate(dir: string): Promise<{ cert: string; key: string; pem: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key, pem: await readFile(cert, 'utf8') };
}
