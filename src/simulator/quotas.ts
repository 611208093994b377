// Astakos-style resource quotas: usage is computed from the store, limits are configurable, and an
// excess answers Synnefo's exact 413 overLimit body.
import { overLimit } from './faults.js';
import type { Server, User } from './model.js';
import type { Store } from './store.js';

export type QuotaLimits = Record<string, number>;

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** ram and disk are counted in bytes, as Astakos does. */
export const DEFAULT_QUOTAS: QuotaLimits = {
  'cyclades.vm': 20,
  'cyclades.cpu': 40,
  'cyclades.ram': 80 * GiB,
  'cyclades.total_cpu': 80,
  'cyclades.total_ram': 160 * GiB,
  'cyclades.disk': 2048 * GiB,
  'cyclades.floating_ip': 10,
  'cyclades.network.private': 10,
};

/** Names astakosclient's render_overlimit_exception shows in `details`. */
const DISPLAY_NAMES: Record<string, string> = {
  'cyclades.vm': 'Virtual Machine',
  'cyclades.cpu': 'CPU',
  'cyclades.ram': 'RAM',
  'cyclades.total_cpu': 'Total CPU',
  'cyclades.total_ram': 'Total RAM',
  'cyclades.disk': 'Disk',
  'cyclades.floating_ip': 'Floating IP address',
  'cyclades.network.private': 'Private Network',
};

export const QUOTA_RESOURCES = Object.keys(DEFAULT_QUOTAS);

/** Servers that hold cpu/ram: building or started, or about to start (Synnefo: BUILD/START add, STOP frees). */
export function holdsRunningResources(s: Server): boolean {
  return s.operstate === 'BUILD' || s.operstate === 'STARTED' || s.task === 'START';
}

export function usage(store: Store, user: User): Record<string, number> {
  const u: Record<string, number> = {};
  for (const r of QUOTA_RESOURCES) u[r] = 0;
  const add = (r: string, n: number) => {
    u[r] = (u[r] ?? 0) + n;
  };
  for (const s of store.owned(store.servers, user)) {
    if (s.deleted) continue;
    const f = store.flavors.get(s.flavorId);
    if (!f) continue;
    add('cyclades.vm', 1);
    add('cyclades.total_cpu', f.cpu);
    add('cyclades.total_ram', f.ram * MiB);
    if (holdsRunningResources(s)) {
      add('cyclades.cpu', f.cpu);
      add('cyclades.ram', f.ram * MiB);
    }
  }
  for (const v of store.owned(store.volumes, user)) if (!v.deleted) add('cyclades.disk', v.size * GiB);
  for (const f of store.owned(store.floatingIps, user)) if (!f.deleted) add('cyclades.floating_ip', 1);
  for (const n of store.owned(store.networks, user)) if (!n.deleted) add('cyclades.network.private', 1);
  return u;
}

export class Quotas {
  constructor(
    private readonly store: Store,
    readonly limits: QuotaLimits,
  ) {}

  /** Throws 413 for the first resource the provision would exceed. */
  check(user: User, provision: Record<string, number>): void {
    const used = usage(this.store, user);
    for (const [resource, requested] of Object.entries(provision)) {
      if (requested <= 0) continue;
      const limit = this.limits[resource] ?? Number.POSITIVE_INFINITY;
      const current = used[resource] ?? 0;
      if (current + requested > limit) {
        const name = DISPLAY_NAMES[resource] ?? resource;
        const available = Math.max(0, limit - current);
        throw overLimit(
          'Resource Limit Exceeded for your account.',
          `Limit for resource '${name}' exceeded for your account. Available: ${available}, Requested: ${requested}`,
        );
      }
    }
  }

  /** The `GET /account/v1.0/quotas` view: {project: {resource: {usage, limit, pending, ...}}}. */
  view(user: User): Record<string, Record<string, Record<string, number>>> {
    const used = usage(this.store, user);
    const resources: Record<string, Record<string, number>> = {};
    for (const r of QUOTA_RESOURCES) {
      const limit = this.limits[r] ?? 0;
      const u = used[r] ?? 0;
      resources[r] = { usage: u, limit, pending: 0, project_usage: u, project_limit: limit };
    }
    return { [user.projectId]: resources };
  }
}

export { GiB, MiB };
