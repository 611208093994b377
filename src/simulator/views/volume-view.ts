// Renders volumes (lower-case statuses, the brief create answer), snapshots and volume types as
// Synnefo's block storage API does.
import type { Snapshot, Volume, VolumeType } from '../model.js';
import type { Sim } from '../sim.js';
import { isoformat } from '../time.js';
import { links } from './links.js';

export function volumeBrief(sim: Sim, v: Volume): Record<string, unknown> {
  return { id: v.id, display_name: v.name, links: links(`${sim.urls.volumeV}/volumes/${v.id}`) };
}

export function volumeAttachments(v: Volume): unknown[] {
  if (v.serverId === null) return [];
  return [{ server_id: v.serverId, volume_id: Number(v.id), device_index: v.deviceIndex }];
}

export function volumeDetail(sim: Sim, v: Volume): Record<string, unknown> {
  return {
    ...volumeBrief(sim, v),
    status: v.status,
    size: v.size,
    display_description: v.description,
    created_at: isoformat(v.created),
    metadata: Object.fromEntries(v.metadata),
    snapshot_id: v.snapshotId,
    source_volid: null,
    image_id: v.imageId,
    attachments: volumeAttachments(v),
    volume_type: v.volumeTypeId,
    deleted: v.deleted,
    delete_on_termination: v.deleteOnTermination,
    user_id: v.userId,
    tenant_id: v.projectId,
    shared_to_project: v.sharedToProject,
  };
}

export function snapshotBrief(sim: Sim, s: Snapshot): Record<string, unknown> {
  return {
    id: s.id,
    size: s.size,
    display_name: s.name,
    display_description: s.description,
    status: s.deleted ? 'DELETED' : s.status,
    user_id: s.userId,
    tenant_id: s.projectId,
    'os-extended-snapshot-attribute:progress': s.status === 'AVAILABLE' ? '100%' : `${s.progress}%`,
    links: links(`${sim.urls.volumeV}/snapshots/${s.id}`),
  };
}

export function snapshotDetail(sim: Sim, s: Snapshot): Record<string, unknown> {
  return {
    ...snapshotBrief(sim, s),
    volume_id: s.volumeId,
    created_at: isoformat(s.created),
    updated_at: isoformat(s.updated),
    metadata: Object.fromEntries(s.metadata),
  };
}

export function volumeTypeView(t: VolumeType): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    deleted: t.deleted,
    'SNF:disk_template': t.diskTemplate,
    'SNF:detachable': t.detachable,
  };
}
