// Ports (server NICs): creation with IP allocation (floating IP on public networks, the subnet pool
// or SLAAC on private ones), connection to a server, and removal (asynchronous when attached).
import { badRequest, conflict } from '../faults.js';
import { eui64Address, formatIpv4, parseCidr6, parseIpv4 } from '../ip-address.js';
import type { FixedIp, FloatingIp, Network, Port, Server, User } from '../model.js';
import type { Sim } from '../sim.js';
import { runServerJob } from './jobs.js';
import { validateServerAction } from './server-state.js';

/** GANETI_MAX_NICS_PER_INSTANCE. */
export const MAX_NICS = 8;

export interface PortRequest {
  network: Network;
  server: Server | null;
  floatingIp: FloatingIp | null;
  name: string;
  securityGroups: string[];
  projectId: string;
}

function macFor(id: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `aa:00:00:${hex((id >> 16) & 255)}:${hex((id >> 8) & 255)}:${hex(id & 255)}`;
}

/** Private-network addresses: one IPv4 from the pool, an EUI-64 IPv6 on a /64; 409 if exhausted. */
function allocateFixedIps(sim: Sim, network: Network, mac: string): FixedIp[] {
  const ips: FixedIp[] = [];
  for (const subnetId of network.subnets) {
    const subnet = sim.store.subnets.get(subnetId);
    if (!subnet) continue;
    if (subnet.ipVersion === 4) {
      const pool = sim.store.pools.get(subnetId);
      const address = pool?.allocate() ?? null;
      if (address === null) throw conflict(`No more IP addresses available on network ${network.id}`);
      ips.push({ ipAddress: formatIpv4(address), subnetId, version: 4 });
    } else {
      const cidr = parseCidr6(subnet.cidr);
      if (cidr) ips.push({ ipAddress: eui64Address(cidr.network, mac), subnetId, version: 6 });
    }
  }
  return ips;
}

export function checkNicLimit(server: Server, adding: number): void {
  if (server.ports.size + adding > MAX_NICS) throw badRequest('Maximum ports per server limit reached');
}

/**
 * Creates a port. With a server it starts in BUILD; `connectNow` false means the caller (a server
 * build) activates it, otherwise a CONNECT job does. Without a server it is DOWN.
 */
export function createPort(sim: Sim, user: User, req: PortRequest, connectNow = true): Port {
  if (req.server && connectNow) {
    validateServerAction(req.server, 'CONNECT');
    checkNicLimit(req.server, 1);
  }
  const now = sim.now();
  const numericId = sim.store.nextId('port', now);
  const mac = macFor(numericId);
  let fixedIps: FixedIp[];
  if (req.floatingIp) {
    fixedIps = [{ ipAddress: req.floatingIp.address, subnetId: req.floatingIp.subnetId, version: 4 }];
  } else {
    fixedIps = allocateFixedIps(sim, req.network, mac);
  }
  const port: Port = {
    id: String(numericId),
    userId: user.id,
    projectId: req.projectId,
    name: req.name,
    networkId: req.network.id,
    deviceId: req.server ? req.server.id : null,
    status: req.server ? 'BUILD' : 'DOWN',
    macAddress: mac,
    fixedIps,
    securityGroups: req.securityGroups,
    firewallProfile: null,
    floatingIpId: req.floatingIp ? req.floatingIp.id : null,
    removing: false,
    created: now,
    updated: now,
  };
  sim.store.ports.set(port.id, port);
  if (req.floatingIp) {
    req.floatingIp.portId = port.id;
    req.floatingIp.updated = now;
  }
  if (req.server) {
    req.server.ports.add(port.id);
    if (connectNow) connectPort(sim, req.server, port);
  }
  return port;
}

/** Attaches an existing port (status BUILD) to a server through a CONNECT job. */
export function connectPort(sim: Sim, server: Server, port: Port): void {
  port.deviceId = server.id;
  port.status = 'BUILD';
  server.ports.add(port.id);
  runServerJob(sim, server, 'CONNECT', 'port', () => {
    if (port.status === 'BUILD' && !port.removing) {
      port.status = 'ACTIVE';
      port.updated = sim.now();
    }
  });
}

/** Frees the port's addresses and forgets it (the floating IP stays allocated, now unused). */
export function removePortNow(sim: Sim, port: Port): void {
  for (const ip of port.fixedIps) {
    if (port.floatingIpId || ip.version !== 4) continue;
    const address = parseIpv4(ip.ipAddress);
    if (address !== null) sim.store.pools.get(ip.subnetId)?.release(address);
  }
  if (port.floatingIpId) {
    const fip = sim.store.floatingIps.get(port.floatingIpId);
    if (fip && fip.portId === port.id) {
      fip.portId = null;
      fip.updated = sim.now();
    }
  }
  if (port.deviceId !== null) sim.store.servers.get(port.deviceId)?.ports.delete(port.id);
  sim.store.ports.delete(port.id);
}

/** DELETE /ports/{id}: an unattached port goes at once; an attached one through a DISCONNECT job. */
export function deletePort(sim: Sim, port: Port): void {
  const server = port.deviceId !== null ? sim.store.servers.get(port.deviceId) : undefined;
  if (!server || server.deleted) {
    removePortNow(sim, port);
    return;
  }
  validateServerAction(server, 'DISCONNECT');
  port.removing = true;
  port.updated = sim.now();
  runServerJob(sim, server, 'DISCONNECT', 'port', () => removePortNow(sim, port));
}
