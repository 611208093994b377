// `snf-occi serve`: loads the rules, opens the state store and serves OCCI until stopped.
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_DIR } from '../mapping/default-rules.js';
import { loadRules } from '../mapping/load-rules.js';
import { formatProblem } from '../mapping/problems.js';
import { createLog, type Level } from './log.js';
import { startOcciServer } from './occi-server.js';
import { MappingEngine } from '../engine/engine.js';
import { startSimulator } from '../simulator/index.js';

const usage = `Usage: snf-occi serve [options]

Options:
  --host H          address to listen on (default 127.0.0.1)
  --port N          port to listen on (default 8080)
  --rules DIR       directory of rule files (default: the shipped mappings/)
  --state-dir DIR   where user mixins are kept (default .snf-occi)
  --backend URL     identity URL of the Synnefo deployment (e.g. https://accounts.example.org/identity/v2.0);
                    without it, the embedded Cyclades simulator is started on a free loopback port
  --public-url URL  base URL of the locations in responses, as clients reach the server (default:
                    the address it listens on, e.g. http://127.0.0.1:8080)
  --relative-locations
                    render locations as paths (/compute/42) instead of absolute URLs
  --no-watch        do not reload the rules when a file in the rules directory changes
  --admin-token T   enable /_admin/ (reload, rules, explain) for requests with X-Admin-Token: T
                    (default: $SNF_OCCI_ADMIN_TOKEN; disabled when neither is set)
  --log-level L     debug, info, warn or error (default info)

The rules reload on a change in the rules directory, on SIGHUP and on POST /_admin/reload; rules
that do not load are never served (the old ones keep serving, the problems are logged).`;

export const serveCommand = {
  summary: 'Serve OCCI',
  usage,
  async run(args: string[]): Promise<number> {
    let values: Record<string, string | undefined>;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          host: { type: 'string', default: '127.0.0.1' },
          port: { type: 'string', default: '8080' },
          rules: { type: 'string', default: DEFAULT_RULES_DIR },
          'state-dir': { type: 'string', default: '.snf-occi' },
          'public-url': { type: 'string' },
          'relative-locations': { type: 'boolean' },
          backend: { type: 'string' },
          'no-watch': { type: 'boolean' },
          'admin-token': { type: 'string' },
          'log-level': { type: 'string', default: 'info' },
        },
        strict: true,
      }) as unknown as { values: Record<string, string | undefined> });
    } catch (e) {
      console.error(`snf-occi serve: ${(e as Error).message}\n\n${usage}`);
      return 2;
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`snf-occi serve: --port must be a port number, not '${values.port}'`);
      return 2;
    }
    const level = values['log-level'] as Level;
    if (!['debug', 'info', 'warn', 'error'].includes(level)) {
      console.error(`snf-occi serve: --log-level must be debug, info, warn or error`);
      return 2;
    }
    const log = createLog({ level });
    const loaded = await loadRules(values.rules!);
    if (!loaded.ruleSet) {
      for (const p of loaded.problems) console.error(formatProblem(p));
      console.error(
        `snf-occi serve: the rules in ${values.rules} do not load (${loaded.problems.length} problems)`,
      );
      return 1;
    }
    let backend = values.backend;
    let simulator: Awaited<ReturnType<typeof startSimulator>> | undefined;
    if (values['public-url'] !== undefined && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(values['public-url'])) {
      console.error(`snf-occi serve: --public-url must be an http(s) URL, not '${values['public-url']}'`);
      return 2;
    }
    if (backend !== undefined && !/^https?:\/\/[^\s]+$/.test(backend)) {
      console.error(`snf-occi serve: --backend must be an http(s) URL, not '${backend}'`);
      return 2;
    }
    if (!backend) {
      simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
      backend = simulator.identityUrl;
      console.log(`snf-occi: embedded Cyclades simulator on ${simulator.url}`);
      for (const u of simulator.users) console.log(`snf-occi: demo user ${u.name}: X-Auth-Token: ${u.token}`);
    }
    const service = new MappingEngine({ identityUrl: backend, log });
    const adminToken = values['admin-token'] ?? process.env.SNF_OCCI_ADMIN_TOKEN;
    let server: Awaited<ReturnType<typeof startOcciServer>>;
    try {
      server = await startOcciServer({
        host: values.host!,
        port,
        ruleSet: loaded.ruleSet,
        stateDir: values['state-dir']!,
        service,
        log,
        rulesDir: values.rules!,
        watchRules: !values['no-watch'],
        ...(adminToken ? { adminToken } : {}),
        ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
        ...(values['relative-locations'] ? { relativeLocations: true } : {}),
      });
    } catch (e) {
      console.error(`snf-occi serve: cannot start: ${(e as Error).message}`);
      await simulator?.close();
      return 1;
    }
    const onHangup = () => void server.reloader?.reload('SIGHUP');
    process.on('SIGHUP', onHangup);
    console.log(`snf-occi: serving OCCI on ${server.url} (query interface: ${server.url}/-/)`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    process.off('SIGHUP', onHangup);
    await server.close();
    await service.close();
    await simulator?.close();
    return 0;
  },
};
