// Network API subnets: create (201; IPv4 /22–/29 else 413, IPv6 /64, one of each per network, no
// connected ports yet), list, show, rename (only the name), and delete (always 400 in Synnefo).
import { badRequest, conflict, forbidden, overLimit } from '../faults.js';
import {
  cidr4Contains,
  formatIpv4,
  hostRange,
  Ipv4Pool,
  parseCidr4,
  parseCidr6,
  parseIpv4,
  parseIpv6,
} from '../ip-address.js';
import type { Subnet } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { created, jsonBody, ok, param } from '../request.js';
import type { JsonObject } from '../validate.js';
import { asStringId, isObject, optArray, optString, own, reqString, rootObject } from '../validate.js';
import { subnetView } from '../views/network-view.js';

/** MAX_CIDR_BLOCK: the largest IPv4 subnet a user may create; /29 is the smallest useful one. */
const MAX_CIDR_BLOCK = 22;
const MIN_CIDR_BLOCK = 29;

interface Range {
  first: number;
  last: number;
}

function parsePools(
  raw: unknown[] | undefined,
  cidr: { network: number; prefix: number },
  gateway: number | null,
): Range[] {
  const hosts = hostRange(cidr);
  if (raw === undefined) {
    if (gateway === null) return [hosts];
    const ranges: Range[] = [];
    if (gateway > hosts.first) ranges.push({ first: hosts.first, last: gateway - 1 });
    if (gateway < hosts.last) ranges.push({ first: gateway + 1, last: hosts.last });
    return ranges;
  }
  return raw.map((p) => {
    const start = isObject(p) ? own(p, 'start') : undefined;
    const end = isObject(p) ? own(p, 'end') : undefined;
    const first = typeof start === 'string' ? parseIpv4(start) : null;
    const last = typeof end === 'string' ? parseIpv4(end) : null;
    if (first === null || last === null || first > last) throw badRequest('Malformed IP pool range');
    if (first < hosts.first || last > hosts.last) throw conflict('IP pool range exceeds the subnet');
    if (gateway !== null && gateway >= first && gateway <= last) {
      throw conflict('Gateway IP is in the allocation pool range');
    }
    return { first, last };
  });
}

function stringList(obj: JsonObject, key: string): string[] {
  const list = optArray(obj, key) ?? [];
  if (list.length > 32) throw badRequest(`Malformed request. Too many entries in '${key}'`);
  return list.map((v) => {
    if (typeof v !== 'string' || v.length > 64) throw badRequest(`Malformed request. Invalid '${key}' field`);
    return v;
  });
}

/** host_routes: [{"destination": cidr, "nexthop": ip}], kept verbatim (strings only: stored JSON stays flat). */
function hostRoutesOf(req: JsonObject): { destination: string; nexthop: string }[] {
  const list = optArray(req, 'host_routes') ?? [];
  if (list.length > 32) throw badRequest('Too many host routes');
  return list.map((r) => {
    const destination = isObject(r) ? own(r, 'destination') : undefined;
    const nexthop = isObject(r) ? own(r, 'nexthop') : undefined;
    if (
      typeof destination !== 'string' ||
      typeof nexthop !== 'string' ||
      destination.length > 64 ||
      nexthop.length > 64
    ) {
      throw badRequest("Malformed request. Invalid 'host_routes' field");
    }
    return { destination, nexthop };
  });
}

