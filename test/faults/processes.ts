// snf-occi commands as child processes, for the scenarios that kill or signal them: started from
// bin/snf-occi.js, ready once they print their listening line, and a load loop of OCCI requests
// that records every answer (or the error instead of one) with when it started and ended.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/snf-occi.js', import.meta.url));

export { freePort } from '../support/ports.js';

export interface Child {
  readonly process: ChildProcess;
  /** Everything it printed (stdout and stderr). */
  readonly output: string[];
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  readonly exited: Promise<number | string>;
}

/** Runs `snf-occi <args>`; resolves once a line of its output matches `ready`. */
export async function startCommand(args: string[], ready: RegExp): Promise<Child> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  await new Promise<void>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (ready.test(output.join(''))) resolve();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    exited.then((code) => reject(new Error(`snf-occi ${args[0]} exited (${code}):\n${output.join('')}`)));
  });
  return { process: child, output, exited };
}

/** Whether `snf-occi serve --help` lists an option. */
export async function serveHasOption(option: string): Promise<boolean> {
  const child = spawn(process.execPath, [BIN, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (c: Buffer) => {
    text += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    text += c.toString();
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return text.includes(option);
}

export interface Answer {
  /** performance.now() when the request was sent and when its answer (or error) came. */
  start: number;
  end: number;
  /** 0: no answer (a socket error). */
  status: number;
  error?: string;
}

/**
 * `clients` loops, each sending `request()` again as soon as the previous one is answered, until
 * stop() is called; every answer is kept.
 */
export function loadLoop(clients: number, request: () => Promise<Response>) {
  const answers: Answer[] = [];
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const start = performance.now();
      try {
        const res = await request();
        await res.arrayBuffer();
        answers.push({ start, end: performance.now(), status: res.status });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        answers.push({
          start,
          end: performance.now(),
          status: 0,
          error: cause?.code ?? cause?.message ?? String(e),
        });
      }
    }
  };
  const running = Array.from({ length: clients }, client);
  return {
    answers,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** Statuses of a set of answers with their counts, e.g. {200: 812, 502: 40}; socket errors under 0. */
export function statusCounts(answers: readonly Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

/** Waits until `condition` holds, checking every few ms; fails after `timeoutMs` (a deadline, not a measure). */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
