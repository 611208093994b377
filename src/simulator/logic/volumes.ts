// Volumes: creation (available at once, or creating → in_use when made for a server), attach and
// detach through server jobs, and deletion with Synnefo's rules for root and attached volumes.
import { badRequest } from '../faults.js';
import type { Server, User, Volume } from '../model.js';
import type { Sim } from '../sim.js';
import { runServerJob } from './jobs.js';
import { validateServerAction } from './server-state.js';

/** CYCLADES_VOLUME_MAX_SIZE (GiB) and the disks a server may carry. */
export const MAX_VOLUME_SIZE = 200;
export const MAX_VOLUMES_PER_SERVER = 8;

export interface NewVolume {
  name: string;
  description: string;
  size: number;
  volumeTypeId: number;
  projectId: string;
  metadata: Map<string, string>;
  snapshotId: string | null;
  imageId: string | null;
  deleteOnTermination: boolean;
}

export function newVolume(sim: Sim, user: User, spec: NewVolume): Volume {
  const now = sim.now();
  const v: Volume = {
    id: String(sim.store.nextId('volume', now)),
    userId: user.id,
    projectId: spec.projectId,
    name: spec.name,
    description: spec.description,
    size: spec.size,
    volumeTypeId: spec.volumeTypeId,
    status: 'available',
    serverId: null,
    deviceIndex: null,
    deleteOnTermination: spec.deleteOnTermination,
    metadata: spec.metadata,
    snapshotId: spec.snapshotId,
    imageId: spec.imageId,
    sharedToProject: false,
    created: now,
    updated: now,
    deleted: false,
  };
  sim.store.volumes.set(v.id, v);
  return v;
}

function nextDeviceIndex(sim: Sim, server: Server): number {
  let max = -1;
  for (const id of server.volumes) {
    const v = sim.store.volumes.get(id);
    if (v && v.deviceIndex !== null && v.deviceIndex > max) max = v.deviceIndex;
  }
  return max + 1;
}

/** Links a volume to a server without a job (used while the server itself is being built). */
export function bindVolume(sim: Sim, server: Server, v: Volume, status: Volume['status']): void {
  v.serverId = server.id;
  v.deviceIndex = nextDeviceIndex(sim, server);
  v.status = status;
  v.updated = sim.now();
  server.volumes.add(v.id);
}

/** The checks of attach_volume, in order: server state, volume status, type, disk template, count. */
export function checkAttachable(sim: Sim, server: Server, v: Volume): void {
  validateServerAction(server, 'ATTACH_VOLUME');
  if (v.status !== 'available') {
    throw badRequest(`Cannot attach volume while volume is in '${v.status.toUpperCase()}' status.`);
  }
  const type = sim.store.volumeTypes.get(v.volumeTypeId);
  if (!type?.detachable) {
    throw badRequest(`Volume type '${type?.name ?? v.volumeTypeId}' is not detachable`);
  }
  const flavor = sim.store.flavors.get(server.flavorId);
  if (flavor && flavor.volumeTypeId !== v.volumeTypeId) {
    throw badRequest(`Volume and server must have the same volume type (${type.name}).`);
  }
  if (server.volumes.size >= MAX_VOLUMES_PER_SERVER) {
    throw badRequest(`Maximum volumes per server limit reached (${MAX_VOLUMES_PER_SERVER}).`);
  }
}

export function attachVolume(sim: Sim, server: Server, v: Volume): void {
  checkAttachable(sim, server, v);
  bindVolume(sim, server, v, 'attaching');
  runServerJob(sim, server, 'ATTACH_VOLUME', 'volume', () => {
    if (v.status === 'attaching') {
      v.status = 'in_use';
      v.updated = sim.now();
    }
  });
}

/** Removes the link at once (job completion, server destruction). */
export function unbindVolume(sim: Sim, v: Volume): void {
  if (v.serverId !== null) sim.store.servers.get(v.serverId)?.volumes.delete(v.id);
  v.serverId = null;
  v.deviceIndex = null;
  v.updated = sim.now();
}

export function checkDetachable(server: Server, v: Volume): void {
  validateServerAction(server, 'DETACH_VOLUME');
  if (v.deviceIndex === 0) throw badRequest(`Cannot detach the root volume of server ${server.id}.`);
  if (v.status !== 'in_use' && v.status !== 'error') {
    throw badRequest(`Cannot detach volume while volume is in '${v.status.toUpperCase()}' status.`);
  }
}

/** Detaches through a DETACH_VOLUME job; `thenDelete` makes it the first half of a DELETE. */
export function detachVolume(sim: Sim, server: Server, v: Volume, thenDelete = false): void {
  checkDetachable(server, v);
  v.status = thenDelete ? 'deleting' : 'detaching';
  v.updated = sim.now();
  runServerJob(sim, server, 'DETACH_VOLUME', 'volume', () => {
    unbindVolume(sim, v);
    if (thenDelete) markVolumeDeleted(sim, v);
    else v.status = 'available';
  });
}

export function markVolumeDeleted(sim: Sim, v: Volume): void {
  v.status = 'deleted';
  v.deleted = true;
  v.updated = sim.now();
}

/** DELETE /volumes/{id}: root → 400; attached → detach then delete; else available/error only. */
export function deleteVolume(sim: Sim, v: Volume): void {
  if (v.deleted) throw badRequest(`Volume ${v.id} has been deleted.`);
  const server = v.serverId !== null ? sim.store.servers.get(v.serverId) : undefined;
  if (server && !server.deleted) {
    if (v.deviceIndex === 0) throw badRequest('Cannot delete the root volume of a server.');
    detachVolume(sim, server, v, true);
    return;
  }
  if (v.status !== 'available' && v.status !== 'error') {
    throw badRequest(`Cannot delete volume while volume is in '${v.status.toUpperCase()}' status.`);
  }
  markVolumeDeleted(sim, v);
}
