// Block storage volumes: list (brief/detail, changes-since), create (202 with the brief body;
// available at once, or creating → in_use when made for a server), show (deleted too), update
// (200 full), delete (202), metadata, reassign; and the volume types (/types).
import { badRequest, itemNotFound } from '../faults.js';
import { checkProject } from '../logic/floating-ips.js';
import { findImage } from '../logic/images.js';
import { runServerJob } from '../logic/jobs.js';
import { validateServerAction } from '../logic/server-state.js';
import {
  bindVolume,
  deleteVolume,
  MAX_VOLUME_SIZE,
  MAX_VOLUMES_PER_SERVER,
  newVolume,
} from '../logic/volumes.js';
import type { Server, Volume, VolumeType } from '../model.js';
import { GiB } from '../quotas.js';
import type { Ctx, Reply } from '../request.js';
import { accepted, intParam, jsonBody, ok, param } from '../request.js';
import {
  asIntId,
  checkMetadataItems,
  isObject,
  optBoolean,
  optObject,
  optString,
  own,
  rootObject,
  stringMap,
} from '../validate.js';
import { volumeBrief, volumeDetail, volumeTypeView } from '../views/volume-view.js';
import { changedSince, isReply } from './listing.js';
import { parseReassign } from './reassign.js';

/** Volume.name / Volume.description column sizes. */
const MAX_NAME = 255;
const MAX_DESCRIPTION = 256;

function volumeOf(ctx: Ctx): Volume {
  return ctx.sim.store.volume(ctx.user, param(ctx, 'volume_id'));
}

function listVolumes(detail: boolean) {
  return (ctx: Ctx): Reply => {
    const items = changedSince(ctx, ctx.sim.store.owned(ctx.sim.store.volumes, ctx.user));
    if (isReply(items)) return items;
    const render = detail ? volumeDetail : volumeBrief;
    return ok({ volumes: items.map((v) => render(ctx.sim, v)) });
  };
}

export const listVolumesBrief = listVolumes(false);
export const listVolumesDetail = listVolumes(true);

function volumeType(ctx: Ctx, ref: unknown): VolumeType {
  const id = asIntId(ref);
  const t = id === null ? undefined : ctx.sim.store.volumeTypes.get(id);
  if (!t || t.deleted) throw itemNotFound(`Volume type ${String(ref)} not found`);
  return t;
}

function checkSize(raw: unknown): number {
  const size = asIntId(raw);
  if (size === null || size <= 0) {
    throw badRequest(
      `Volume 'size' needs to be a positive integer value. '${String(raw)}' cannot be accepted.`,
    );
  }
  if (size > MAX_VOLUME_SIZE)
    throw badRequest(`Volume size '${size}' exceeds the maximum of ${MAX_VOLUME_SIZE} GB.`);
  return size;
}

export function createVolumeHandler(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'volume');
  const rawSize = own(req, 'size');
  if (rawSize == null) throw badRequest("Malformed request. Missing attribute 'size'.");
  const name = own(req, 'display_name');
  if (typeof name !== 'string') throw badRequest("Malformed request. Missing attribute 'display_name'.");
  if (name.length > MAX_NAME) throw badRequest(`Volume name is longer than ${MAX_NAME} characters`);
  const size = checkSize(rawSize);
  const description = optString(req, 'display_description', MAX_DESCRIPTION) ?? '';
  const metadataRaw = optObject(req, 'metadata');
  const metadata = metadataRaw ? stringMap(metadataRaw, 'metadata') : new Map<string, string>();
  if (own(req, 'source_volid') != null) throw badRequest('Cloning volumes is not supported');
  const projectId = checkProject(ctx.user, optString(req, 'project'));
  const rawType = own(req, 'volume_type');
  const type = rawType == null ? null : volumeType(ctx, rawType);
  const rawServer = own(req, 'server_id');

  let server: Server | null = null;
  let typeId: number;
  if (rawServer != null && rawServer !== '') {
    const id = asIntId(rawServer);
    if (id === null) throw badRequest("Malformed request. Invalid 'server_id' field");
    server = ctx.sim.store.server(ctx.user, id);
    const flavor = ctx.sim.store.flavors.get(server.flavorId);
    typeId = flavor?.volumeTypeId ?? 1;
    if (type && type.id !== typeId)
      throw badRequest('Volume type must be the same as the server volume type.');
    validateServerAction(server, 'ATTACH_VOLUME');
    if (server.volumes.size >= MAX_VOLUMES_PER_SERVER) {
      throw badRequest(`Maximum volumes per server limit reached (${MAX_VOLUMES_PER_SERVER}).`);
    }
  } else {
    if (!type) throw badRequest("Malformed request. Missing attribute 'volume_type'.");
    if (!type.detachable) throw badRequest(`Volume type '${type.name}' is not detachable`);
    typeId = type.id;
  }

  const snapshotId = optString(req, 'snapshot_id') ?? null;
  if (snapshotId !== null) {
    const snap = ctx.sim.store.snapshot(ctx.user, snapshotId);
    if (size < snap.size) throw badRequest('Volume size is smaller than the snapshot size.');
  }
  const imageId = optString(req, 'imageRef') ?? null;
  if (imageId !== null && !findImage(ctx.sim, ctx.user, imageId))
    throw itemNotFound(`Image '${imageId}' not found`);

  ctx.sim.quotas.check(ctx.user, { 'cyclades.disk': size * GiB });
  const v = newVolume(ctx.sim, ctx.user, {
    name,
    description,
    size,
    volumeTypeId: typeId,
    projectId,
    metadata,
    snapshotId,
    imageId,
    deleteOnTermination: true,
  });
  if (server) {
    bindVolume(ctx.sim, server, v, 'creating');
    runServerJob(ctx.sim, server, 'ATTACH_VOLUME', 'volume', () => {
      if (v.status === 'creating') {
        v.status = 'in_use';
        v.updated = ctx.sim.now();
      }
    });
  }
  return accepted({ volume: volumeBrief(ctx.sim, v) });
}

