// The images a user can see: the public catalogue plus the user's own snapshots, which Synnefo
// also serves as (private, is_snapshot) images.
import type { Snapshot, User } from '../model.js';
import type { Sim } from '../sim.js';
import type { ImageLike } from '../views/catalogue-view.js';
import { GiB } from '../quotas.js';

const SNAPSHOT_IMAGE_STATUS: Record<Snapshot['status'], ImageLike['status']> = {
  CREATING: 'SAVING',
  AVAILABLE: 'ACTIVE',
  ERROR: 'ERROR',
  DELETED: 'UNKNOWN',
};

function snapshotAsImage(s: Snapshot): ImageLike {
  return {
    id: s.id,
    name: s.name,
    owner: s.userId,
    public: false,
    status: SNAPSHOT_IMAGE_STATUS[s.status],
    created: s.created,
    updated: s.updated,
    size: s.size * GiB,
    diskFormat: 'diskdump',
    containerFormat: 'bare',
    properties: Object.fromEntries(s.metadata),
    isSnapshot: true,
  };
}

export function findImage(sim: Sim, user: User, id: string): ImageLike | undefined {
  const img = sim.store.image(user, id);
  if (img) return { ...img, isSnapshot: false };
  const snap = sim.store.snapshots.get(id);
  if (snap && !snap.deleted && snap.userId === user.id) return snapshotAsImage(snap);
  return undefined;
}

export function listImages(sim: Sim, user: User): ImageLike[] {
  const out: ImageLike[] = [];
  for (const img of sim.store.images.values()) {
    if (img.public || img.owner === user.id) out.push({ ...img, isSnapshot: false });
  }
  for (const snap of sim.store.owned(sim.store.snapshots, user)) {
    if (!snap.deleted) out.push(snapshotAsImage(snap));
  }
  return out;
}
