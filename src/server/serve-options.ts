// Every option of `snf-occi serve`, declared once: its name, kind of value, default and help. The
// same names work on the command line (--log-level), in the environment (SNF_OCCI_LOG_LEVEL) and in
// a config file (log-level: debug, YAML or JSON); the command line wins over the environment, which
// wins over the file, which wins over the default. `serve --help` is generated from this table.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { LEVELS } from './log.js';

type Kind = 'string' | 'port' | 'count' | 'duration' | 'size' | 'flag' | 'url' | 'level';

interface OptionSpec {
  kind: Kind;
  /** Shown in --help; undefined: no default (the option is off or derived). */
  default?: string;
  help: string;
  /** Placeholder in --help. */
  arg?: string;
  group: string;
}

export const SERVE_OPTIONS = {
  host: { kind: 'string', default: '127.0.0.1', arg: 'H', help: 'address to listen on', group: 'Listening' },
  port: { kind: 'port', default: '8080', arg: 'N', help: 'port to listen on', group: 'Listening' },
  'public-url': {
    kind: 'url',
    arg: 'URL',
    help: 'base URL of the locations in responses, as clients reach the server, e.g. behind a proxy (default: the address it listens on)',
    group: 'Listening',
  },
  'relative-locations': {
    kind: 'flag',
    help: 'render locations as paths (/compute/42) instead of absolute URLs',
    group: 'Listening',
  },
  'tls-cert': {
    kind: 'string',
    arg: 'FILE',
    help: 'PEM certificate (chain): serve https (needs --tls-key)',
    group: 'Listening',
  },
  'tls-key': { kind: 'string', arg: 'FILE', help: 'PEM private key of --tls-cert', group: 'Listening' },
  rules: {
    kind: 'string',
    arg: 'DIR',
    help: 'directory of rule files (default: the shipped mappings/)',
    group: 'Rules and state',
  },
  'no-watch': {
    kind: 'flag',
    help: 'do not reload the rules when a file in the rules directory changes',
    group: 'Rules and state',
  },
  'state-dir': {
    kind: 'string',
    default: '.snf-occi',
    arg: 'DIR',
    help: 'where user mixins are kept',
    group: 'Rules and state',
  },
  store: {
    kind: 'string',
    arg: 'URL',
    help: 'keep user mixins in Redis, shared by every instance: redis://[:password@]host[:port][/db] (rediss:// for TLS); default: a file in --state-dir, for one instance',
    group: 'Rules and state',
  },
  'store-timeout': {
    kind: 'duration',
    default: '2s',
    arg: 'T',
    help: 'time for the Redis store to answer (and to connect); then 503 for requests that need it',
    group: 'Rules and state',
  },
  workers: {
    kind: 'string',
    default: '1',
    arg: 'N',
    help: "processes serving the port (node:cluster); 'auto': one per core",
    group: 'Listening',
  },
  backend: {
    kind: 'url',
    arg: 'URL',
    help: 'identity URL of the Synnefo deployment (e.g. https://accounts.example.org/identity/v2.0); without it the embedded Cyclades simulator is started on loopback',
    group: 'Backend',
  },
  'simulator-port': {
    kind: 'port',
    default: '0',
    arg: 'N',
    help: 'port of the embedded simulator (0: any free port)',
    group: 'Backend',
  },
  'backend-connect-timeout': {
    kind: 'duration',
    default: '5s',
    arg: 'T',
    help: 'time to open a connection to the backend; then 504',
    group: 'Backend',
  },
  'backend-headers-timeout': {
    kind: 'duration',
    default: '10s',
    arg: 'T',
    help: 'time for the backend to send the headers of a response; then 504',
    group: 'Backend',
  },
  'backend-body-timeout': {
    kind: 'duration',
    default: '10s',
    arg: 'T',
    help: 'longest pause while the backend sends a response body; then 504',
    group: 'Backend',
  },
  'backend-max-response-size': {
    kind: 'size',
    default: '10MiB',
    arg: 'S',
    help: 'largest backend response accepted; more → 502',
    group: 'Backend',
  },
  'backend-connections': {
    kind: 'count',
    default: '256',
    arg: 'N',
    help: 'most connections to each backend host',
    group: 'Backend',
  },
  'backend-keepalive-timeout': {
    kind: 'duration',
    default: '4s',
    arg: 'T',
    help: 'idle time after which a backend connection is closed',
    group: 'Backend',
  },
  'passthrough-timeout': {
    kind: 'duration',
    default: '30s',
    arg: 'T',
    help: 'time for the backend to answer a pass-through request (and longest pause); then 502 or 504',
    group: 'Backend',
  },
  'request-deadline': {
    kind: 'duration',
    default: '180s',
    arg: 'T',
    help: "longest time an OCCI request may take; then 504 (keep it above the rules' longest waitFor)",
    group: 'Limits',
  },
  'max-body-size': {
    kind: 'size',
    default: '112KiB',
    arg: 'S',
    help: 'largest request body; more → 413',
    group: 'Limits',
  },
  'max-header-size': {
    kind: 'size',
    default: '16KiB',
    arg: 'S',
    help: 'largest request header block; more → 431',
    group: 'Limits',
  },
  'max-headers': {
    kind: 'count',
    default: '200',
    arg: 'N',
    help: 'most request header lines; more → 431',
    group: 'Limits',
  },
  'headers-timeout': {
    kind: 'duration',
    default: '10s',
    arg: 'T',
    help: 'time for a client to send the request headers; then 408',
    group: 'Limits',
  },
  'request-timeout': {
    kind: 'duration',
    default: '30s',
    arg: 'T',
    help: 'time for a client to send the whole request; then 408',
    group: 'Limits',
  },
  'keepalive-timeout': {
    kind: 'duration',
    default: '5s',
    arg: 'T',
    help: 'idle time after which a client connection is closed',
    group: 'Limits',
  },
  'max-user-mixins': {
    kind: 'count',
    default: '200',
    arg: 'N',
    help: 'most mixins one user may own',
    group: 'Limits',
  },
  'shutdown-timeout': {
    kind: 'duration',
    default: '10s',
    arg: 'T',
    help: 'on SIGTERM/SIGINT, time to finish requests in flight; those left are answered 503',
    group: 'Limits',
  },
  'admin-token': {
    kind: 'string',
    arg: 'T',
    help: 'enable /_admin/ (reload, rules, explain, metrics) for requests with X-Admin-Token: T',
    group: 'Operations',
  },
  'metrics-port': {
    kind: 'port',
    arg: 'N',
    help: 'serve /metrics, /healthz and /readyz on this port too, without a token (default: off)',
    group: 'Operations',
  },
  'metrics-host': {
    kind: 'string',
    default: '127.0.0.1',
    arg: 'H',
    help: 'address of the metrics listener',
    group: 'Operations',
  },
  'readiness-timeout': {
    kind: 'duration',
    default: '2s',
    arg: 'T',
    help: "time for the backend's identity endpoint to answer /readyz's probe",
    group: 'Operations',
  },
  'readiness-cache': {
    kind: 'duration',
    default: '2s',
    arg: 'T',
    help: "how long /readyz reuses a probe's outcome",
    group: 'Operations',
  },
  'log-level': {
    kind: 'level',
    default: 'info',
    arg: 'L',
    help: `${LEVELS.join(', ')} (debug: also the rule selected and each backend call)`,
    group: 'Operations',
  },
} satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof SERVE_OPTIONS;

