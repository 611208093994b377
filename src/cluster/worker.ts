// A cluster worker's side of serve --workers N: its channel to the primary, and its part in the
// reloads the primary leads (load the files when asked, switch when told that every worker could).
import { loadRules, type RuleSet } from '../mapping/load-rules.js';
import type { ReloadOutcome, Reloads } from '../server/rule-reloader.js';
import { Channel } from './channel.js';

/** The channel to the primary; it closes when the primary goes away. */
export function connectToPrimary(): Channel {
  const channel = new Channel((message, done) => process.send!(message, undefined, undefined, done));
  process.on('message', (m) => channel.receive(m));
  process.once('disconnect', () => channel.close());
  return channel;
}

export class WorkerReloads implements Reloads {
  last: ReloadOutcome | undefined;
  private loaded: RuleSet | undefined;

  constructor(
    private readonly primary: Channel,
    rulesDir: string,
    /** Switches this worker to a rule set. */
    apply: (ruleSet: RuleSet) => void,
  ) {
    primary.on('rules:prepare', async () => {
      const result = await loadRules(rulesDir);
      this.loaded = result.ruleSet;
      return result.problems;
    });
    primary.on('rules:commit', (body) => {
      const outcome = body as ReloadOutcome;
      // The fleet's generation, so that every worker names the rule set alike.
      if (this.loaded) apply({ ...this.loaded, generation: outcome.generation });
      this.loaded = undefined;
      this.last = outcome;
    });
    primary.on('rules:abort', (body) => {
      this.loaded = undefined;
      this.last = body as ReloadOutcome;
    });
  }

  /** A reload of every worker, led by the primary (an admin request to this worker). */
  reload(reason: string): Promise<ReloadOutcome> {
    return this.primary.request<ReloadOutcome>('rules:reload', { reason }, 120_000);
  }
}
