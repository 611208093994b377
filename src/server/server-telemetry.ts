// The server's side of the engine's Telemetry: each report moves the Prometheus metrics and, for a
// request's telemetry, is added to the request's record (for its log line); at debug level it is
// logged at once, under the request id.
import type { Telemetry } from '../engine/telemetry.js';
import type { Log } from './log.js';
import type { ServerMetrics } from './metrics.js';
import { type RequestContext, recordBackendCall } from './request-context.js';

/** Telemetry for work outside any request (`context` undefined) or for one request. */
export function serverTelemetry(metrics: ServerMetrics, log: Log, context?: RequestContext): Telemetry {
  const logFor = () => context?.log ?? log;
  return {
    onRuleSelected(category, operation, origin) {
      if (context) context.rule = origin;
      const l = logFor();
      if (l.debugEnabled) l.debug('rule selected', { category, operation, rule: origin });
    },
    onBackendCall(service, step, method, status, seconds) {
      metrics.backendCalls.inc({ service, step, status: String(status) });
      metrics.backendSeconds.observe({ service, step }, seconds);
      const ms = Math.round(seconds * 10_000) / 10;
      if (context) recordBackendCall(context, { service, step, method, status, ms });
      const l = logFor();
      if (l.debugEnabled) l.debug('backend call', { service, step, method, status, ms });
    },
    onCompensation(outcome, step) {
      metrics.compensations.inc({ outcome });
      logFor().info('compensation', { step, outcome });
    },
    onOrphan(step) {
      metrics.orphans.inc();
      logFor().error('orphan: a backend object was left behind', { step });
    },
    onTemplateCache(result) {
      metrics.templateCache.inc({ result });
    },
  };
}
