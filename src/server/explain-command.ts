// `snf-occi explain`: prints what the server would do with an OCCI request, sending nothing.
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_DIR } from '../mapping/default-rules.js';
import { loadRules } from '../mapping/load-rules.js';
import { formatProblem } from '../mapping/problems.js';
import { explain, formatExplanation } from './explain.js';

const usage = `Usage: snf-occi explain [--rules DIR] [-H 'Name: value' ...] [-d BODY] [--json] METHOD PATH

Shows the rule an OCCI request matches (file:line), the values it binds and the backend calls it
would make, without sending them. Headers and body as the client would send them, e.g.

  snf-occi explain -H 'Content-Type: text/occi' \\
    -H 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"' \\
    -H 'Category: 1; scheme="http://schemas.openstack.org/template/resource#"; class="mixin"' \\
    -H 'Category: debian; scheme="http://schemas.openstack.org/template/os#"; class="mixin"' \\
    -H 'X-OCCI-Attribute: occi.core.title="vm1"' POST /compute/

A body of @FILE is read from FILE.`;

export const explainCommand = {
  summary: 'Show the backend calls an OCCI request would make',
  usage,
  async run(args: string[]): Promise<number> {
    let values: { rules?: string; header?: string[]; data?: string; json?: boolean };
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          rules: { type: 'string' },
          header: { type: 'string', short: 'H', multiple: true },
          data: { type: 'string', short: 'd' },
          json: { type: 'boolean' },
        },
      }));
    } catch (e) {
      console.error(`snf-occi explain: ${(e as Error).message}\n\n${usage}`);
      return 2;
    }
    if (positionals.length !== 2) {
      console.error(`snf-occi explain: give METHOD and PATH\n\n${usage}`);
      return 2;
    }
    const headers: Record<string, string[]> = {};
    for (const h of values.header ?? []) {
      const colon = h.indexOf(':');
      if (colon <= 0) {
        console.error(`snf-occi explain: header '${h}' is not 'Name: value'`);
        return 2;
      }
      const name = h.slice(0, colon).trim().toLowerCase();
      headers[name] = [...(headers[name] ?? []), h.slice(colon + 1).trim()];
    }
    let body = values.data ?? '';
    if (body.startsWith('@')) {
      const { readFile } = await import('node:fs/promises');
      body = await readFile(body.slice(1), 'utf8');
    }
    const loaded = await loadRules(values.rules ?? DEFAULT_RULES_DIR);
    if (!loaded.ruleSet) {
      for (const p of loaded.problems) console.error(formatProblem(p));
      return 1;
    }
    const result = await explain(loaded.ruleSet, {
      method: positionals[0]!,
      path: positionals[1]!,
      headers,
      body,
    });
    console.log(values.json ? JSON.stringify(result, null, 2) : formatExplanation(result));
    return result.error && result.error.status >= 500 && result.error.status !== 501 ? 1 : 0;
  },
};