/** Option values after parsing: durations in ms, sizes in bytes, ports and counts as numbers. */
export type OptionValues = { [K in OptionName]?: string | number | boolean };

export class UsageError extends Error {}

export function envName(name: string): string {
  return `SNF_OCCI_${name.toUpperCase().replace(/-/g, '_')}`;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2 };

/** Converts one value (as text from the command line or environment, or as YAML gave it). */
export function convert(kind: Kind, raw: unknown, where: string): string | number | boolean {
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : undefined;
  const fail = (what: string): never => {
    throw new UsageError(`${where} must be ${what}, not '${String(raw)}'`);
  };
  if (kind === 'flag') {
    if (typeof raw === 'boolean') return raw;
    if (text !== undefined && /^(1|true|yes|on)$/i.test(text)) return true;
    if (text !== undefined && /^(0|false|no|off|)$/i.test(text)) return false;
    return fail('true or false');
  }
  if (text === undefined) return fail(kind === 'string' ? 'a string' : 'a value');
  switch (kind) {
    case 'string':
      if (text === '') fail('a non-empty string');
      return text;
    case 'url':
      if (!/^https?:\/\/[^\s]+$/.test(text) || !URL.canParse(text)) fail('an http(s) URL');
      return text;
    case 'level':
      if (!(LEVELS as readonly string[]).includes(text))
        fail(LEVELS.join(', ').replace(/, (\w+)$/, ' or $1'));
      return text;
    case 'port': {
      const n = Number(text);
      if (!/^\d+$/.test(text) || n > 65535) fail('a port number (0-65535)');
      return n;
    }
    case 'count': {
      const n = Number(text);
      if (!/^\d+$/.test(text) || n < 1) fail('a whole number of at least 1');
      return n;
    }
    case 'duration': {
      // A bare number is seconds, as in nginx and systemd.
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
      if (!m) return fail('a duration such as 10s, 500ms or 2m');
      const ms = Number(m[1]) * DURATION_UNITS[m[2] ?? 's']!;
      if (ms <= 0) fail('a duration above zero');
      return Math.round(ms);
    }
    case 'size': {
      const m = /^(\d+)\s*([a-z]*)$/i.exec(text);
      const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
      if (!m || unit === undefined) return fail('a size such as 16KiB, 10MiB or 4096 (bytes)');
      const bytes = Number(m[1]) * unit;
      if (bytes < 1) fail('a size above zero');
      return bytes;
    }
  }
}

