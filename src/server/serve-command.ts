// `snf-occi serve`: loads the rules, opens the state store and serves OCCI until stopped.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRules } from '../mapping/load-rules.js';
import { formatProblem } from '../mapping/problems.js';
import { createLog, type Level } from './log.js';
import { startOcciServer } from './occi-server.js';

export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../mappings', import.meta.url));

const usage = `Usage: snf-occi serve [options]

Options:
  --host H          address to listen on (default 127.0.0.1)
  --port N          port to listen on (default 8080)
  --rules DIR       directory of rule files (default: the shipped mappings/)
  --state-dir DIR   where user mixins are kept (default .snf-occi)
  --public-url URL  base URL for absolute locations in responses (default: relative paths)
  --log-level L     debug, info, warn or error (default info)`;

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
          'log-level': { type: 'string', default: 'info' },
        },
        strict: true,
      }) as { values: Record<string, string | undefined> });
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
    let server: Awaited<ReturnType<typeof startOcciServer>>;
    try {
      server = await startOcciServer({
        host: values.host!,
        port,
        ruleSet: loaded.ruleSet,
        stateDir: values['state-dir']!,
        log,
        ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
      });
    } catch (e) {
      console.error(`snf-occi serve: cannot start: ${(e as Error).message}`);
      return 1;
    }
    console.log(`snf-occi: serving OCCI on ${server.url} (query interface: ${server.url}/-/)`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};
