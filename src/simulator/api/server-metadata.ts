// Server metadata (a dict; single items travel as {"meta": {key: value}}) and tags (bare 404s and
// a `tag-status` header on the per-tag routes, as Synnefo's code does).
import { badRequest, CycladesFault, itemNotFound } from '../faults.js';
import type { Server } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { created, jsonBody, noContent, ok, param } from '../request.js';
import { isObject, own } from '../validate.js';
import {
  checkMetadata,
  checkMetadataCount,
  checkMetadataItem,
  checkTag,
  checkTags,
  MAX_TAGS,
} from './server-limits.js';
import { liveServerOf, serverOf } from './servers.js';

function touch(ctx: Ctx, s: Server): void {
  s.updated = ctx.sim.now();
}

export function listMetadata(ctx: Ctx): Reply {
  return ok({ metadata: Object.fromEntries(serverOf(ctx).metadata) });
}

export function updateMetadata(ctx: Ctx): Reply {
  const body = jsonBody(ctx);
  const s = liveServerOf(ctx);
  const metadata = isObject(body) ? own(body, 'metadata') : undefined;
  if (!isObject(metadata)) throw badRequest('Malformed request');
  const items = checkMetadata(metadata);
  checkMetadataCount(new Set([...s.metadata.keys(), ...items.keys()]).size);
  for (const [k, v] of items) s.metadata.set(k, v);
  touch(ctx, s);
  return created({ metadata: Object.fromEntries(s.metadata) });
}

export function getMetadataItem(ctx: Ctx): Reply {
  const key = param(ctx, 'key');
  const s = serverOf(ctx);
  const value = s.metadata.get(key);
  if (value === undefined) throw itemNotFound('Metadata key not found.');
  return ok({ meta: { [key]: value } });
}

export function putMetadataItem(ctx: Ctx): Reply {
  const key = param(ctx, 'key');
  const body = jsonBody(ctx);
  const s = liveServerOf(ctx);
  const meta = isObject(body) ? own(body, 'meta') : undefined;
  if (!isObject(meta)) throw badRequest('Malformed request');
  const keys = Object.keys(meta);
  const value = own(meta, key);
  if (keys.length !== 1 || typeof value !== 'string') throw badRequest('Malformed request');
  checkMetadataItem(key, value);
  if (!s.metadata.has(key)) checkMetadataCount(s.metadata.size + 1);
  s.metadata.set(key, value);
  touch(ctx, s);
  return created({ meta: { [key]: value } });
}

export function deleteMetadataItem(ctx: Ctx): Reply {
  const key = param(ctx, 'key');
  const s = liveServerOf(ctx);
  if (!s.metadata.delete(key)) throw itemNotFound('Metadata key not found.');
  touch(ctx, s);
  return noContent();
}

// --- tags ---

const TAG_STATUS = 'ACTIVE';

function tagsBody(s: Server): unknown {
  return { tags: [...s.tags], statuses: s.tags.map(() => TAG_STATUS) };
}

/** Absent tags get Django's bare 404 (no JSON body) on the per-tag routes. */
const bareNotFound = () => new CycladesFault(404, 'itemNotFound', 'Tag not found', { bare: true });

export function listTags(ctx: Ctx): Reply {
  return ok(tagsBody(serverOf(ctx)));
}

export function replaceTags(ctx: Ctx): Reply {
  const body = jsonBody(ctx);
  const s = liveServerOf(ctx);
  const tags = isObject(body) ? own(body, 'tags') : undefined;
  if (!Array.isArray(tags)) throw badRequest('Malformed request');
  s.tags = checkTags(tags);
  touch(ctx, s);
  return ok(tagsBody(s));
}

export function deleteTags(ctx: Ctx): Reply {
  const s = liveServerOf(ctx);
  if (s.tags.length === 0) throw itemNotFound('Server has no tags.');
  s.tags = [];
  touch(ctx, s);
  return noContent();
}

export function checkTagExists(ctx: Ctx): Reply {
  const s = serverOf(ctx);
  const tag = param(ctx, 'tag');
  if (!s.tags.includes(tag)) throw bareNotFound();
  return { status: 204, headers: { 'tag-status': TAG_STATUS } };
}

export function addTag(ctx: Ctx): Reply {
  const s = liveServerOf(ctx);
  const tag = checkTag(param(ctx, 'tag'));
  if (s.tags.includes(tag)) return { status: 204, headers: { 'tag-status': TAG_STATUS } };
  if (s.tags.length >= MAX_TAGS) throw badRequest(`A server cannot have more than ${MAX_TAGS} tags`);
  s.tags.push(tag);
  touch(ctx, s);
  const location = `${ctx.sim.urls.compute}/servers/${s.id}/tags/${encodeURIComponent(tag)}`;
  return { status: 201, headers: { Location: location, 'tag-status': TAG_STATUS } };
}

export function deleteTag(ctx: Ctx): Reply {
  const s = liveServerOf(ctx);
  const tag = param(ctx, 'tag');
  const i = s.tags.indexOf(tag);
  if (i < 0) throw bareNotFound();
  s.tags.splice(i, 1);
  touch(ctx, s);
  return noContent();
}
