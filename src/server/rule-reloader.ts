// Hot reload of the rules: on a change in the rules directory (the directory is watched, not
// single files, so editors that replace files are seen), on SIGHUP and on an admin request, the
// whole rule set is loaded anew and swapped in at once. A rule set that fails to load is never
// served: the old one keeps serving and the problems are logged with their positions.
import { type FSWatcher, watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRules, type RuleSet } from '../mapping/load-rules.js';
import { formatProblem, type Problem, problem } from '../mapping/problems.js';
import type { Log } from './log.js';

export interface ReloadOutcome {
  ok: boolean;
  generation: number;
  problems: Problem[];
}

/** What reloads the rules for an admin request: this process's reloader, or a cluster's primary. */
export interface Reloads {
  reload(reason: string): Promise<ReloadOutcome>;
  /** The last reload's outcome, if any. */
  readonly last: ReloadOutcome | undefined;
}

export class RuleReloader implements Reloads {
  private watcher: RulesWatcher | undefined;
  private running: Promise<ReloadOutcome> | undefined;
  private again = false;
  last: ReloadOutcome | undefined;

  constructor(
    private readonly dir: string,
    private readonly current: () => RuleSet,
    private readonly swap: (ruleSet: RuleSet) => void,
    private readonly log: Log,
    private readonly debounceMs = 100,
    /** Told of each reload's outcome (for metrics). */
    private readonly onOutcome: (outcome: ReloadOutcome) => void = () => {},
  ) {}

  /** Loads the rules and swaps them in if they are clean. Concurrent calls share one load, plus one more. */
  reload(reason: string): Promise<ReloadOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let outcome: ReloadOutcome;
      do {
        this.again = false;
        const result = await loadRules(this.dir).catch((e: unknown) => ({
          ruleSet: undefined,
          problems: [
            problem(
              { file: this.dir, line: 1, col: 1 },
              'unreadable-file',
              `loading failed: ${(e as Error)?.message ?? e}`,
            ),
          ],
        }));
        if (result.ruleSet) {
          this.swap(result.ruleSet);
          outcome = { ok: true, generation: result.ruleSet.generation, problems: [] };
          this.log.info('rules reloaded', {
            reason,
            generation: result.ruleSet.generation,
            files: result.ruleSet.files.length,
          });
        } else {
          outcome = { ok: false, generation: this.current().generation, problems: result.problems };
          this.log.error('rules not reloaded: the old rules keep serving', {
            reason,
            problems: result.problems.map(formatProblem),
          });
        }
        this.onOutcome(outcome);
      } while (this.again);
      this.last = outcome;
      return outcome;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Reloads on every change in the rules directory (see RulesWatcher). */
  watch(): void {
    this.watcher ??= new RulesWatcher(
      this.dir,
      this.log,
      this.debounceMs,
      () => void this.reload('file change'),
    );
  }

  close(): void {
    this.watcher?.close();
  }
}

/**
 * Watches a rules directory and each directory below it (non-recursive watchers on directories
 * survive editors replacing files, which recursive watches on Linux do not always report), and
 * calls `changed` once per burst of changes (an editor saving).
 */
export class RulesWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly log: Log,
    private readonly debounceMs: number,
    private readonly changed: () => void,
  ) {
    void this.refreshWatchers();
  }

  private async refreshWatchers(): Promise<void> {
    const dirs = [this.dir];
    try {
      for (const e of await readdir(this.dir, { recursive: true, withFileTypes: true })) {
        if (e.isDirectory()) dirs.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
      }
    } catch (e) {
      this.log.warn('rules directory cannot be listed', { error: (e as Error).message });
    }
    if (this.closed) return;
    for (const [dir, w] of this.watchers) {
      if (!dirs.includes(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, (_event, file) => {
          if (file && !/\.ya?ml$/.test(String(file)) && !file.includes('.')) void this.refreshWatchers();
          if (file && !/\.ya?ml$/.test(String(file))) return;
          clearTimeout(this.timer);
          this.timer = setTimeout(this.changed, this.debounceMs);
        });
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch (e) {
        this.log.warn('rules directory watch failed', { dir, error: (e as Error).message });
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
