// `serve`'s options: the same names on the command line, in SNF_OCCI_* variables and in a config
// file (YAML or JSON); precedence command line > environment > file > default; units for
// durations and sizes; bad values refused with exit code 2 naming where they were set; and
// `serve --help` listing every option with its variable.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { DEFAULT_BACKEND_OPTIONS } from '../../src/backend/backend-client.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { parseServeArgs } from '../../src/server/serve-command.js';
import { convert, envName, SERVE_OPTIONS, UsageError } from '../../src/server/serve-options.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snf-occi-options-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const file = async (name: string, text: string) => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

describe('serve options', () => {
  it('default to the documented limits and timeouts', async () => {
    const config = await parseServeArgs([], {});
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    const { observer: _, ...backend } = { ...DEFAULT_BACKEND_OPTIONS, observer: undefined };
    expect(config.backendClient).toEqual(backend);
    expect(config.backendClient.headersTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, simulatorPort: 0, logLevel: 'info' });
    expect(config.metrics).toBeUndefined();
    expect(config.tls).toBeUndefined();
  });

  it('take the command line over the environment over the config file over the default', async () => {
    const yaml = await file(
      'snf.yaml',
      'port: 9001\nlog-level: warn\nshutdown-timeout: 20\nmax-body-size: 1MiB\n',
    );
    const env = { SNF_OCCI_CONFIG: yaml, SNF_OCCI_PORT: '9002', SNF_OCCI_SHUTDOWN_TIMEOUT: '3s' };
    const fromFile = await parseServeArgs([], { SNF_OCCI_CONFIG: yaml });
    expect(fromFile).toMatchObject({ port: 9001, logLevel: 'warn' });
    expect(fromFile.limits).toMatchObject({ shutdownTimeoutMs: 20_000, maxBodyBytes: 1024 * 1024 });
    const fromEnv = await parseServeArgs([], env);
    expect(fromEnv.port).toBe(9002);
    expect(fromEnv.limits.shutdownTimeoutMs).toBe(3_000);
    expect(fromEnv.logLevel).toBe('warn'); // not in the environment: the file's
    const fromCli = await parseServeArgs(['--port', '9003', '--shutdown-timeout', '500ms'], env);
    expect(fromCli.port).toBe(9003);
    expect(fromCli.limits.shutdownTimeoutMs).toBe(500);
  });

  it('read a JSON config file given by --config, with the same names', async () => {
    const json = await file(
      'snf.json',
      JSON.stringify({
        'metrics-port': 9464,
        'backend-headers-timeout': '4s',
        'no-watch': true,
        'simulator-port': 8999,
      }),
    );
    const config = await parseServeArgs(['--config', json], {});
    expect(config.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(config.backendClient.headersTimeoutMs).toBe(4_000);
    expect(config.watchRules).toBe(false);
    expect(config.simulatorPort).toBe(8999);
  });

  it('read flags from the environment', async () => {
    expect((await parseServeArgs([], { SNF_OCCI_NO_WATCH: 'true' })).watchRules).toBe(false);
    expect((await parseServeArgs([], { SNF_OCCI_NO_WATCH: '0' })).watchRules).toBe(true);
    expect((await parseServeArgs([], { SNF_OCCI_ADMIN_TOKEN: 'a' })).adminToken).toBe('a');
  });

  it('refuse bad values naming where they were set', async () => {
    const bad = await file('bad.yaml', 'port: lots\n');
    const unknown = await file('unknown.yaml', 'prot: 8080\n');
    const list = await file('list.yaml', '- port\n');
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--port', '70000'], {}, /^--port must be a port number/],
      [[], { SNF_OCCI_REQUEST_DEADLINE: 'soon' }, /^SNF_OCCI_REQUEST_DEADLINE must be a duration/],
      [['--config', bad], {}, /bad\.yaml: port must be a port number/],
      [['--config', unknown], {}, /unknown\.yaml: 'prot' is not an option/],
      [['--config', list], {}, /list\.yaml: must be a mapping/],
      [['--config', join(dir, 'missing.yaml')], {}, /cannot read/],
      [['--max-headers', '0'], {}, /--max-headers must be a whole number of at least 1/],
      [['--max-body-size', '12 parsecs'], {}, /--max-body-size must be a size/],
      [['--log-level', 'loud'], {}, /--log-level must be debug, info, warn or error/],
      [['--backend', 'ftp://x'], {}, /--backend must be an http\(s\) URL/],
      [['--nope'], {}, /Unknown option '--nope'/],
    ];
    for (const [args, env, message] of cases) {
      await expect(parseServeArgs(args, env), args.join(' ') || JSON.stringify(env)).rejects.toThrow(
        UsageError,
      );
      await expect(parseServeArgs(args, env)).rejects.toThrow(message);
    }
  });

  it('warn of SNF_OCCI_* variables that name no option', async () => {
    const config = await parseServeArgs([], { SNF_OCCI_LOG_LEVL: 'debug' });
    expect(config.warnings).toEqual(['SNF_OCCI_LOG_LEVL is not an option of snf-occi serve: ignored']);
  });

  it('convert durations and sizes with their units', () => {
    expect(convert('duration', '10', 'x')).toBe(10_000);
    expect(convert('duration', '250ms', 'x')).toBe(250);
    expect(convert('duration', '2m', 'x')).toBe(120_000);
    expect(convert('duration', 1.5, 'x')).toBe(1_500);
    expect(convert('size', '16KiB', 'x')).toBe(16_384);
    expect(convert('size', '16k', 'x')).toBe(16_384);
    expect(convert('size', '4096', 'x')).toBe(4_096);
    expect(() => convert('duration', '0s', 'x')).toThrow(/above zero/);
  });

  it('exit 2 on a bad value, through the command line', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['serve', '--port', 'eighty'])).toBe(2);
      expect(errors.mock.calls.flat().join('\n')).toMatch(/--port must be a port number/);
    } finally {
      errors.mockRestore();
    }
  });

  it('are all listed by serve --help, each with its environment variable', async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await main(['serve', '--help'])).toBe(0);
      const help = out.mock.calls.flat().join('\n');
      for (const name of Object.keys(SERVE_OPTIONS)) {
        expect(help).toContain(`--${name}`);
        expect(help).toMatch(new RegExp(`\\[(default [^;]+; )?${envName(name)}\\]`));
      }
      expect(help).toContain('--config FILE');
      expect(help).toMatch(/command line wins over the environment, which wins over the file/);
    } finally {
      out.mockRestore();
    }
  });
});
