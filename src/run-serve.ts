// `snf-occi serve` put together: the rules, the embedded simulator (when no backend is given), the
// backend client, the mapping engine, metrics and the OCCI server, then signals (SIGHUP reloads the
// rules; SIGTERM and SIGINT shut down within --shutdown-timeout). Called by cli.ts only: this is
// where the parts meet, so that none of them needs to know the others.
//
// With --workers N (N > 1) this process is the cluster primary: it checks the rules and the store,
// starts the simulator, keeps the user mixin file, and leads N workers (cluster/fleet.ts), each of
// which runs this same command and takes the worker's road below.
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { BackendClient } from './backend/backend-client.js';
import { connectToPrimary, WorkerReloads } from './cluster/worker.js';
import { Fleet, type WorkerSetup } from './cluster/fleet.js';
import { MappingEngine } from './engine/engine.js';
import { loadRules, type RuleSet } from './mapping/load-rules.js';
import { formatProblem } from './mapping/problems.js';
import { backendProbe } from './server/health.js';
import { createLog, type Log } from './server/log.js';
import { ServerMetrics } from './server/metrics.js';
import { startMetricsListener } from './server/metrics-listener.js';
import { type OcciServerOptions, type RunningOcciServer, startOcciServer } from './server/occi-server.js';
import { RulesWatcher } from './server/rule-reloader.js';
import type { ServeConfig } from './server/serve-command.js';
import { serverTelemetry } from './server/server-telemetry.js';
import type { RunningSimulator } from './simulator/index.js';
import { ClusterStorePrimary, ClusterWorkerStore } from './store/cluster-store.js';
import { FileMixinStore } from './store/file-store.js';
import type { MixinStore } from './store/mixin-store.js';
import { openStore } from './store/open-store.js';

type Tls = { cert: Buffer; key: Buffer };

export async function runServe(config: ServeConfig): Promise<number> {
  if (cluster.isWorker) return serveAsWorker(config);
  for (const w of config.warnings) console.error(`snf-occi serve: ${w}`);
  const log = createLog({ level: config.logLevel });
  const loaded = await loadRules(config.rulesDir);
  if (!loaded.ruleSet) {
    for (const p of loaded.problems) console.error(formatProblem(p));
    console.error(
      `snf-occi serve: the rules in ${config.rulesDir} do not load (${loaded.problems.length} problems)`,
    );
    return 1;
  }
  let tls: Tls | undefined;
  let store: MixinStore;
  try {
    tls = await readTls(config);
    store = await openStore(config, log);
  } catch (e) {
    console.error(`snf-occi serve: ${(e as Error).message}`);
    return 1;
  }
  let backend = config.backend;
  let simulator: RunningSimulator | undefined;
  if (!backend) {
    try {
      // Loaded only when needed: with --backend, start-up does not pay for the simulator's modules.
      const { startSimulator } = await import('./simulator/index.js');
      simulator = await startSimulator({ host: '127.0.0.1', port: config.simulatorPort });
    } catch (e) {
      console.error(`snf-occi serve: cannot start the embedded simulator: ${(e as Error).message}`);
      await store.close();
      return 1;
    }
    backend = simulator.identityUrl;
    console.log(`snf-occi: embedded Cyclades simulator on ${simulator.url}`);
    for (const u of simulator.users) console.log(`snf-occi: demo user ${u.name}: X-Auth-Token: ${u.token}`);
  }
  if (config.workers > 1) {
    // Redis was only checked: each worker opens its own connection.
    if (!(store instanceof FileMixinStore)) await store.close();
    const code = await serveAsPrimary(
      config,
      log,
      backend,
      store instanceof FileMixinStore ? store : undefined,
    );
    await simulator?.close();
    return code;
  }
  const metrics = new ServerMetrics();
  let served: Served;
  try {
    served = await startServing(
      config,
      { ruleSet: loaded.ruleSet, tls, store, backend, log, metrics },
      {
        rulesDir: config.rulesDir,
        watchRules: config.watchRules,
        ...(config.metrics ? { metricsListener: config.metrics } : {}),
      },
    );
  } catch (e) {
    console.error(`snf-occi serve: cannot start: ${(e as Error).message}`);
    await simulator?.close();
    return 1;
  }
  const running = served.running;
  const onHangup = () => void running.reloader?.reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  console.log(`snf-occi: serving OCCI on ${running.url} (query interface: ${running.url}/-/)`);
  if (running.metricsUrl) console.log(`snf-occi: metrics on ${running.metricsUrl}/metrics`);
  const signal = await stopSignal('once');
  process.off('SIGHUP', onHangup);
  await served.stop(signal);
  await simulator?.close();
  log.info('stopped');
  // Work of those requests may still hold timers (a rule's waitFor); it must not delay the exit.
  setTimeout(() => process.exit(0), 500).unref();
  return 0;
}

