// Renders networks, subnets, ports and floating IPs as Synnefo's network API does (string ids,
// Neutron-style keys plus the SNF: extensions).
import type { FloatingIp, Network, Port, Subnet } from '../model.js';
import type { Sim } from '../sim.js';
import { isoformat } from '../time.js';
import { links } from './links.js';

export function networkView(sim: Sim, n: Network): Record<string, unknown> {
  return {
    id: n.id,
    name: n.name,
    links: links(`${sim.urls.networkV}/networks/${n.id}`),
    user_id: n.public ? null : n.userId,
    tenant_id: n.public ? null : n.projectId,
    shared_to_project: n.sharedToProject,
    type: n.type,
    status: n.deleted ? 'DELETED' : n.status,
    public: n.public,
    shared: n.public,
    'router:external': n.public,
    admin_state_up: true,
    subnets: [...n.subnets],
    'SNF:floating_ip_pool': n.floatingIpPool,
    deleted: n.deleted,
    created: isoformat(n.created),
    updated: isoformat(n.updated),
  };
}

export function subnetView(sim: Sim, s: Subnet): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: s.id,
    network_id: s.networkId,
    name: s.name,
    links: links(`${sim.urls.networkV}/subnets/${s.id}`),
    tenant_id: s.projectId,
    user_id: s.userId,
    public: s.public,
    gateway_ip: s.gatewayIp,
    ip_version: s.ipVersion,
    cidr: s.cidr,
    enable_dhcp: s.enableDhcp,
    dns_nameservers: [...s.dnsNameservers],
    host_routes: [...s.hostRoutes],
    allocation_pools: s.allocationPools.map((p) => ({ ...p })),
    deleted: false,
  };
  if (s.ipVersion === 6) view.enable_slaac = s.enableDhcp;
  return view;
}

export function portView(sim: Sim, p: Port): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    links: links(`${sim.urls.networkV}/ports/${p.id}`),
    user_id: p.userId,
    tenant_id: p.projectId,
    device_id: p.deviceId === null ? '' : String(p.deviceId),
    device_owner: p.deviceId === null ? '' : 'vm',
    network_id: p.networkId,
    admin_state_up: true,
    mac_address: p.macAddress,
    status: p.status,
    fixed_ips: p.fixedIps.map((ip) => ({ ip_address: ip.ipAddress, subnet: ip.subnetId })),
    security_groups: [...p.securityGroups],
    created: isoformat(p.created),
    updated: isoformat(p.updated),
  };
}

export function floatingIpView(sim: Sim, f: FloatingIp): Record<string, unknown> {
  const port = f.portId ? sim.store.ports.get(f.portId) : undefined;
  return {
    id: f.id,
    floating_ip_address: f.address,
    floating_network_id: f.networkId,
    fixed_ip_address: null,
    port_id: f.portId,
    instance_id: port?.deviceId != null ? String(port.deviceId) : null,
    user_id: f.userId,
    tenant_id: f.projectId,
    shared_to_project: f.sharedToProject,
    deleted: f.deleted,
  };
}

/** The compute API's older /os-floating-ips shape. */
export function computeFloatingIpView(sim: Sim, f: FloatingIp): Record<string, unknown> {
  const port = f.portId ? sim.store.ports.get(f.portId) : undefined;
  return {
    id: Number(f.id),
    ip: f.address,
    instance_id: port?.deviceId != null ? String(port.deviceId) : null,
    fixed_ip: null,
    pool: f.networkId,
  };
}