export function getVolume(ctx: Ctx): Reply {
  return ok({ volume: volumeDetail(ctx.sim, volumeOf(ctx)) });
}

export function updateVolume(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'volume');
  const name = optString(req, 'display_name', MAX_NAME);
  const description = optString(req, 'display_description', MAX_DESCRIPTION);
  const dot = optBoolean(req, 'delete_on_termination');
  const v = volumeOf(ctx);
  if (v.deleted) throw badRequest(`Volume ${v.id} has been deleted.`);
  if (name !== undefined) v.name = name;
  if (description !== undefined) v.description = description;
  if (dot !== undefined) v.deleteOnTermination = dot;
  v.updated = ctx.sim.now();
  return ok({ volume: volumeDetail(ctx.sim, v) });
}

export function deleteVolumeHandler(ctx: Ctx): Reply {
  deleteVolume(ctx.sim, volumeOf(ctx));
  return accepted();
}

export function volumeAction(ctx: Ctx): Reply {
  const r = parseReassign(ctx);
  const v = volumeOf(ctx);
  if (v.deleted) throw badRequest(`Volume ${v.id} has been deleted.`);
  v.projectId = r.projectId;
  v.sharedToProject = r.shared;
  v.updated = ctx.sim.now();
  return ok(undefined);
}

// --- metadata ---

export function getVolumeMetadata(ctx: Ctx): Reply {
  return ok({ metadata: Object.fromEntries(volumeOf(ctx).metadata) });
}

function writeMetadata(replace: boolean) {
  return (ctx: Ctx): Reply => {
    const body = jsonBody(ctx);
    const raw = isObject(body) ? own(body, 'metadata') : undefined;
    if (!isObject(raw)) throw badRequest("Malformed request. Missing attribute 'metadata'.");
    const items = stringMap(raw, 'metadata');
    const v = volumeOf(ctx);
    if (!replace) checkMetadataItems(new Set([...v.metadata.keys(), ...items.keys()]).size);
    if (replace) v.metadata.clear();
    for (const [k, value] of items) v.metadata.set(k, value);
    v.updated = ctx.sim.now();
    return ok({ metadata: Object.fromEntries(v.metadata) });
  };
}

export const mergeVolumeMetadata = writeMetadata(false);
export const replaceVolumeMetadata = writeMetadata(true);

export function deleteVolumeMetadataItem(ctx: Ctx): Reply {
  const v = volumeOf(ctx);
  if (!v.metadata.delete(param(ctx, 'key'))) throw itemNotFound('Metadata key not found.');
  v.updated = ctx.sim.now();
  return ok(undefined);
}

// --- volume types ---

export function listVolumeTypes(ctx: Ctx): Reply {
  const types = [...ctx.sim.store.volumeTypes.values()].filter((t) => !t.deleted);
  return ok({ volume_types: types.map(volumeTypeView) });
}

export function getVolumeType(ctx: Ctx): Reply {
  const t = ctx.sim.store.volumeTypes.get(intParam(ctx, 'type_id'));
  if (!t) throw itemNotFound(`Volume type ${param(ctx, 'type_id')} not found`);
  return ok({ volume_type: volumeTypeView(t) });
}
