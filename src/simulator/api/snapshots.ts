// Block storage snapshots: create (202, CREATING → AVAILABLE), list (brief/detail), show, update
// (200), delete (202). Snapshots also show up as the user's images (is_snapshot: true).
import { randomUUID } from 'node:crypto';
import { badRequest } from '../faults.js';
import type { Snapshot } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { accepted, jsonBody, ok, param } from '../request.js';
import { isoformat } from '../time.js';
import { asStringId, optObject, optString, own, rootObject, stringMap } from '../validate.js';
import { snapshotBrief, snapshotDetail } from '../views/volume-view.js';

function snapshotOf(ctx: Ctx): Snapshot {
  return ctx.sim.store.snapshot(ctx.user, param(ctx, 'snapshot_id'));
}

function listSnapshots(detail: boolean) {
  return (ctx: Ctx): Reply => {
    const live = [...ctx.sim.store.owned(ctx.sim.store.snapshots, ctx.user)].filter((s) => !s.deleted);
    const render = detail ? snapshotDetail : snapshotBrief;
    return ok({ snapshots: live.map((s) => render(ctx.sim, s)) });
  };
}

export const listSnapshotsBrief = listSnapshots(false);
export const listSnapshotsDetail = listSnapshots(true);

export function createSnapshot(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'snapshot');
  const volumeId = asStringId(own(req, 'volume_id'));
  if (volumeId === null) throw badRequest("Malformed request. Missing attribute 'volume_id'.");
  const name = optString(req, 'display_name', 255);
  const description = optString(req, 'display_description', 256) ?? '';
  const metadataRaw = optObject(req, 'metadata');
  const metadata = metadataRaw ? stringMap(metadataRaw, 'metadata') : new Map<string, string>();
  const volume = ctx.sim.store.volume(ctx.user, volumeId);
  if (volume.deleted) throw badRequest(`Volume ${volume.id} has been deleted.`);
  const now = ctx.sim.now();
  const snap: Snapshot = {
    id: randomUUID(),
    userId: ctx.user.id,
    projectId: volume.projectId,
    volumeId: volume.id,
    name: name ?? `snapshot_${volume.id}_${isoformat(now)}`,
    description,
    size: volume.size,
    status: 'CREATING',
    progress: 0,
    metadata,
    created: now,
    updated: now,
    deleted: false,
  };
  ctx.sim.store.snapshots.set(snap.id, snap);
  ctx.sim.lifecycle.schedule('volume', () => {
    if (snap.deleted || snap.status !== 'CREATING') return;
    snap.status = 'AVAILABLE';
    snap.progress = 100;
    snap.updated = ctx.sim.now();
  });
  return accepted({ snapshot: snapshotDetail(ctx.sim, snap) });
}

export function getSnapshot(ctx: Ctx): Reply {
  return ok({ snapshot: snapshotDetail(ctx.sim, snapshotOf(ctx)) });
}

export function updateSnapshot(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'snapshot');
  const name = optString(req, 'display_name', 255);
  const description = optString(req, 'display_description', 256);
  const s = snapshotOf(ctx);
  if (name !== undefined) s.name = name;
  if (description !== undefined) s.description = description;
  s.updated = ctx.sim.now();
  return ok({ snapshot: snapshotDetail(ctx.sim, s) });
}

export function deleteSnapshot(ctx: Ctx): Reply {
  const s = snapshotOf(ctx);
  s.deleted = true;
  s.status = 'DELETED';
  s.updated = ctx.sim.now();
  return accepted();
}
