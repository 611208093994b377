// `snf-occi serve`: its usage and the parsing of its options (command line, SNF_OCCI_* variables,
// config file) into a ServeConfig. Starting the parts is cli.ts's business (see run-serve.ts).
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { BackendClientOptions } from '../backend/backend-client.js';
import { DEFAULT_RULES_DIR } from '../mapping/default-rules.js';
import type { Limits } from './limits.js';
import type { Level } from './log.js';
import {
  type OptionValues,
  optionsHelp,
  resolveServeOptions,
  SERVE_OPTIONS,
  UsageError,
} from './serve-options.js';

export { UsageError } from './serve-options.js';

export const serveUsage = `Usage: snf-occi serve [options]

Every option can also be set by an environment variable (shown in brackets) or in a config file
(--config FILE or SNF_OCCI_CONFIG; YAML or JSON, the option names as keys, e.g. "log-level: debug").
The command line wins over the environment, which wins over the file. Durations: 10s, 500ms, 2m
(a bare number is seconds); sizes: 16KiB, 10MiB (a bare number is bytes).

  --config FILE                   read options from this YAML or JSON file
${optionsHelp()}

The rules reload on a change in the rules directory, on SIGHUP and on POST /_admin/reload; rules
that do not load are never served (the old ones keep serving, the problems are logged).
/healthz and /readyz answer on the OCCI port; /metrics on --metrics-port, or as /_admin/metrics
with the admin token. See docs/deploy.md.`;

export interface ServeConfig {
  host: string;
  port: number;
  publicUrl?: string;
  relativeLocations: boolean;
  tls?: { certFile: string; keyFile: string };
  rulesDir: string;
  watchRules: boolean;
  stateDir: string;
  /** Redis URL of the shared user mixin store; undefined: the file in stateDir. */
  store?: string;
  /** Time for the Redis store to answer, in ms. */
  storeTimeoutMs: number;
  /** How many processes serve the port (1: this one, no cluster). */
  workers: number;
  /** Identity URL of the backend; undefined: start the embedded simulator. */
  backend?: string;
  simulatorPort: number;
  backendClient: Omit<BackendClientOptions, 'observer'>;
  limits: Limits;
  adminToken?: string;
  metrics?: { host: string; port: number };
  readiness: { timeoutMs: number; cacheMs: number };
  logLevel: Level;
  /** Notes for the operator (e.g. unknown SNF_OCCI_* variables). */
  warnings: string[];
}

/** A Redis URL, checked here so that a typo is a usage error (exit 2), not a failure to connect. */
function storeUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--store: '${redactUrl(value)}' is not a URL (redis://host:port/db)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new UsageError(`--store: only redis:// and rediss:// stores exist, not ${url.protocol}//`);
  if (!url.hostname) throw new UsageError('--store: the URL names no host');
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,5}$/.test(url.pathname))
    throw new UsageError(`--store: the path must be a database number (/0), not '${url.pathname}'`);
  return value;
}

/** A URL without its password, for messages and logs. */
export function redactUrl(value: string): string {
  return value.replace(
    /\/\/([^@/]*)@/,
    (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`,
  );
}

function workerCount(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= 256))
    throw new UsageError(`--workers: '${value}' is neither a count from 1 to 256 nor 'auto'`);
  return n;
}

function parseArgv(args: string[]): Record<string, string | boolean | undefined> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' } };
  for (const [name, spec] of Object.entries(SERVE_OPTIONS))
    options[name] = { type: spec.kind === 'flag' ? 'boolean' : 'string' };
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Parses `serve`'s arguments and environment; throws UsageError (exit code 2) on a bad one. */
export async function parseServeArgs(args: string[], env: NodeJS.ProcessEnv): Promise<ServeConfig> {
  const { values, warnings } = await resolveServeOptions(args, env, parseArgv);
  const v = values as Required<OptionValues>;
  const str = (x: unknown) => x as string;
  const num = (x: unknown) => x as number;
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  return {
    host: str(v.host),
    port: num(v.port),
    ...(values['public-url'] !== undefined ? { publicUrl: str(v['public-url']) } : {}),
    relativeLocations: !!values['relative-locations'],
    ...(values['tls-cert'] !== undefined
      ? { tls: { certFile: str(v['tls-cert']), keyFile: str(v['tls-key']) } }
      : {}),
    rulesDir: values.rules === undefined ? DEFAULT_RULES_DIR : str(v.rules),
    watchRules: !values['no-watch'],
    stateDir: str(v['state-dir']),
    ...(values.store !== undefined ? { store: storeUrl(str(v.store)) } : {}),
    storeTimeoutMs: num(v['store-timeout']),
    workers: workerCount(str(v.workers)),
    ...(values.backend !== undefined ? { backend: str(v.backend) } : {}),
    simulatorPort: num(v['simulator-port']),
    backendClient: {
      connectTimeoutMs: num(v['backend-connect-timeout']),
      headersTimeoutMs: num(v['backend-headers-timeout']),
      bodyTimeoutMs: num(v['backend-body-timeout']),
      maxResponseBytes: num(v['backend-max-response-size']),
      keepAliveTimeoutMs: num(v['backend-keepalive-timeout']),
      connections: num(v['backend-connections']),
    },
    limits: {
      maxBodyBytes: num(v['max-body-size']),
      maxHeaderBytes: num(v['max-header-size']),
      maxHeadersCount: num(v['max-headers']),
      headersTimeoutMs: num(v['headers-timeout']),
      requestTimeoutMs: num(v['request-timeout']),
      keepAliveTimeoutMs: num(v['keepalive-timeout']),
      maxUserMixins: num(v['max-user-mixins']),
      requestDeadlineMs: num(v['request-deadline']),
      shutdownTimeoutMs: num(v['shutdown-timeout']),
      passthroughTimeoutMs: num(v['passthrough-timeout']),
    },
    ...(values['admin-token'] !== undefined ? { adminToken: str(v['admin-token']) } : {}),
    ...(values['metrics-port'] !== undefined
      ? { metrics: { host: str(v['metrics-host']), port: num(v['metrics-port']) } }
      : {}),
    readiness: { timeoutMs: num(v['readiness-timeout']), cacheMs: num(v['readiness-cache']) },
    logLevel: str(v['log-level']) as Level,
    warnings,
  };
}
