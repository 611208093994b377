// The cluster primary's workers (serve --workers N): forks them (each serves the same port; the
// primary holds the listening socket and hands connections round), starts one again with a
// backoff when one dies, reloads the rules on all of them (all or none: each loads the files, and
// they switch only once every one has loaded them cleanly), gathers their metrics and readiness,
// and stops them within the shutdown deadline.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { formatProblem, type Problem, problem } from '../mapping/problems.js';
import type { Readiness } from '../server/health.js';
import type { Log } from '../server/log.js';
import type { MetricsText, ServerMetrics } from '../server/metrics.js';
import type { ReloadOutcome, Reloads } from '../server/rule-reloader.js';
import { Channel } from './channel.js';

/** What a worker is told when it says hello. */
export interface WorkerSetup {
  /** Identity URL of the backend (the primary's embedded simulator, or --backend). */
  backend: string;
  /** Generation of the rule set the fleet serves. */
  generation: number;
}

export interface FleetOptions {
  count: number;
  backend: string;
  log: Log;
  /** The primary's own metrics (reloads, restarts, its process), aggregated with the workers'. */
  metrics: ServerMetrics;
  /** Called when a worker says hello, before it is answered (the file store sends it the users' mixins). */
  admit?(id: number, channel: Channel): Promise<void>;
  leave?(id: number): void;
}

interface Member {
  worker: Worker;
  channel: Channel;
  /** Said hello: takes part in reloads. */
  admitted: boolean;
  /** The URL it serves, once listening. */
  url?: string;
  startedAt: number;
}

const MAX_BACKOFF_MS = 10_000;
/** A worker that lived this long resets the backoff. */
const STABLE_MS = 30_000;

export class Fleet implements Reloads, MetricsText {
  private readonly members = new Map<number, Member>();
  private stopping = false;
  private failures = 0;
  private readonly restarts = new Set<NodeJS.Timeout>();
  private generation = 1;
  private reloading: Promise<unknown> = Promise.resolve();
  private started: { resolve(url: string): void; reject(e: Error): void } | undefined;
  last: ReloadOutcome | undefined;
  readonly contentType: string;

  constructor(private readonly o: FleetOptions) {
    this.contentType = o.metrics.contentType;
    o.metrics.ruleGeneration.set(this.generation);
  }

  /** Forks the workers; resolves with the URL once all listen, rejects if one exits before. */
  start(): Promise<string> {
    const url = new Promise<string>((resolve, reject) => {
      this.started = { resolve, reject };
    });
    for (let i = 0; i < this.o.count; i++) this.fork();
    return url;
  }

