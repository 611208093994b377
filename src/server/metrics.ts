// The Prometheus metrics of one server, in a registry of its own (so that several servers in one
// process, as in tests, do not mix): OCCI requests, backend calls, the template cache, rule
// reloads, compensations and orphans, in-flight requests, and Node's default process metrics.
// Every label takes a bounded set of values (operations, kinds and steps named by the rules,
// statuses, outcomes); no label ever holds a token, a user or an entity id.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Seconds; OCCI requests range from a cached GET (ms) to creates that wait on the backend (tens of s).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** A Prometheus text exposition: one server's registry, or a cluster's workers aggregated. */
export interface MetricsText {
  text(): Promise<string>;
  readonly contentType: string;
}

export class ServerMetrics implements MetricsText {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'snf_occi_requests_total',
    help: 'OCCI requests answered, by OCCI operation, kind and HTTP status (499: the client went away first)',
    labelNames: ['operation', 'kind', 'status'],
    registers: [this.registry],
  });

  readonly requestSeconds = new Histogram({
    name: 'snf_occi_request_duration_seconds',
    help: 'Time from receiving an OCCI request to the end of its answer, by OCCI operation and kind',
    labelNames: ['operation', 'kind'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: 'snf_occi_requests_in_flight',
    help: 'OCCI requests received and not yet answered',
    registers: [this.registry],
  });

  readonly backendCalls = new Counter({
    name: 'snf_occi_backend_requests_total',
    help: 'Backend calls, by service and rule step, and HTTP status or failure kind (timeout, unreachable, ...)',
    labelNames: ['service', 'step', 'status'],
    registers: [this.registry],
  });

  readonly backendSeconds = new Histogram({
    name: 'snf_occi_backend_request_duration_seconds',
    help: 'Duration of backend calls, by service and rule step',
    labelNames: ['service', 'step'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly templateCache = new Counter({
    name: 'snf_occi_template_cache_total',
    help: 'Template list look-ups: hit (served from the cache), miss (fetched), refresh-failed',
    labelNames: ['result'],
    registers: [this.registry],
  });

  readonly ruleReloads = new Counter({
    name: 'snf_occi_rule_reloads_total',
    help: 'Rule reloads, by outcome (failed: the old rules keep serving)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly ruleGeneration = new Gauge({
    name: 'snf_occi_rules_generation',
    help: 'Generation of the rule set being served (with workers: the oldest any of them serves)',
    aggregator: 'min',
    registers: [this.registry],
  });

  /** Read when scraped: whether the user mixin store answers (set by the server that has one). */
  storeState: () => Promise<string> = async () => 'ok';

  readonly storeUp = new Gauge({
    name: 'snf_occi_store_up',
    help: 'Whether the user mixin store is reachable (1) or not (0); with workers: the lowest of them',
    aggregator: 'min',
    registers: [this.registry],
    collect: async () => {
      this.storeUp.set((await this.storeState()) === 'ok' ? 1 : 0);
    },
  });

  readonly compensations = new Counter({
    name: 'snf_occi_compensations_total',
    help: 'Compensation calls undoing a completed step after a later one failed, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly orphans = new Counter({
    name: 'snf_occi_orphans_total',
    help: 'Backend objects left behind by a compensation that failed (see the log for what to remove)',
    registers: [this.registry],
  });

  readonly workerRestarts = new Counter({
    name: 'snf_occi_worker_restarts_total',
    help: 'Workers (serve --workers) started again after one died unexpectedly',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    // Present from the start, so that dashboards and alerts see zeros rather than no series.
    for (const outcome of ['ok', 'failed']) {
      this.ruleReloads.inc({ outcome }, 0);
      this.compensations.inc({ outcome }, 0);
    }
    for (const result of ['hit', 'miss', 'refresh-failed']) this.templateCache.inc({ result }, 0);
    this.orphans.inc(0);
    this.workerRestarts.inc(0);
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
