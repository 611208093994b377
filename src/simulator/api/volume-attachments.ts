// /servers/{id}/os-volume_attachments: list (root included, attachment id == volume id), attach and
// detach (both 202, asynchronous), show one (400 when that volume is not on this server).
import { badRequest } from '../faults.js';
import { attachVolume, detachVolume } from '../logic/volumes.js';
import type { Volume } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { accepted, jsonBody, ok, param } from '../request.js';
import { asStringId, isObject, own } from '../validate.js';
import { liveServerOf, serverOf } from './servers.js';

function attachmentView(v: Volume, serverId: number): Record<string, unknown> {
  return { id: Number(v.id), volumeId: Number(v.id), serverId, device: '' };
}

export function listVolumeAttachments(ctx: Ctx): Reply {
  const s = serverOf(ctx);
  const vols = [...s.volumes]
    .map((id) => ctx.sim.store.volumes.get(id))
    .filter((v): v is Volume => v !== undefined && !v.deleted)
    .sort((a, b) => Number(a.id) - Number(b.id));
  return ok({ volumeAttachments: vols.map((v) => attachmentView(v, s.id)) });
}

export function attachVolumeHandler(ctx: Ctx): Reply {
  const body = jsonBody(ctx);
  const s = liveServerOf(ctx);
  const att = isObject(body) ? own(body, 'volumeAttachment') : undefined;
  const volumeId = isObject(att) ? asStringId(own(att, 'volumeId')) : null;
  if (volumeId === null) throw badRequest("Malformed request. Missing attribute 'volumeId'.");
  const v = ctx.sim.store.volume(ctx.user, volumeId);
  attachVolume(ctx.sim, s, v);
  return accepted({ volumeAttachment: attachmentView(v, s.id) });
}

function attachedVolume(ctx: Ctx): { serverId: number; volume: Volume } {
  const s = serverOf(ctx);
  const v = ctx.sim.store.volume(ctx.user, param(ctx, 'volume_id'));
  if (v.serverId !== s.id || v.deleted)
    throw badRequest(`Volume '${v.id}' is not attached to server '${s.id}'`);
  return { serverId: s.id, volume: v };
}

export function getVolumeAttachment(ctx: Ctx): Reply {
  const { serverId, volume } = attachedVolume(ctx);
  return ok({ volumeAttachment: attachmentView(volume, serverId) });
}

export function detachVolumeHandler(ctx: Ctx): Reply {
  const s = liveServerOf(ctx);
  const { volume } = attachedVolume(ctx);
  detachVolume(ctx.sim, s, volume);
  return accepted();
}