  /** Reloads the rules on every worker; concurrent calls run one after the other. */
  reload(reason: string): Promise<ReloadOutcome> {
    const run = this.reloading.then(() => this.reloadAll(reason));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /** Every worker's metrics and the primary's, aggregated (counters summed). */
  async text(): Promise<string> {
    const theirs = await Promise.all(
      this.admitted().map((m) =>
        m.channel.request<object[]>('metrics', undefined, 2_000).catch(() => undefined),
      ),
    );
    const all = [await this.o.metrics.registry.getMetricsAsJSON(), ...theirs.filter((t) => t !== undefined)];
    return AggregatorRegistry.aggregate(all).metrics();
  }

  /** Ready when every worker listens and says it is ready; each check shows the worst answer. */
  async readiness(): Promise<Readiness> {
    const listening = [...this.members.values()].filter((m) => m.url);
    const answers = await Promise.all(
      listening.map((m) =>
        m.channel
          .request<Readiness>('readiness', undefined, 5_000)
          .catch(() => ({ ready: false, checks: { worker: 'no answer' } })),
      ),
    );
    const checks: Record<string, string> = {
      workers: listening.length === this.o.count ? 'ok' : `${listening.length} of ${this.o.count} listening`,
    };
    for (const a of answers)
      for (const [k, v] of Object.entries(a.checks))
        if (checks[k] === undefined || checks[k] === 'ok') checks[k] = v;
    return { ready: listening.length === this.o.count && answers.every((a) => a.ready), checks };
  }

  /** Tells every worker to drain and exit; kills those still there after `deadlineMs`. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    for (const t of this.restarts) clearTimeout(t);
    const gone = [...this.members.values()].map(
      (m) =>
        new Promise<void>((resolve) =>
          m.worker.isDead() ? resolve() : m.worker.once('exit', () => resolve()),
        ),
    );
    for (const m of this.members.values()) m.worker.process.kill('SIGTERM');
    const late = setTimeout(() => {
      for (const m of this.members.values()) {
        this.o.log.warn('a worker did not stop within the shutdown deadline; killed', {
          worker: m.worker.id,
        });
        m.worker.process.kill('SIGKILL');
      }
    }, deadlineMs);
    await Promise.all(gone);
    clearTimeout(late);
  }

  private fork(): void {
    const worker = cluster.fork();
    const channel = new Channel((message, done) => worker.send(message, undefined, undefined, done));
    const member: Member = { worker, channel, admitted: false, startedAt: Date.now() };
    this.members.set(worker.id, member);
    worker.on('message', (m) => channel.receive(m));
    worker.on('error', () => undefined); // a send to a worker that is going away: its exit follows
    channel.on('hello', async (): Promise<WorkerSetup> => {
      await this.o.admit?.(worker.id, channel);
      member.admitted = true;
      return { backend: this.o.backend, generation: this.generation };
    });
    channel.on('listening', (body) => {
      member.url = (body as { url: string }).url;
      const all = [...this.members.values()];
      if (this.started && all.length === this.o.count && all.every((m) => m.url)) {
        this.started.resolve(member.url);
        this.started = undefined;
      }
    });
    channel.on('rules:reload', (body) => this.reload((body as { reason: string }).reason));
    channel.on('metrics', () => this.text());
    worker.once('exit', (code, signal) => this.exited(member, code, signal));
  }

  private exited(member: Member, code: number | null, signal: string | null): void {
    const id = member.worker.id;
    this.members.delete(id);
    member.channel.close();
    this.o.leave?.(id);
    if (this.stopping) return;
    if (this.started) {
      // Not all listening yet: a worker that cannot start (a port taken, a store down) stops all.
      const failed = this.started;
      this.started = undefined;
      this.stopping = true;
      for (const m of this.members.values()) m.worker.process.kill('SIGTERM');
      failed.reject(new Error(`worker ${id} exited while starting (${signal ?? `exit code ${code}`})`));
      return;
    }
    this.failures = Date.now() - member.startedAt > STABLE_MS ? 0 : this.failures + 1;
    const delayMs = Math.min(100 * 2 ** this.failures, MAX_BACKOFF_MS);
    this.o.log.error('a worker exited unexpectedly; starting another', {
      worker: id,
      ...(signal ? { signal } : { code }),
      inMs: delayMs,
    });
    this.o.metrics.workerRestarts.inc();
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.stopping) this.fork();
    }, delayMs);
    this.restarts.add(timer);
  }

  private admitted(): Member[] {
    return [...this.members.values()].filter((m) => m.admitted);
  }

  /** Each worker loads the files; all switch if every one loaded them cleanly, else none does. */
  private async reloadAll(reason: string): Promise<ReloadOutcome> {
    const members = this.admitted();
    const loads = await Promise.all(
      members.map((m) =>
        m.channel
          .request<Problem[]>('rules:prepare', undefined, 60_000)
          .catch((e: Error): Problem[] => [
            problem(
              { file: '(worker)', line: 1, col: 1 },
              'unreadable-file',
              `worker ${m.worker.id}: ${e.message}`,
            ),
          ]),
      ),
    );
    const problems = loads.find((p) => p.length > 0);
    if (!problems) this.generation++;
    const outcome: ReloadOutcome = { ok: !problems, generation: this.generation, problems: problems ?? [] };
    const step = problems ? 'rules:abort' : 'rules:commit';
    await Promise.all(members.map((m) => m.channel.request(step, outcome, 5_000).catch(() => undefined)));
    this.last = outcome;
    this.o.metrics.ruleReloads.inc({ outcome: outcome.ok ? 'ok' : 'failed' });
    this.o.metrics.ruleGeneration.set(this.generation);
    if (outcome.ok)
      this.o.log.info('rules reloaded on every worker', {
        reason,
        generation: this.generation,
        workers: members.length,
      });
    else
      this.o.log.error('rules not reloaded: the old rules keep serving on every worker', {
        reason,
        problems: outcome.problems.map(formatProblem),
      });
    return outcome;
  }
}