export interface ParsedServeArgs {
  values: OptionValues;
  /** Where each value came from, for messages ('--port', 'SNF_OCCI_PORT', 'snf.yaml: port'). */
  sources: Partial<Record<OptionName, string>>;
  /** SNF_OCCI_* variables that name no option (typos, most likely). */
  warnings: string[];
}

/**
 * Resolves every option from the command line, the environment and the config file (given by
 * --config or SNF_OCCI_CONFIG); throws UsageError naming the option and where it was set.
 */
export async function resolveServeOptions(
  args: string[],
  env: NodeJS.ProcessEnv,
  parseArgv: (args: string[]) => Record<string, string | boolean | undefined>,
): Promise<ParsedServeArgs> {
  const cli = parseArgv(args);
  const configFile = (cli.config as string | undefined) ?? env.SNF_OCCI_CONFIG;
  const file = configFile ? await readConfigFile(configFile) : {};
  const values: OptionValues = {};
  const sources: ParsedServeArgs['sources'] = {};
  for (const [name, spec] of Object.entries(SERVE_OPTIONS) as [OptionName, OptionSpec][]) {
    let raw: unknown;
    let where: string | undefined;
    if (cli[name] !== undefined) [raw, where] = [cli[name], `--${name}`];
    else if (env[envName(name)] !== undefined) [raw, where] = [env[envName(name)], envName(name)];
    else if (file[name] !== undefined) [raw, where] = [file[name], `${configFile}: ${name}`];
    else if (spec.default !== undefined) [raw, where] = [spec.default, `the default of --${name}`];
    if (where === undefined) continue;
    values[name] = convert(spec.kind, raw, where);
    sources[name] = where;
  }
  const known = new Set([...Object.keys(SERVE_OPTIONS).map(envName), 'SNF_OCCI_CONFIG']);
  const warnings = Object.keys(env)
    .filter((name) => name.startsWith('SNF_OCCI_') && !known.has(name))
    .map((name) => `${name} is not an option of snf-occi serve: ignored`);
  return { values, sources, warnings };
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--config: cannot read ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON: either works
  } catch (e) {
    throw new UsageError(`${path}: not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new UsageError(`${path}: must be a mapping of option names to values`);
  for (const key of Object.keys(doc)) {
    if (!(key in SERVE_OPTIONS))
      throw new UsageError(
        `${path}: '${key}' is not an option of snf-occi serve (see snf-occi serve --help)`,
      );
  }
  return doc as Record<string, unknown>;
}

/** The options part of `serve --help`, grouped, with defaults and environment names. */
export function optionsHelp(): string {
  const indent = ''.padEnd(34);
  const lines: string[] = [];
  let group = '';
  for (const [name, spec] of Object.entries(SERVE_OPTIONS) as [OptionName, OptionSpec][]) {
    if (spec.group !== group) {
      group = spec.group;
      lines.push('', `${group}:`);
    }
    const flag = `  --${name}${spec.arg ? ` ${spec.arg}` : ''}`.padEnd(34);
    const text = wrap(spec.help, 100 - indent.length);
    lines.push(`${flag}${text[0]}`, ...text.slice(1).map((t) => indent + t));
    const defaults = spec.default !== undefined ? `default ${spec.default}; ` : '';
    lines.push(`${indent}[${defaults}${envName(name)}]`);
  }
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  out.push(line);
  return out;
}
