// `snf-occi serve` put together: the rules, the embedded simulator (when no backend is given), the
// backend client, the mapping engine, metrics and the OCCI server, then signals (SIGHUP reloads the
// rules; SIGTERM and SIGINT shut down within --shutdown-timeout). Called by cli.ts only: this is
// where the parts meet, so that none of them needs to know the others.
import { readFile } from 'node:fs/promises';
import { BackendClient } from './backend/backend-client.js';
import { MappingEngine } from './engine/engine.js';
import { loadRules } from './mapping/load-rules.js';
import { formatProblem } from './mapping/problems.js';
import { backendProbe } from './server/health.js';
import { createLog } from './server/log.js';
import { ServerMetrics } from './server/metrics.js';
import { type RunningOcciServer, startOcciServer } from './server/occi-server.js';
import type { ServeConfig } from './server/serve-command.js';
import { serverTelemetry } from './server/server-telemetry.js';
import type { RunningSimulator } from './simulator/index.js';
import type { MixinStore } from './store/mixin-store.js';
import { openStore } from './store/open-store.js';

export async function runServe(config: ServeConfig): Promise<number> {
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
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (config.tls) {
    try {
      tls = { cert: await readFile(config.tls.certFile), key: await readFile(config.tls.keyFile) };
    } catch (e) {
      console.error(`snf-occi serve: cannot read the TLS certificate or key: ${(e as Error).message}`);
      return 1;
    }
  }
  let store: MixinStore;
  try {
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
  const metrics = new ServerMetrics();
  const telemetry = serverTelemetry(metrics, log);
  const client = new BackendClient({ ...config.backendClient, observer: telemetry });
  let server: RunningOcciServer | undefined;
  const service = new MappingEngine({ identityUrl: backend, log, client, telemetry });
  try {
    server = await startOcciServer({
      host: config.host,
      port: config.port,
      ruleSet: loaded.ruleSet,
      stateDir: config.stateDir,
      store,
      service,
      log,
      limits: config.limits,
      rulesDir: config.rulesDir,
      watchRules: config.watchRules,
      metrics,
      backendProbe: backendProbe(client, backend, config.readiness.timeoutMs),
      readinessCacheMs: config.readiness.cacheMs,
      ...(config.adminToken ? { adminToken: config.adminToken } : {}),
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      ...(config.relativeLocations ? { relativeLocations: true } : {}),
      ...(tls ? { tls } : {}),
      ...(config.metrics ? { metricsListener: config.metrics } : {}),
    });
  } catch (e) {
    console.error(`snf-occi serve: cannot start: ${(e as Error).message}`);
    await store.close();
    await service.close();
    await simulator?.close();
    return 1;
  }
  const running = server;
  const onHangup = () => void running.reloader?.reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  console.log(`snf-occi: serving OCCI on ${running.url} (query interface: ${running.url}/-/)`);
  if (running.metricsUrl) console.log(`snf-occi: metrics on ${running.metricsUrl}/metrics`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.off('SIGHUP', onHangup);
  log.info('shutting down', { signal, timeoutMs: config.limits.shutdownTimeoutMs });
  await running.shutdown();
  // Every client has had its answer: backend calls still running (for requests answered 503) are cut.
  await client.destroy();
  await simulator?.close();
  log.info('stopped');
  // Work of those requests may still hold timers (a rule's waitFor); it must not delay the exit.
  setTimeout(() => process.exit(0), 500).unref();
  return 0;
}
