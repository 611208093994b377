// Runs wrk (the load generator: C, event loop, far cheaper per request than what it measures) and
// reads its summary, plus wrk's own CPU time: wrk runs under a shell that prints its children's
// utime+stime (cutime/cstime of /proc/<shell>/stat) once wrk has exited.
import { spawn } from 'node:child_process';
import { CLOCK_TICKS, pinned } from './processes.js';

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  threads: number;
  headers: Record<string, string>;
  core?: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses with a status outside 2xx/3xx. */
  non2xx: number;
  socketErrors: number;
  /** wrk's own CPU seconds. */
  cpuSeconds: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : Number.NaN;
}

export function parseWrk(out: string): Omit<WrkResult, 'cpuSeconds'> {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  if (!total) throw new Error(`cannot read wrk's output:\n${out}`);
  const requests = Number(total[1]);
  const seconds = duration(`${total[2]}${total[3]}`) / 1000;
  const percentile = (p: string) => duration(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1]);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0,
  };
}

export function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = ['-t', String(o.threads), '-c', String(o.connections), '-d', `${o.seconds}s`];
  args.push('--latency', '--timeout', '30s');
  for (const [name, value] of Object.entries(o.headers)) args.push('-H', `${name}: ${value}`);
  args.push(o.url);
  const [file, argv] = pinned(o.core, 'wrk', args);
  const script = '"$@"; s=$?; echo; echo "shell-stat: $(cat /proc/$$/stat)"; exit $s';
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script, 'sh', file, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk failed (${code}):\n${out}`));
      try {
        const stat = /shell-stat: (.*)/.exec(out)?.[1] ?? '';
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        resolve({ ...parseWrk(out), cpuSeconds: (Number(f[13]) + Number(f[14])) / CLOCK_TICKS });
      } catch (e) {
        reject(e);
      }
    });
  });
}
