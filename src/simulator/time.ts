// Timestamps as Synnefo renders them (ISO 8601, microseconds, "+00:00") and the `changes-since`
// query parameter with its three distinct 400 answers.
import { badRequest } from './faults.js';

/** Synnefo's isoformat: "2014-02-12T08:31:37.834000+00:00". */
export function isoformat(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000+00:00`;
}

/** How far back `changes-since` may reach (Synnefo POLL_LIMIT). */
export const POLL_LIMIT_MS = 3600 * 1000;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses an ISO 8601 timestamp (naive ones are UTC, as in Synnefo) to epoch ms, or null. */
export function parseIso(text: string): number | null {
  const m = ISO_8601.exec(text);
  if (!m) return null;
  const [, y, mo, d, hh = '0', mm = '0', ss = '0', frac = '', tz = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(hh);
  const minute = Number(mm);
  const second = Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  let ms = Date.UTC(
    Number(y),
    month - 1,
    day,
    hour,
    minute,
    second,
    Math.floor(Number(`0.${frac || '0'}`) * 1000),
  );
  if (new Date(ms).getUTCDate() !== day) return null;
  if (tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    ms -= sign * offset * 60_000;
  }
  return ms;
}

/** Validates `changes-since` like Synnefo's isoparse + filter_modified_since; returns epoch ms. */
export function parseChangesSince(text: string, now: number): number {
  const since = parseIso(text);
  if (since === null) throw badRequest('Invalid changes-since parameter.');
  if (since > now) throw badRequest('changes-since value set in the future.');
  if (now - since > POLL_LIMIT_MS) throw badRequest('Too old changes-since value.');
  return since;
}
