// Command-line entry: parses the subcommand and hands over to the module that implements it.
// The only module that knows all the others.
import { VERSION } from './version.js';

/** A subcommand: what `--help` says of it, and what it does (resolving to the exit code). */
interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Exit codes, as documented in the README. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** `serve`: options parsed by serve-command.ts, the parts put together by run-serve.ts. */
async function serveCommand(): Promise<Command> {
  const { parseServeArgs, serveUsage, UsageError } = await import('./server/serve-command.js');
  return {
    summary: 'Serve OCCI',
    usage: serveUsage,
    async run(args) {
      let config: Awaited<ReturnType<typeof parseServeArgs>>;
      try {
        config = await parseServeArgs(args, process.env);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`snf-occi serve: ${e.message}\n\nSee snf-occi serve --help`);
        return EXIT.usage;
      }
      return (await import('./run-serve.js')).runServe(config);
    },
  };
}

const commands: Record<string, () => Promise<Command>> = {
  serve: serveCommand,
  simulator: async () => (await import('./simulator/command.js')).simulatorCommand,
  check: async () => (await import('./mapping/check-command.js')).checkCommand,
  explain: async () => (await import('./server/explain-command.js')).explainCommand,
};

function help(): string {
  const lines = [
    'snf-occi: an OCCI 1.2 server in front of Synnefo Cyclades',
    '',
    'Usage: snf-occi <command> [options]',
    '',
    'Commands:',
  ];
  const summaries: Record<string, string> = {
    serve: 'serve OCCI (on the embedded Cyclades simulator unless --backend is given)',
    simulator: 'run the Cyclades simulator standalone',
    check: 'check rule files; print every problem with file:line:col',
    explain: 'show the rule an OCCI request matches and the backend calls it would make',
  };
  for (const name of Object.keys(commands)) lines.push(`  ${name.padEnd(12)}${summaries[name] ?? ''}`);
  lines.push(
    '',
    'Options:',
    '  -h, --help     show help (also: snf-occi <command> --help)',
    '  -v, --version  show the version',
  );
  lines.push('', 'Exit codes: 0 success, 1 failure (e.g. rules that do not check), 2 usage error.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    console.log(help());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    console.log(VERSION);
    return EXIT.ok;
  }
  const load = commands[first];
  if (!load) {
    console.error(`snf-occi: unknown command '${first}'\n\n${help()}`);
    return EXIT.usage;
  }
  const command = await load();
  if (rest.includes('-h') || rest.includes('--help')) {
    console.log(`${command.summary}\n\n${command.usage}`);
    return EXIT.ok;
  }
  return command.run(rest);
}
