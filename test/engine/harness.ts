// Shared set-up for the engine tests: a fake backend, the real OCCI server with the mapping engine
// over it (rules from a directory, swappable through the server state), a log kept in memory, and
// a small HTTP helper. Everything binds port 0 and lives in temporary directories.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendClient } from '../../src/backend/backend-client.js';
import { MappingEngine } from '../../src/engine/engine.js';
import { loadRules, type RuleSet } from '../../src/mapping/load-rules.js';
import { formatProblem } from '../../src/mapping/problems.js';
import { createLog } from '../../src/server/log.js';
import { type RunningOcciServer, startOcciServer } from '../../src/server/occi-server.js';
import { type FakeBackend, type FakeBackendOptions, startFakeBackend } from '../support/fake-backend.js';
import { checkOcciJsonResponse } from '../support/occi-schema.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const MAPPINGS = join(REPO, 'mappings');
export const FIXTURES = join(REPO, 'test', 'fixtures');
export const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
export const COMPUTE = `${INFRA}compute`;

/** Loads a rules directory; throws with every problem if it does not load. */
export async function loadOk(dir: string): Promise<RuleSet> {
  const loaded = await loadRules(dir);
  if (!loaded.ruleSet)
    throw new Error(`rules in ${dir} do not load:\n${loaded.problems.map(formatProblem).join('\n')}`);
  return loaded.ruleSet;
}

/** A fresh temporary directory (removed by the returned cleanup). */
export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `snf-occi-${prefix}-`));
}

/** Copies the shipped mappings/ into a temporary directory. */
export async function copyMappings(): Promise<string> {
  const dir = await tempDir('rules');
  await cp(MAPPINGS, dir, { recursive: true });
  return dir;
}

/** Copies a fixture rules directory (under test/fixtures/), replacing `${NAME}` placeholders. */
export async function materialise(fixture: string, values: Record<string, string>): Promise<string> {
  return materialiseDir(join(FIXTURES, fixture), values);
}

/** Copies any rules directory into a temporary one, replacing `${NAME}` placeholders in every file. */
export async function materialiseDir(source: string, values: Record<string, string>): Promise<string> {
  const dir = await tempDir('fixture');
  await cp(source, dir, { recursive: true });
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    let text = await readFile(path, 'utf8');
    for (const [k, v] of Object.entries(values)) text = text.split(`\${${k}}`).join(v);
    await writeFile(path, text);
  }
  return dir;
}

export interface Stack {
  fake: FakeBackend;
  server: RunningOcciServer;
  service: MappingEngine;
  /** JSON log lines of the server and the engine. */
  logLines: string[];
  url: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Rules directory to load (default: the shipped mappings/). */
  rulesDir?: string;
  ruleSet?: RuleSet;
  fake?: FakeBackend;
  fakeOptions?: FakeBackendOptions;
  client?: BackendClient;
  /** Give the engine the fake's identity URL (default true). */
  identity?: boolean;
  watchRules?: boolean;
  adminToken?: string;
  /** Pass rulesDir to the server (enables reloads); default: only when watchRules or adminToken. */
  reloadable?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const fake = options.fake ?? (await startFakeBackend(options.fakeOptions));
  const rulesDir = options.rulesDir ?? MAPPINGS;
  const ruleSet = options.ruleSet ?? (await loadOk(rulesDir));
  const logLines: string[] = [];
  const log = createLog({ level: 'debug', write: (line) => logLines.push(line) });
  const stateDir = await tempDir('state');
  let server: RunningOcciServer | undefined;
  const service = new MappingEngine({
    ...(options.identity === false ? {} : { identityUrl: fake.identityUrl }),
    ...(options.client ? { client: options.client } : {}),
    log,
  });
  const reloadable = options.reloadable ?? (options.watchRules || options.adminToken !== undefined);
  server = await startOcciServer({
    port: 0,
    ruleSet,
    stateDir,
    service,
    log,
    ...(reloadable ? { rulesDir } : {}),
    ...(options.watchRules ? { watchRules: true } : {}),
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
  });
  const running = server;
  return {
    fake,
    server: running,
    service,
    logLines,
    url: running.url,
    async close() {
      await running.close();
      await service.close();
      if (!options.fake) await fake.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
}

export interface HttpRequest {
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** One HTTP request with fetch; never throws on an HTTP status. */
export async function http(
  base: string,
  method: string,
  path: string,
  request: HttpRequest = {},
): Promise<HttpResponse> {
  const init: RequestInit = { method, headers: request.headers ?? {} };
  if (request.body !== undefined) init.body = request.body;
  if (request.signal) init.signal = request.signal;
  const res = await fetch(base + path, init);
  const body = await res.text();
  const out: HttpResponse = { status: res.status, headers: res.headers, body };
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  checkOcciJsonResponse({ status: res.status, contentType, body });
  if (/json/.test(contentType)) {
    try {
      out.json = JSON.parse(body);
    } catch {
      // not JSON after all
    }
  }
  return out;
}

/** The error message of an OCCI error response, in any rendering. */
export function errorText(r: HttpResponse): string {
  const json = r.json as { error?: { message?: string } } | undefined;
  if (json?.error?.message) return json.error.message;
  return r.headers.get('x-occi-error') ?? r.body;
}

/**
 * What the server logged of a 5xx answer: the client gets a plain message and the request id; the
 * details (the rule's position, the expression's complaint) are in the log under that id.
 */
export function failureDetail(stack: Pick<Stack, 'logLines'>, r: HttpResponse): string {
  const id = r.headers.get('x-request-id');
  for (const line of stack.logLines) {
    const e = JSON.parse(line) as { reqId?: string; message?: string; error?: unknown };
    if (e.reqId === id && e.message === 'request failed') return String(e.error);
  }
  throw new Error(`no 'request failed' log line for request ${id}`);
}

/** OCCI text/plain headers for a request with categories and attributes. */
export function textPlainBody(lines: string[]): HttpRequest['body'] {
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * Polls until `fn` holds (or throws after `timeoutMs`). The deadline is generous on purpose: it
 * only ends a wait for something that is never going to happen, so a busy machine cannot fail it.
 */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A promise the test opens when it is ready: a fake backend reply that awaits it stays in flight
 * until then, whatever the machine's speed (rather than a delay that a busy machine may outlast).
 */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** 1-based line number of the first line containing `needle` (after `from`, if given). */
export function lineOf(text: string, needle: string, from?: string): number {
  const lines = text.split('\n');
  const start = from === undefined ? 0 : lines.findIndex((l) => l.includes(from));
  if (start < 0) throw new Error(`'${from}' not found`);
  const i = lines.findIndex((l, n) => n >= start && l.includes(needle));
  if (i < 0) throw new Error(`'${needle}' not found`);
  return i + 1;
}
