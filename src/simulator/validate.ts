// Reading request JSON the way Synnefo's api.utils.get_attribute does: own properties only (a key
// like "constructor" is never inherited), one 400 message per kind of mistake.
import { badRequest } from './faults.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** obj[key] if it is an own property, else undefined. */
export function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Default cap for free-text fields, so that stored objects stay small whatever clients send. */
export const MAX_STRING = 1024;

const missing = (key: string) => badRequest(`Malformed request. Missing attribute '${key}'.`);
const invalid = (key: string) => badRequest(`Malformed request. Invalid '${key}' field`);

/** The request body must be a dict holding `key` as a dict: {"server": {...}}. */
export function rootObject(body: unknown, key: string): JsonObject {
  if (!isObject(body)) throw badRequest('Malformed request');
  return reqObject(body, key);
}

export function reqObject(obj: JsonObject, key: string): JsonObject {
  const v = own(obj, key);
  if (v === undefined || v === null) throw missing(key);
  if (!isObject(v)) throw invalid(key);
  return v;
}

export function optObject(obj: JsonObject, key: string): JsonObject | undefined {
  const v = own(obj, key);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalid(key);
  return v;
}

export function reqString(obj: JsonObject, key: string, max = MAX_STRING): string {
  const v = own(obj, key);
  if (v === undefined || v === null) throw missing(key);
  if (typeof v !== 'string') throw invalid(key);
  if (v.length > max) throw tooLong(key, max);
  return v;
}

export function optString(obj: JsonObject, key: string, max = MAX_STRING): string | undefined {
  const v = own(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(key);
  if (v.length > max) throw tooLong(key, max);
  return v;
}

const tooLong = (key: string, max: number) =>
  badRequest(`Malformed request. '${key}' is longer than ${max} characters`);

export function optBoolean(obj: JsonObject, key: string): boolean | undefined {
  const v = own(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(key);
  return v;
}

export function optArray(obj: JsonObject, key: string): unknown[] | undefined {
  const v = own(obj, key);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(key);
  return v;
}

/** Ids that Synnefo accepts as int or numeric string ("flavorRef": 3 or "3"); null if not an id. */
export function asIntId(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v === 'string' && v.length > 0 && v.length <= 15) {
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 48 || c > 57) return null;
    }
    return Number(v);
  }
  return null;
}

/** Ids that are strings in the API but may arrive as numbers ("network_id": 2001). */
export function asStringId(v: unknown): string | null {
  if (typeof v === 'string' && v.length > 0 && v.length <= 255) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return null;
}

/** Limits of volume and snapshot metadata (CYCLADES_VOLUME_MAX_METADATA, key/value lengths). */
export const MAX_METADATA_ITEMS = 10;
const MAX_METADATA_KEY = 64;
const MAX_METADATA_VALUE = 255;

/** A {string: string} dict such as metadata; `what` names it in the 400 message. */
export function stringMap(v: unknown, what: string): Map<string, string> {
  if (!isObject(v)) throw badRequest(`Malformed request. Invalid '${what}' field`);
  const m = new Map<string, string>();
  for (const [k, value] of Object.entries(v)) {
    if (
      typeof value !== 'string' ||
      k.length === 0 ||
      k.length > MAX_METADATA_KEY ||
      value.length > MAX_METADATA_VALUE
    ) {
      throw badRequest(`Malformed request. Invalid '${what}' field`);
    }
    m.set(k, value);
  }
  checkMetadataItems(m.size);
  return m;
}

export function checkMetadataItems(count: number): void {
  if (count > MAX_METADATA_ITEMS)
    throw badRequest(`Cannot have more than ${MAX_METADATA_ITEMS} metadata items`);
}