export function createSubnet(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'subnet');
  const networkId = asStringId(own(req, 'network_id'));
  if (networkId === null) throw badRequest("Malformed request. Missing attribute 'network_id'.");
  const cidrText = reqString(req, 'cidr');
  const name = optString(req, 'name', 255) ?? '';
  const version = own(req, 'ip_version') ?? 4;
  if (version !== 4 && version !== 6) throw badRequest("Malformed request. Invalid 'ip_version' field");
  const dhcpRaw =
    own(req, version === 6 && own(req, 'enable_slaac') != null ? 'enable_slaac' : 'enable_dhcp') ?? true;
  if (typeof dhcpRaw !== 'boolean') throw badRequest('Invalid value for dhcp');
  const dns = stringList(req, 'dns_nameservers');
  const hostRoutes = hostRoutesOf(req);
  const pools = optArray(req, 'allocation_pools');
  const gatewayRaw = own(req, 'gateway_ip');
  if (gatewayRaw !== undefined && gatewayRaw !== null && typeof gatewayRaw !== 'string') {
    throw badRequest("Malformed request. Invalid 'gateway_ip' field");
  }

  const network = ctx.sim.store.network(ctx.user, networkId);
  if (network.public || network.userId !== ctx.user.id)
    throw forbidden('Cannot create a subnet on a network you do not own.');
  if (network.deleted) throw badRequest('Network has been deleted.');
  for (const id of network.subnets) {
    if (ctx.sim.store.subnets.get(id)?.ipVersion === version) {
      throw badRequest(`Only one subnet of IPv${version} per network is allowed`);
    }
  }
  for (const p of ctx.sim.store.ports.values()) {
    if (p.networkId === network.id)
      throw badRequest('Cannot create a subnet on a network with connected ports');
  }

  let gatewayIp: string | null;
  let allocationPools: { start: string; end: string }[];
  let pool: Ipv4Pool | null = null;
  if (version === 4) {
    const cidr = parseCidr4(cidrText);
    if (!cidr) throw badRequest(`Malformed CIDR '${cidrText}'`);
    if (cidr.prefix < MAX_CIDR_BLOCK || cidr.prefix > MIN_CIDR_BLOCK)
      throw overLimit('Unsupported network size');
    let gateway: number | null;
    if (gatewayRaw === null) gateway = null;
    else if (gatewayRaw === undefined || gatewayRaw === '') gateway = cidr.network + 1;
    else {
      gateway = parseIpv4(gatewayRaw);
      if (gateway === null || !cidr4Contains(cidr, gateway))
        throw badRequest(`Gateway '${gatewayRaw}' is not in the subnet`);
    }
    const ranges = parsePools(pools, cidr, gateway);
    pool = new Ipv4Pool(ranges);
    gatewayIp = gateway === null ? null : formatIpv4(gateway);
    allocationPools = ranges.map((r) => ({ start: formatIpv4(r.first), end: formatIpv4(r.last) }));
  } else {
    const cidr = parseCidr6(cidrText);
    if (!cidr) throw badRequest(`Malformed CIDR '${cidrText}'`);
    if (cidr.prefix !== 64) throw badRequest('Only /64 IPv6 subnets are supported');
    if (pools !== undefined) throw badRequest('Cannot set allocation pools in an IPv6 subnet');
    if (typeof gatewayRaw === 'string' && gatewayRaw !== '' && parseIpv6(gatewayRaw) === null) {
      throw badRequest(`Gateway '${gatewayRaw}' is not a valid IPv6 address`);
    }
    gatewayIp = typeof gatewayRaw === 'string' && gatewayRaw !== '' ? gatewayRaw : null;
    allocationPools = [];
  }

  const now = ctx.sim.now();
  const subnet: Subnet = {
    id: String(ctx.sim.store.nextId('subnet', now)),
    networkId: network.id,
    userId: ctx.user.id,
    projectId: network.projectId,
    name,
    ipVersion: version,
    cidr: cidrText,
    gatewayIp,
    enableDhcp: dhcpRaw,
    dnsNameservers: dns,
    hostRoutes,
    allocationPools,
    public: false,
  };
  ctx.sim.store.subnets.set(subnet.id, subnet);
  if (pool) ctx.sim.store.pools.set(subnet.id, pool);
  network.subnets.push(subnet.id);
  network.updated = now;
  return created({ subnet: subnetView(ctx.sim, subnet) });
}

function visible(ctx: Ctx): Subnet[] {
  return [...ctx.sim.store.subnets.values()].filter((s) => s.public || s.userId === ctx.user.id);
}

export function listSubnets(ctx: Ctx): Reply {
  return ok({ subnets: visible(ctx).map((s) => subnetView(ctx.sim, s)) });
}

export function getSubnet(ctx: Ctx): Reply {
  return ok({ subnet: subnetView(ctx.sim, ctx.sim.store.subnet(ctx.user, param(ctx, 'subnet_id'))) });
}

export function updateSubnet(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'subnet');
  const keys = Object.keys(req);
  const name = own(req, 'name');
  if (keys.length !== 1 || typeof name !== 'string')
    throw badRequest('Only the name of subnet can be updated');
  const s = ctx.sim.store.subnet(ctx.user, param(ctx, 'subnet_id'));
  if (s.public) throw forbidden('Cannot update the subnet of a public network.');
  s.name = name;
  const n = ctx.sim.store.networks.get(s.networkId);
  if (n) n.updated = ctx.sim.now();
  return ok({ subnet: subnetView(ctx.sim, s) });
}

export function deleteSubnet(): Reply {
  throw badRequest('Deletion of a subnet is not supported');
}
