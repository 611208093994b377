// Starts the OCCI server in-process for tests: port 0, a fresh temporary state directory, and a
// log that keeps its lines in memory (so tests can look at them, and the test output stays quiet).
// By default the rule set is the shipped OCCI model alone (mappings/infrastructure.yaml, copied
// into a temporary rules directory): the server as it is with no backend wired, whatever backend
// rules sit next to it. `restart()` stops the server and starts it again on the same state
// directory, to prove that what it keeps survives a restart.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuleSet } from '../../src/mapping/load-rules.js';
import { loadRules } from '../../src/mapping/load-rules.js';
import type { Limits } from '../../src/server/limits.js';
import { createLog } from '../../src/server/log.js';
import { startOcciServer } from '../../src/server/occi-server.js';

export const MAPPINGS_DIR = fileURLToPath(new URL('../../mappings', import.meta.url));

export interface TestServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly stateDir: string;
  /** JSON log lines written so far (across restarts). */
  readonly logLines: string[];
  /** Stops the server and starts a new one on the same state directory (the port may change). */
  restart(): Promise<void>;
  /** Stops the server and removes the state directory. */
  close(): Promise<void>;
}

/** The rule file that declares the OCCI categories (Core is built in). */
export const MODEL_RULES = join(MAPPINGS_DIR, 'infrastructure.yaml');

const cachedRules = new Map<string, Promise<RuleSet>>();

/** Loads a rules directory once per test file; fails loudly, with every problem, if it does not load. */
export function rulesFrom(dir: string): Promise<RuleSet> {
  let rules = cachedRules.get(dir);
  if (!rules) {
    rules = loadRules(dir).then((loaded) => {
      if (!loaded.ruleSet) {
        const problems = loaded.problems.map((p) => JSON.stringify(p)).join('\n');
        throw new Error(`the rules in ${dir} do not load:\n${problems}`);
      }
      return loaded.ruleSet;
    });
    cachedRules.set(dir, rules);
  }
  return rules;
}

let modelRulesDir: Promise<string> | undefined;

/** The shipped OCCI model without any backend rules: a temporary directory holding infrastructure.yaml. */
export function modelRules(): Promise<RuleSet> {
  modelRulesDir ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snf-occi-rules-'));
    await copyFile(MODEL_RULES, join(dir, 'infrastructure.yaml'));
    return dir;
  })();
  return modelRulesDir.then(rulesFrom);
}

export interface TestServerOptions {
  /** A rules directory to load instead of the model alone (e.g. MAPPINGS_DIR). */
  rulesDir?: string;
  limits?: Partial<Limits>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ruleSet = await (options.rulesDir ? rulesFrom(options.rulesDir) : modelRules());
  const stateDir = await mkdtemp(join(tmpdir(), 'snf-occi-test-'));
  const logLines: string[] = [];
  const log = createLog({ level: 'debug', write: (line) => logLines.push(line) });
  const start = () =>
    startOcciServer({
      port: 0,
      ruleSet,
      stateDir,
      log,
      ...(options.limits ? { limits: options.limits } : {}),
    });
  let running = await start();
  let closed = false;
  return {
    get url() {
      return running.url;
    },
    stateDir,
    logLines,
    async restart() {
      await running.close();
      running = await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await running.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
