// `snf-occi simulator`: runs the Cyclades simulator standalone until SIGINT/SIGTERM, printing its
// URLs and the seeded users' tokens once at start (the only place tokens are ever printed).
import { parseArgs } from 'node:util';
import { DEFAULT_DELAYS, type SimulatorOptions, startSimulator } from './index.js';

const DELAY_KINDS = Object.keys(DEFAULT_DELAYS);

const USAGE = `Usage: snf-occi simulator [--host H] [--port P] [--token T ...] [--base-url URL]
                          [--delay-ms N] [--delay KIND=MS ...] [--quota NAME=VALUE ...]

  --host H            listen address (default 127.0.0.1)
  --port P            listen port (default 0: any free port)
  --token T           a user token; repeat for more users, each with its own project
                      (default: one demo token, printed at start)
  --base-url URL      public base URL used in the catalog and links (default http://H:P)
  --delay-ms N        duration of every simulated job in ms (default: a few seconds)
  --delay KIND=MS     one job kind: ${DELAY_KINDS.join(', ')}
  --quota NAME=VALUE  e.g. cyclades.vm=5, cyclades.floating_ip=2 (ram and disk in bytes)`;

class UsageError extends Error {}

function nonNegative(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`${what} must be a non-negative number, got '${text}'`);
  return n;
}

function pairs(values: string[], what: string): [string, string][] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} expects NAME=VALUE, got '${v}'`);
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}

export function parseSimulatorArgs(args: string[]): SimulatorOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(args));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const opts: SimulatorOptions = { host: values.host ?? '127.0.0.1' };
  if (values.port !== undefined) {
    const port = nonNegative(values.port, '--port');
    if (!Number.isInteger(port) || port > 65535)
      throw new UsageError(`--port must be 0-65535, got '${values.port}'`);
    opts.port = port;
  }
  if (values.token) {
    for (const t of values.token) if (t.length === 0) throw new UsageError('--token must not be empty');
    opts.tokens = values.token;
  }
  if (values['base-url'] !== undefined) {
    if (!URL.canParse(values['base-url']))
      throw new UsageError(`--base-url is not a URL: '${values['base-url']}'`);
    opts.baseUrl = values['base-url'];
  }
  if (values['delay-ms'] !== undefined) opts.delayMs = nonNegative(values['delay-ms'], '--delay-ms');
  if (values.delay) {
    const delays: Record<string, number> = {};
    for (const [kind, ms] of pairs(values.delay, '--delay')) {
      if (!DELAY_KINDS.includes(kind))
        throw new UsageError(`--delay: unknown kind '${kind}' (${DELAY_KINDS.join(', ')})`);
      delays[kind] = nonNegative(ms, `--delay ${kind}`);
    }
    opts.delays = delays;
  }
  if (values.quota) {
    const quotas: Record<string, number> = {};
    for (const [name, value] of pairs(values.quota, '--quota'))
      quotas[name] = nonNegative(value, `--quota ${name}`);
    opts.quotas = quotas;
  }
  return opts;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      token: { type: 'string', multiple: true },
      'base-url': { type: 'string' },
      'delay-ms': { type: 'string' },
      delay: { type: 'string', multiple: true },
      quota: { type: 'string', multiple: true },
    },
  });
}

export const simulatorCommand = {
  summary: 'Run the Cyclades simulator standalone',
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    let opts: SimulatorOptions;
    try {
      opts = parseSimulatorArgs(args);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.error(`snf-occi simulator: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    let sim: Awaited<ReturnType<typeof startSimulator>>;
    try {
      sim = await startSimulator(opts);
    } catch (err) {
      console.error(`snf-occi simulator: cannot start: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    const lines = [
      `Cyclades simulator listening on ${sim.url}`,
      `Identity (Astakos) URL: ${sim.identityUrl}`,
      'Users (token  user id  project id):',
      ...sim.users.map((u) => `  ${u.token}  ${u.userId}  ${u.projectId}`),
      `Operator endpoints: ${sim.url}/_simulator (state, requests, faults, fail-builds)`,
    ];
    console.log(lines.join('\n'));
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await sim.close();
    console.log('Cyclades simulator stopped');
    return 0;
  },
};
