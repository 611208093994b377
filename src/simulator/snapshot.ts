// A JSON-able dump of every live resource per user, rendered as the API shows them, so tests can
// assert that nothing was orphaned (deleted objects and tombstones are left out).
import type { User } from './model.js';
import type { Sim } from './sim.js';
import { floatingIpView, networkView, portView, subnetView } from './views/network-view.js';
import { serverDetail } from './views/server-view.js';
import { snapshotDetail, volumeDetail } from './views/volume-view.js';

export interface UserSnapshot {
  userId: string;
  projectId: string;
  name: string;
  servers: Record<string, unknown>[];
  networks: Record<string, unknown>[];
  subnets: Record<string, unknown>[];
  ports: Record<string, unknown>[];
  floatingIps: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
  keypairs: { name: string; fingerprint: string }[];
  snapshots: Record<string, unknown>[];
}

export interface SimulatorSnapshot {
  /** Keyed by user id (tokens never appear). */
  users: Record<string, UserSnapshot>;
}

function userSnapshot(sim: Sim, user: User): UserSnapshot {
  const { store } = sim;
  const live = <T extends { deleted: boolean }>(items: Iterable<T>) => [...items].filter((i) => !i.deleted);
  return {
    userId: user.id,
    projectId: user.projectId,
    name: user.name,
    servers: live(store.owned(store.servers, user)).map((s) => serverDetail(sim, s)),
    networks: live(store.owned(store.networks, user)).map((n) => networkView(sim, n)),
    subnets: [...store.owned(store.subnets, user)].map((s) => subnetView(sim, s)),
    ports: [...store.owned(store.ports, user)].map((p) => portView(sim, p)),
    floatingIps: live(store.owned(store.floatingIps, user)).map((f) => floatingIpView(sim, f)),
    volumes: live(store.owned(store.volumes, user)).map((v) => volumeDetail(sim, v)),
    keypairs: [...store.userKeypairs(user).values()].map((k) => ({
      name: k.name,
      fingerprint: k.fingerprint,
    })),
    snapshots: live(store.owned(store.snapshots, user)).map((s) => snapshotDetail(sim, s)),
  };
}

export function takeSnapshot(sim: Sim): SimulatorSnapshot {
  const users: Record<string, UserSnapshot> = {};
  for (const u of sim.store.usersById.values()) users[u.id] = userSnapshot(sim, u);
  return { users };
}
