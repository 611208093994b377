// Floating IPs: allocation from a public network's pool (quota first, then the pool), release, and
// finding one of the user's unused floating IPs when a server or port asks for a public address.
import { badRequest, conflict, forbidden, itemNotFound } from '../faults.js';
import { formatIpv4, parseIpv4 } from '../ip-address.js';
import type { FloatingIp, Network, User } from '../model.js';
import type { Sim } from '../sim.js';

export interface AllocateRequest {
  networkId?: string;
  address?: string;
  projectId?: string;
}

function poolsFor(sim: Sim, user: User, networkId: string | undefined): Network[] {
  if (networkId !== undefined) {
    const n = sim.store.network(user, networkId);
    if (n.deleted) throw itemNotFound(`Network ${networkId} not found.`);
    if (!n.floatingIpPool) {
      throw badRequest(`Cannot allocate floating IP. Network ${n.id} is not a floating IP pool.`);
    }
    return [n];
  }
  return [...sim.store.networks.values()].filter((n) => n.floatingIpPool && !n.deleted);
}

export function checkProject(user: User, projectId: string | undefined): string {
  if (projectId === undefined || projectId === user.projectId || projectId === user.id) return user.projectId;
  throw forbidden(`Project '${projectId}' is not accessible.`);
}

export function allocateFloatingIp(sim: Sim, user: User, req: AllocateRequest): FloatingIp {
  const projectId = checkProject(user, req.projectId);
  const pools = poolsFor(sim, user, req.networkId);
  let wanted: number | null = null;
  if (req.address !== undefined) {
    wanted = parseIpv4(req.address);
    if (wanted === null) throw badRequest(`Invalid IPv4 address '${req.address}'.`);
  }
  sim.quotas.check(user, { 'cyclades.floating_ip': 1 });
  for (const n of pools) {
    for (const subnetId of n.subnets) {
      const pool = sim.store.pools.get(subnetId);
      if (!pool) continue;
      let address: number | null;
      if (wanted !== null) {
        if (!pool.contains(wanted)) continue;
        if (!pool.reserve(wanted)) throw conflict(`IP address '${req.address}' is already in use.`);
        address = wanted;
      } else {
        address = pool.allocate();
      }
      if (address === null) continue;
      const now = sim.now();
      const fip: FloatingIp = {
        id: String(sim.store.nextId('floatingIp', now)),
        userId: user.id,
        projectId,
        networkId: n.id,
        subnetId,
        address: formatIpv4(address),
        portId: null,
        sharedToProject: false,
        created: now,
        updated: now,
        deleted: false,
      };
      sim.store.floatingIps.set(fip.id, fip);
      return fip;
    }
  }
  if (wanted !== null) throw badRequest(`IP address '${req.address}' does not belong to a floating IP pool.`);
  throw conflict('Cannot allocate a floating IP address.');
}

export function releaseFloatingIp(sim: Sim, fip: FloatingIp): void {
  if (fip.portId !== null) {
    const port = sim.store.ports.get(fip.portId);
    const owner = port?.deviceId ?? null;
    throw conflict(`IP '${fip.id}' is used by server '${owner ?? ''}'`);
  }
  const pool = sim.store.pools.get(fip.subnetId);
  const address = parseIpv4(fip.address);
  if (pool && address !== null) pool.release(address);
  fip.deleted = true;
  fip.updated = sim.now();
}

/**
 * The floating IP a new NIC on public network `n` gets: the given address (must be the user's and
 * unused) or any unused one of the user's on that network. `taken` holds ids already chosen in the
 * same request.
 */
export function pickFloatingIp(
  sim: Sim,
  user: User,
  n: Network,
  address: string | undefined,
  taken: ReadonlySet<string> = new Set(),
): FloatingIp {
  for (const f of sim.store.owned(sim.store.floatingIps, user)) {
    if (f.deleted || f.networkId !== n.id || taken.has(f.id)) continue;
    if (address !== undefined && f.address !== address) continue;
    if (f.portId !== null) {
      if (address !== undefined) throw conflict(`Floating IP '${address}' is already in use.`);
      continue;
    }
    return f;
  }
  if (address !== undefined) throw badRequest(`Floating IP '${address}' not found in network ${n.id}.`);
  throw conflict(
    `Cannot find an unused floating IP address on network ${n.id}. Please create a floating IP.`,
  );
}
