// Server metadata and tag limits (CYCLADES_VM_MAX_METADATA, key/value lengths, tag rules); metadata
// overflow is a 400 in Synnefo, not a 413.
import { badRequest } from '../faults.js';
import { isObject } from '../validate.js';

export const MAX_METADATA = 10;
const MAX_KEY = 50;
const MAX_VALUE = 500;
export const MAX_TAGS = 50;
const MAX_TAG = 60;

/** Validates a metadata dict; returns it as a Map. */
export function checkMetadata(v: unknown): Map<string, string> {
  if (!isObject(v)) throw badRequest('Malformed request');
  const m = new Map<string, string>();
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== 'string') throw badRequest('Malformed request. Metadata values must be strings');
    checkMetadataItem(k, value);
    m.set(k, value);
  }
  checkMetadataCount(m.size);
  return m;
}

export function checkMetadataCount(total: number): void {
  if (total > MAX_METADATA) {
    throw badRequest(`Virtual machines cannot have more than ${MAX_METADATA} metadata items`);
  }
}

export function checkMetadataItem(key: string, value: string): void {
  if (key.length === 0 || key.length > MAX_KEY) throw badRequest('Malformed request. Invalid metadata key');
  if (value.length > MAX_VALUE) throw badRequest('Malformed request. Metadata value is too long');
}

export function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag.length === 0) throw badRequest('Malformed request. Invalid tag');
  if (tag.length > MAX_TAG)
    throw badRequest(`Tag '${tag.slice(0, MAX_TAG)}…' is longer than ${MAX_TAG} characters`);
  if (tag.includes('/') || tag.includes(','))
    throw badRequest(`Tag '${tag}' contains invalid characters ('/' or ',')`);
  return tag;
}

export function checkTags(tags: unknown[]): string[] {
  if (tags.length > MAX_TAGS) throw badRequest(`A server cannot have more than ${MAX_TAGS} tags`);
  return [...new Set(tags.map(checkTag))];
}
