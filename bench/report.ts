// What a bench round measured, and how the figures are printed: medians with their spread over
// rounds, ratios, markdown tables (bench/summary.ts chooses the rows).
import type { WrkResult } from './wrk.js';

/** One wrk round against one process. */
export interface Round extends WrkResult {
  scenario: string;
  target: string;
  /** CPU of the measured process (and its workers) per request, in µs. */
  cpuPerRequestUs: number;
  /** The simulator's CPU per request in µs (the backend work behind each request). */
  backendCpuPerRequestUs: number;
  wrkCpuPerRequestUs: number;
  /** CPU per request in µs of a process the target relies on besides the backend (its Redis). */
  sideCpuPerRequestUs?: number;
  /** Highest resident memory of the measured process sampled during the round. */
  rssMaxMb: number;
  /** Status of a probe request just before the rounds. */
  status: number;
}

export interface Row {
  metric: string;
  snfOcci: string;
  reference: string;
  ratio: string;
  goal: string;
  /** Whether the goal is met; undefined where there is nothing to judge. */
  met?: boolean;
}

export const median = (xs: number[]): number => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** "median (min–max)" over rounds. */
export function spread(xs: number[], digits = 0): string {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return '—';
  if (ok.length === 1) return fmt(ok[0]!, digits);
  return `${fmt(median(ok), digits)} (${fmt(Math.min(...ok), digits)}–${fmt(Math.max(...ok), digits)})`;
}

export const ratio = (a: number, b: number, digits = 2) => (b > 0 ? `${fmt(a / b, digits)}×` : '—');

/** Rounds of one scenario against one target. */
export const pick = (rounds: Round[], scenario: string, target: string) =>
  rounds.filter((r) => r.scenario === scenario && r.target === target);

/** A status note for rounds whose answers were not all 2xx. */
export function statusNote(rounds: Round[]): string {
  const bad = rounds.reduce((n, r) => n + r.non2xx + r.socketErrors, 0);
  const status = rounds[0]?.status;
  if (bad === 0 && status !== undefined && status < 300) return '';
  return ` [status ${status}${bad ? `, ${fmt(bad)} non-2xx/errors` : ''}]`;
}

/** A markdown table; `columns` names the two figures' columns. */
export function table(rows: Row[], columns: [string, string] = ['snf-occi', 'reference']): string {
  const head = ['metric', ...columns, 'ratio', 'goal', 'met'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const met = r.met === undefined ? '' : r.met ? 'yes' : 'no';
    lines.push(`| ${[r.metric, r.snfOcci, r.reference, r.ratio, r.goal, met].join(' | ')} |`);
  }
  return lines.join('\n');
}
