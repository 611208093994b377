// The bench's table rows: each figure next to its goal (issue 12; the workers row from issue 16),
// as ratios of figures measured in the same run; and, with --baseline, this build against another.
import { fmt, median, pick, type Round, type Row, ratio, spread, statusNote } from './report.js';

export interface Extras {
  servers: number;
  rssIdle: { occi: number; bare: number; baseline?: number };
  /** Wall time and the process's own CPU time from spawn to the first 200, ms, per start. */
  startup: { occi: number[]; bare: number[]; baseline: number[] };
  startupCpu: { occi: number[]; bare: number[]; baseline: number[] };
  workers: { one: Round[]; two: Round[] } | undefined;
  /** Whether the workers part was asked for (its row says n/a when `serve --workers` is missing). */
  workersRan: boolean;
  /** Cores of the machine (for the workers row). */
  cores: number;
  /** GET compute with the file store and with Redis (issue 16), when redis-server is there. */
  store?: { file: Round[]; redis: Round[] } | undefined;
}

export function summarise(rounds: Round[], x: Extras): Row[] {
  const rows: Row[] = [];
  const m = (rs: Round[], f: (r: Round) => number) => median(rs.map(f));
  const s = (rs: Round[], f: (r: Round) => number, d = 0) => spread(rs.map(f), d);
  for (const [scenario, label] of [
    ['get-text', 'text/plain'],
    ['get-json', 'JSON'],
  ] as const) {
    const a = pick(rounds, scenario, 'snf-occi');
    const b = pick(rounds, scenario, 'bare');
    if (a.length === 0) continue;
    const rps = m(a, (r) => r.rps) / m(b, (r) => r.rps);
    rows.push({
      metric: `GET /compute/{id} req/s, ${label}`,
      snfOcci: s(a, (r) => r.rps) + statusNote(a),
      reference: s(b, (r) => r.rps) + statusNote(b),
      ratio: ratio(
        m(a, (r) => r.rps),
        m(b, (r) => r.rps),
      ),
      goal: '≥ 0.8×',
      met: rps >= 0.8 && statusNote(a) === '',
    });
    const cpu = m(a, (r) => r.cpuPerRequestUs) / m(b, (r) => r.cpuPerRequestUs);
    rows.push({
      metric: `CPU per request (µs), ${label}`,
      snfOcci: s(a, (r) => r.cpuPerRequestUs),
      reference: s(b, (r) => r.cpuPerRequestUs),
      ratio: ratio(
        m(a, (r) => r.cpuPerRequestUs),
        m(b, (r) => r.cpuPerRequestUs),
      ),
      goal: '≤ 1.25×',
      met: cpu <= 1.25,
    });
    rows.push({
      metric: `p50 / p99 latency (ms), ${label}`,
      snfOcci: `${fmt(
        m(a, (r) => r.p50Ms),
        2,
      )} / ${fmt(
        m(a, (r) => r.p99Ms),
        2,
      )}`,
      reference: `${fmt(
        m(b, (r) => r.p50Ms),
        2,
      )} / ${fmt(
        m(b, (r) => r.p99Ms),
        2,
      )}`,
      ratio: `${ratio(
        m(a, (r) => r.p50Ms),
        m(b, (r) => r.p50Ms),
      )} / ${ratio(
        m(a, (r) => r.p99Ms),
        m(b, (r) => r.p99Ms),
      )}`,
      goal: '(none set; follows req/s)',
    });
  }
  for (const [scenario, label] of [
    ['list-text', 'text/plain'],
    ['list-json', 'JSON'],
  ] as const) {
    const a = pick(rounds, scenario, 'snf-occi');
    const b = pick(rounds, scenario, 'backend');
    if (a.length === 0) continue;
    const lat = m(a, (r) => r.p50Ms) / m(b, (r) => r.p50Ms);
    rows.push({
      metric: `GET /compute/ with ${fmt(x.servers)} servers, ${label}: p50 latency (ms) vs the backend's GET /servers/detail`,
      snfOcci: s(a, (r) => r.p50Ms, 1) + statusNote(a),
      reference: s(b, (r) => r.p50Ms, 1) + statusNote(b),
      ratio: ratio(
        m(a, (r) => r.p50Ms),
        m(b, (r) => r.p50Ms),
      ),
      goal: '200, ≤ 2×',
      met: lat <= 2 && statusNote(a) === '',
    });
  }
  for (const [scenario, label, goal, limit] of [
    ['query-text', 'GET /-/ CPU per request (µs), text/plain', '≤ 300 µs', 300],
    ['query-json', 'GET /-/ CPU per request (µs), JSON', '≤ 300 µs', 300],
    ['no-token', '401 without token, CPU per request (µs)', '≤ 100 µs', 100],
  ] as const) {
    const a = pick(rounds, scenario, 'snf-occi');
    if (a.length === 0) continue;
    const cpu = m(a, (r) => r.cpuPerRequestUs);
    const expected = scenario === 'no-token' ? a[0]?.status === 401 : statusNote(a) === '';
    rows.push({
      metric: label,
      snfOcci:
        s(a, (r) => r.cpuPerRequestUs) +
        (scenario === 'no-token' ? ` [status ${a[0]?.status}]` : statusNote(a)),
      reference: '—',
      ratio: '—',
      goal,
      met: cpu <= limit && expected,
    });
  }
  const occiRounds = rounds.filter((r) => r.target === 'snf-occi');
  const bareRounds = rounds.filter((r) => r.target === 'bare');
  rows.push({
    metric: 'RSS idle (MB, started and answered once)',
    snfOcci: fmt(x.rssIdle.occi),
    reference: fmt(x.rssIdle.bare),
    ratio: ratio(x.rssIdle.occi, x.rssIdle.bare, 1),
    goal: '≤ 80 MB',
    met: x.rssIdle.occi <= 80,
  });
  const rssLoad = Math.max(...occiRounds.map((r) => r.rssMaxMb));
  if (occiRounds.length > 0)
    rows.push({
      metric: 'RSS under load (MB, highest sampled)',
      snfOcci: fmt(rssLoad),
      reference: fmt(Math.max(...bareRounds.map((r) => r.rssMaxMb))),
      ratio: '—',
      goal: '≤ 150 MB',
      met: rssLoad <= 150,
    });
  const up = median(x.startup.occi);
  if (x.startup.occi.length > 0)
    rows.push({
      metric: `\`serve\` start to first answered request (ms, ${x.startup.occi.length} runs)`,
      snfOcci: spread(x.startup.occi),
      reference: spread(x.startup.bare),
      ratio: ratio(up, median(x.startup.bare), 1),
      goal: '≤ 1,000 ms',
      met: up <= 1000,
    });
  if (x.startup.occi.length > 0)
    rows.push({
      metric: '`serve` CPU time (utime+stime) from spawn to that first answer (ms)',
      snfOcci: spread(x.startupCpu.occi),
      reference: spread(x.startupCpu.bare),
      ratio: ratio(median(x.startupCpu.occi), median(x.startupCpu.bare), 1),
      goal: '(context: unlike wall time, not stretched by other load)',
    });
  if (x.workers) {
    const r1 = m(x.workers.one, (r) => r.rps);
    const r2 = m(x.workers.two, (r) => r.rps);
    const wrk2 = m(x.workers.two, (r) => r.wrkCpuPerRequestUs * r.rps) / 1e6;
    rows.push({
      metric: 'GET /compute/{id} req/s, 2 workers vs 1 (issue 16)',
      snfOcci: `${fmt(r2)} vs ${fmt(r1)}`,
      reference: `wrk used ${fmt(wrk2 * 100)} % of a core at 2 workers`,
      ratio: ratio(r2, r1),
      goal: '≥ 1.6×',
      met: r2 / r1 >= 1.6,
    });
    // On a machine whose cores the load generator and the backend share with the workers, two
    // workers cannot have two cores: what those two used at 2 workers is taken out of the cores
    // (one worker has a core to itself either way: they fit on the other one).
    const others2 = m(x.workers.two, (r) => (r.wrkCpuPerRequestUs + r.backendCpuPerRequestUs) * r.rps) / 1e6;
    const left = Math.min(2, x.cores - others2);
    rows.push({
      metric:
        'the same, for 2 cores of its own: 2 workers’ req/s scaled by 2 / the cores wrk and the simulator left them',
      snfOcci: `${fmt((2 * r2) / left)} vs ${fmt(r1)}`,
      reference: `wrk + simulator: ${fmt(others2 * 100)} % of a core; ${fmt(left, 2)} cores left`,
      ratio: ratio((2 * r2) / left, r1),
      goal: '≥ 1.6× (accounted)',
      met: (2 * r2) / left / r1 >= 1.6,
    });
  } else if (x.workersRan) {
    rows.push({
      metric: 'GET /compute/{id} req/s, 2 workers vs 1 (issue 16)',
      snfOcci: 'n/a (no --workers yet)',
      reference: '—',
      ratio: '—',
      goal: '≥ 1.6×',
    });
  }
  if (x.store) {
    const file = x.store.file;
    const redis = x.store.redis;
    rows.push({
      metric: 'GET /compute/{id} CPU per request (µs), --store redis vs the file store (issue 16)',
      snfOcci: s(redis, (r) => r.cpuPerRequestUs),
      reference: s(file, (r) => r.cpuPerRequestUs),
      ratio: ratio(
        m(redis, (r) => r.cpuPerRequestUs),
        m(file, (r) => r.cpuPerRequestUs),
      ),
      goal: '(context: a Redis read per request)',
    });
    rows.push({
      metric: 'GET /compute/{id} req/s, --store redis vs the file store; redis-server CPU per request (µs)',
      snfOcci: `${s(redis, (r) => r.rps)}; redis ${s(redis, (r) => r.sideCpuPerRequestUs ?? Number.NaN)}`,
      reference: s(file, (r) => r.rps),
      ratio: ratio(
        m(redis, (r) => r.rps),
        m(file, (r) => r.rps),
      ),
      goal: '(context)',
    });
  }
  const getRounds = rounds.filter((r) => r.scenario.startsWith('get-'));
  if (getRounds.length === 0) return rows;
  const wrkOcci = getRounds.filter((r) => r.target === 'snf-occi');
  const wrkBare = getRounds.filter((r) => r.target === 'bare');
  // The hardest case for the generator: the cheapest process, the most requests per second.
  const wrkUs = m(wrkBare, (r) => r.wrkCpuPerRequestUs);
  const bareUs = m(wrkBare, (r) => r.cpuPerRequestUs);
  rows.push({
    metric: 'load generator (wrk) CPU per request (µs), GET /compute/{id}, in the rounds of each',
    snfOcci: s(wrkOcci, (r) => r.wrkCpuPerRequestUs),
    reference: s(wrkBare, (r) => r.wrkCpuPerRequestUs),
    ratio: `${ratio(wrkUs, bareUs)} of the bare proxy's own`,
    goal: "< the measured process's",
    met: wrkUs < bareUs,
  });
  rows.push({
    metric: 'backend (simulator) CPU per request (µs), GET /compute/{id} text/plain',
    snfOcci: s(pick(rounds, 'get-text', 'snf-occi'), (r) => r.backendCpuPerRequestUs),
    reference: s(pick(rounds, 'get-text', 'bare'), (r) => r.backendCpuPerRequestUs),
    ratio: '—',
    goal: '(context)',
  });
  return rows;
}

