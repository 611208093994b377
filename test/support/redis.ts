// A real redis-server (Debian's package) for the tests that need one: started on a free loopback
// port with its data in a temporary directory (append-only file on, so that a restart keeps what
// was written, as a production Redis would), stopped and restarted on the same port. CI installs
// redis-server (.ci/run); elsewhere those tests are skipped when it is missing.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

function locate(): string | undefined {
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const REDIS_SERVER = locate();
/** In CI a missing redis-server fails the tests rather than skipping them. */
export const redisAvailable = !!REDIS_SERVER || !!process.env.CI;

export interface TestRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM: it writes its data and exits), as an operator's restart would. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same data. */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers (a hung server); resume() ends it. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startRedis(password?: string): Promise<TestRedis> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const dir = await mkdtemp(join(tmpdir(), 'snf-occi-redis-'));
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push('--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no');
    if (password) args.push('--requirepass', password);
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = child;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) {
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
    });
    child.stdout!.resume();
  };
  const stop = async () => {
    const child = proc;
    proc = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  const auth = password ? `:${password}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}/0`,
    stop,
    start,
    pause: () => proc?.kill('SIGSTOP'),
    resume: () => proc?.kill('SIGCONT'),
    async close() {
      proc?.kill('SIGCONT');
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
