// What the engine reports about its work, for metrics and debug logs: the rule it picked, each
// backend call, compensations, orphans and the template cache (rule reloads are the server's).
// The server implements it; the engine only calls it. Arguments are bounded values (names from
// the rules, statuses, outcomes): never a token, a user id or an entity id, so that they can be
// metric labels as they are.

export interface Telemetry {
  /** A rule was selected for an operation; `origin` is its position (file:line), for logs only. */
  onRuleSelected(category: string, operation: string, origin: string): void;
  /**
   * A backend call ended: `status` is the HTTP status, or the failure kind when no answer came
   * ('timeout', 'unreachable', 'too-large', 'bad-response').
   */
  onBackendCall(
    service: string,
    step: string,
    method: string,
    status: number | string,
    seconds: number,
  ): void;
  /** A compensation call undoing a completed step ran ('ok') or failed ('failed'). */
  onCompensation(outcome: 'ok' | 'failed', step: string): void;
  /** A backend object was left behind that nothing will remove (a compensation that gave up). */
  onOrphan(step: string): void;
  /** Template lists: served from the cache, fetched, or a refresh that failed. */
  onTemplateCache(result: 'hit' | 'miss' | 'refresh-failed'): void;
}

/** Telemetry that records nothing. */
export const NO_TELEMETRY: Telemetry = {
  onRuleSelected() {},
  onBackendCall() {},
  onCompensation() {},
  onOrphan() {},
  onTemplateCache() {},
};