const SCENARIOS: Record<string, string> = {
  'get-text': 'GET /compute/{id}, text/plain',
  'get-json': 'GET /compute/{id}, JSON',
  'list-text': 'GET /compute/ (list), text/plain',
  'list-json': 'GET /compute/ (list), JSON',
  'query-text': 'GET /-/, text/plain',
  'query-json': 'GET /-/, JSON',
  'no-token': '401 without token',
};

/** This build against --baseline, scenario by scenario (rounds interleaved with each other). */
export function baselineRows(rounds: Round[], x: Extras): Row[] {
  const rows: Row[] = [];
  const m = (rs: Round[], f: (r: Round) => number) => median(rs.map(f));
  const s = (rs: Round[], f: (r: Round) => number) => spread(rs.map(f));
  for (const [scenario, label] of Object.entries(SCENARIOS)) {
    const a = pick(rounds, scenario, 'snf-occi');
    const b = pick(rounds, scenario, 'baseline');
    if (a.length === 0 || b.length === 0) continue;
    // 401 is the expected answer of the no-token scenario: only other scenarios' statuses are news.
    const note = (rs: Round[]) => (scenario === 'no-token' ? '' : statusNote(rs));
    rows.push({
      metric: `${label}: CPU per request (µs)`,
      snfOcci: s(a, (r) => r.cpuPerRequestUs) + note(a),
      reference: s(b, (r) => r.cpuPerRequestUs) + note(b),
      ratio: ratio(
        m(a, (r) => r.cpuPerRequestUs),
        m(b, (r) => r.cpuPerRequestUs),
      ),
      goal: '< 1× pays',
    });
    rows.push({
      metric: `${label}: req/s`,
      snfOcci: s(a, (r) => r.rps),
      reference: s(b, (r) => r.rps),
      ratio: ratio(
        m(a, (r) => r.rps),
        m(b, (r) => r.rps),
      ),
      goal: '> 1× pays',
    });
  }
  if (x.rssIdle.baseline !== undefined) {
    rows.push({
      metric: 'RSS idle (MB)',
      snfOcci: fmt(x.rssIdle.occi),
      reference: fmt(x.rssIdle.baseline),
      ratio: ratio(x.rssIdle.occi, x.rssIdle.baseline),
      goal: '',
    });
  }
  if (x.startup.baseline.length > 0) {
    rows.push({
      metric: 'start to first answered request (ms)',
      snfOcci: spread(x.startup.occi),
      reference: spread(x.startup.baseline),
      ratio: ratio(median(x.startup.occi), median(x.startup.baseline)),
      goal: '',
    });
    rows.push({
      metric: 'CPU time from spawn to first answered request (ms)',
      snfOcci: spread(x.startupCpu.occi),
      reference: spread(x.startupCpu.baseline),
      ratio: ratio(median(x.startupCpu.occi), median(x.startupCpu.baseline)),
      goal: '',
    });
  }
  return rows;
}
