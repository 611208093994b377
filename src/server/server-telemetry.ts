// The server's side of the engine's Telemetry: each report moves the Prometheus metrics, is added
// to the current request's record (for its log line) and, at debug level, is logged at once.
import type { Telemetry } from '../engine/telemetry.js';
import type { Log } from './log.js';
import type { ServerMetrics } from './metrics.js';
import { currentRequest, recordBackendCall } from './request-context.js';

export function serverTelemetry(metrics: ServerMetrics, log: Log): Telemetry {
  const logFor = () => currentRequest()?.log ?? log;
  return {
    onRuleSelected(category, operation, origin) {
      const context = currentRequest();
      if (context) context.rule = origin;
      const l = logFor();
      if (l.debugEnabled) l.debug('rule selected', { category, operation, rule: origin });
    },
    onBackendCall(service, step, method, status, seconds) {
      metrics.backendCalls.inc({ service, step, status: String(status) });
      metrics.backendSeconds.observe({ service, step }, seconds);
      const ms = Math.round(seconds * 10_000) / 10;
      recordBackendCall({ service, step, method, status, ms });
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