/**
 * The cluster primary: forks the workers and, with the file store, writes the file for them;
 * watches the rules and takes SIGHUP (the fleet reloads all or none), serves --metrics-port with
 * every worker's metrics, and on SIGTERM or SIGINT waits for every worker to drain.
 */
async function serveAsPrimary(
  config: ServeConfig,
  log: Log,
  backend: string,
  file: FileMixinStore | undefined,
): Promise<number> {
  const metrics = new ServerMetrics();
  const shared = file ? new ClusterStorePrimary(file, config.storeTimeoutMs, log) : undefined;
  const fleet = new Fleet({
    count: config.workers,
    backend,
    log,
    metrics,
    ...(shared ? { admit: (id, channel) => shared.admit(id, channel), leave: (id) => shared.leave(id) } : {}),
  });
  // The workers' deadline, and a margin for their start-up of the drain and their exit.
  const deadlineMs = config.limits.shutdownTimeoutMs + 2_000;
  let url: string;
  let metricsListener: Awaited<ReturnType<typeof startMetricsListener>> | undefined;
  try {
    url = await fleet.start();
    if (config.metrics)
      metricsListener = await startMetricsListener({
        ...config.metrics,
        metrics: fleet,
        readiness: () => fleet.readiness(),
      });
  } catch (e) {
    console.error(`snf-occi serve: cannot start: ${(e as Error).message}`);
    await fleet.stop(deadlineMs);
    await file?.close();
    return 1;
  }
  const watcher = config.watchRules
    ? new RulesWatcher(config.rulesDir, log, 100, () => void fleet.reload('file change'))
    : undefined;
  const onHangup = () => void fleet.reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  console.log(`snf-occi: serving OCCI on ${url} (query interface: ${url}/-/) with ${config.workers} workers`);
  if (metricsListener) console.log(`snf-occi: metrics on ${metricsListener.url}/metrics`);
  // Kept (not once): a second signal must not kill the primary while its workers drain.
  const signal = await stopSignal('kept');
  process.off('SIGHUP', onHangup);
  log.info('shutting down', { signal, workers: config.workers, timeoutMs: config.limits.shutdownTimeoutMs });
  watcher?.close();
  await fleet.stop(deadlineMs);
  await metricsListener?.close();
  await file?.close();
  log.info('stopped');
  setTimeout(() => process.exit(0), 500).unref();
  return 0;
}

/**
 * A cluster worker: asks the primary for the backend (and, with the file store, for the users'
 * mixins), loads the rules, serves the shared port, and drains on SIGTERM or SIGINT, or when the
 * primary goes away. Reloads and metrics go through the primary.
 */
