// The processes a bench run starts (simulator, snf-occi, the bare proxy, wrk) and what it reads
// about them from /proc: CPU time (utime+stime, in clock ticks) and resident memory.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Clock ticks per second, the unit of /proc/<pid>/stat times. */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface Started {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The first capture group of the banner pattern (the URL it listens on). */
  url: string;
  /** Every capture group of the banner pattern. */
  groups: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Core to pin the process to with taskset; undefined = not pinned. */
  core?: number;
  /** A line on stdout that says the process is ready; its first group is kept as `url`. */
  banner: RegExp;
  cwd?: string;
  timeoutMs?: number;
}

/** `taskset -c CORE cmd args` when pinned: taskset execs, so the pid is the command's own. */
export function pinned(core: number | undefined, cmd: string, args: string[]): [string, string[]] {
  return core === undefined ? [cmd, args] : ['taskset', ['-c', String(core), cmd, ...args]];
}

const running = new Set<ChildProcess>();

/** Ends every process this bench started (on exit, also after a failure). */
export function stopAll(): void {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export function start(name: string, cmd: string, args: string[], opts: StartOptions): Promise<Started> {
  const [file, argv] = pinned(opts.core, cmd, args);
  const child = spawn(file, argv, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => running.delete(child));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} printed no banner in time:\n${out}${err}`));
    }, opts.timeoutMs ?? 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (out.length < 100_000) out += d.toString();
      const m = opts.banner.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ name, child, pid: child.pid!, url: m[1] ?? '', groups: m.slice(1), stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${out}${err}`));
    });
  });
}

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "pid (comm) ": index 0 is field 3 (state) of proc(5).
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of one process, in seconds. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

/** The processes whose parent is `pid` (for a primary and its cluster workers). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds of a process and its live children (workers), plus those it has reaped. */
export function treeCpuSeconds(pid: number): number {
  const f = statFields(pid);
  let total = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
  for (const c of childrenOf(pid)) {
    try {
      total += cpuSeconds(c);
    } catch {
      // exited between the listing and the read
    }
  }
  return total;
}

/** Resident set size in MB (VmRSS), of the process and its live children when `tree`. */
export function rssMb(pid: number, tree = false): number {
  const one = (p: number) => {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  };
  let total = one(pid);
  if (tree) for (const c of childrenOf(pid)) total += one(c);
  return total;
}

/** A port that was free a moment ago (for processes whose port must be known before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function hasCommand(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // wrk --version exits 1 after printing its version.
    const out = (e as { stdout?: string }).stdout;
    return typeof out === 'string' && out.length > 0 ? out : undefined;
  }
}
