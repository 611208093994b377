// `snf-occi simulator`: argument parsing (usage errors → exit 2 with a message on stderr), and the
// real command: banner with URLs and tokens, serving, clean exit 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { parseSimulatorArgs, simulatorCommand } from '../../src/simulator/command.js';

describe('simulator command arguments', () => {
  it('parses ports, repeated tokens, delays and quotas', () => {
    expect(
      parseSimulatorArgs([
        '--port',
        '8999',
        '--token',
        'a',
        '--token',
        'b',
        '--delay-ms',
        '0',
        '--delay',
        'build=100',
        '--quota',
        'cyclades.vm=3',
        '--base-url',
        'http://example.org/cyclades',
      ]),
    ).toEqual({
      host: '127.0.0.1',
      port: 8999,
      tokens: ['a', 'b'],
      delayMs: 0,
      delays: { build: 100 },
      quotas: { 'cyclades.vm': 3 },
      baseUrl: 'http://example.org/cyclades',
    });
  });

  it.each([
    [['--port', 'abc']],
    [['--port', '70000']],
    [['--bogus']],
    [['positional']],
    [['--delay', 'warp=1']],
    [['--delay', 'build']],
    [['--quota', 'cyclades.vm=-1']],
    [['--delay-ms', 'soon']],
    [['--base-url', 'not a url']],
    [['--token', '']],
  ])('answers exit code 2 with a message on stderr for %j', async (args) => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await simulatorCommand.run(args)).toBe(2);
      expect(err).toHaveBeenCalledWith(expect.stringContaining('snf-occi simulator:'));
      expect(err.mock.calls[0]![0]).toContain('Usage:');
    } finally {
      err.mockRestore();
    }
  });
});

describe('simulator command (standalone process)', () => {
  it('prints URLs and tokens, serves requests, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['bin/snf-occi.js', 'simulator', '--port', '0', '--token', 'cli-token', '--delay-ms', '0'],
      {
        cwd: new URL('../..', import.meta.url).pathname,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 15_000);
        child.stdout.on('data', () => {
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1] && out.includes('cli-token')) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      expect(out).toContain(`Identity (Astakos) URL: ${url}/identity/v2.0`);
      const r = await fetch(`${url}/compute/v2.0/flavors`, { headers: { 'X-Auth-Token': 'cli-token' } });
      expect(r.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out.split('cli-token').length - 1).toBe(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