async function serveAsWorker(config: ServeConfig): Promise<number> {
  const id = cluster.worker!.id;
  const log = createLog({ level: config.logLevel }).child({ worker: id });
  const primary = connectToPrimary();
  // Listening before hello: the primary's first messages may come before hello's answer.
  const replica = config.store ? undefined : new ClusterWorkerStore(primary, config.storeTimeoutMs);
  let ruleSet: RuleSet | undefined;
  let running: RunningOcciServer | undefined;
  const reloads = new WorkerReloads(primary, config.rulesDir, (next) => {
    ruleSet = next;
    running?.setRuleSet(next);
  });
  const metrics = new ServerMetrics();
  primary.on('metrics', () => metrics.registry.getMetricsAsJSON());
  primary.on('readiness', () => running?.readiness() ?? { ready: false, checks: { worker: 'starting' } });
  let served: Served;
  try {
    const setup = await primary.request<WorkerSetup>('hello', undefined, 30_000);
    let store: MixinStore;
    if (replica) {
      await replica.loaded;
      store = replica;
    } else store = await openStore(config, log);
    const loaded = await loadRules(config.rulesDir);
    if (!loaded.ruleSet) throw new Error(`the rules in ${config.rulesDir} do not load`);
    ruleSet ??= { ...loaded.ruleSet, generation: setup.generation };
    const tls = await readTls(config);
    served = await startServing(
      config,
      { ruleSet, tls, store, backend: setup.backend, log, metrics },
      {
        reloads,
        metricsText: { contentType: metrics.contentType, text: () => primary.request<string>('metrics') },
      },
    );
  } catch (e) {
    console.error(`snf-occi serve: worker ${id} cannot start: ${(e as Error).message}`);
    process.disconnect();
    setTimeout(() => process.exit(1), 500).unref();
    return 1;
  }
  running = served.running;
  await primary.request('listening', { url: running.url }).catch(() => undefined);
  // Kept (not once): Ctrl-C reaches the workers and the primary's SIGTERM follows.
  const signal = await stopSignal('kept', true);
  await served.stop(signal);
  log.info('stopped');
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 500).unref();
  return 0;
}

interface Parts {
  ruleSet: RuleSet;
  tls: Tls | undefined;
  store: MixinStore;
  backend: string;
  log: Log;
  metrics: ServerMetrics;
}

interface Served {
  running: RunningOcciServer;
  /** Drains within --shutdown-timeout, then cuts the backend calls still running. */
  stop(signal: string): Promise<void>;
}

/** The engine, its backend client and the OCCI server on the given parts; closes the store if it fails. */
async function startServing(
  config: ServeConfig,
  p: Parts,
  extra: Partial<OcciServerOptions>,
): Promise<Served> {
  const telemetry = serverTelemetry(p.metrics, p.log);
  const client = new BackendClient({ ...config.backendClient, observer: telemetry });
  const service = new MappingEngine({ identityUrl: p.backend, log: p.log, client, telemetry });
  let running: RunningOcciServer;
  try {
    running = await startOcciServer({
      host: config.host,
      port: config.port,
      ruleSet: p.ruleSet,
      stateDir: config.stateDir,
      store: p.store,
      service,
      log: p.log,
      limits: config.limits,
      metrics: p.metrics,
      backendProbe: backendProbe(client, p.backend, config.readiness.timeoutMs),
      readinessCacheMs: config.readiness.cacheMs,
      ...(config.adminToken ? { adminToken: config.adminToken } : {}),
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      ...(config.relativeLocations ? { relativeLocations: true } : {}),
      ...(p.tls ? { tls: p.tls } : {}),
      ...extra,
    });
  } catch (e) {
    await p.store.close();
    await service.close();
    throw e;
  }
  return {
    running,
    async stop(signal) {
      p.log.info('shutting down', { signal, timeoutMs: config.limits.shutdownTimeoutMs });
      await running.shutdown();
      // Every client has had its answer: backend calls still running (for requests answered 503) are cut.
      await client.destroy();
    },
  };
}

/**
 * The signal (or event) that stops serving. 'once': a second SIGINT or SIGTERM gets Node's default
 * (the process ends at once); 'kept': further ones are ignored. A worker also stops when its
 * primary goes away.
 */
function stopSignal(listeners: 'once' | 'kept', orPrimaryGone = false): Promise<string> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      if (listeners === 'once') process.once(signal, () => resolve(signal));
      else process.on(signal, () => resolve(signal));
    }
    if (orPrimaryGone) process.once('disconnect', () => resolve('the primary went away'));
  });
}

async function readTls(config: ServeConfig): Promise<Tls | undefined> {
  if (!config.tls) return undefined;
  try {
    return { cert: await readFile(config.tls.certFile), key: await readFile(config.tls.keyFile) };
  } catch (e) {
    throw new Error(`cannot read the TLS certificate or key: ${(e as Error).message}`);
  }
}
