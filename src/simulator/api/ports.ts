// Network API ports (server NICs): create (201; a public network needs one of the user's floating
// IPs in fixed_ips), list, show, update (name, security_groups), delete (204, asynchronous when
// attached; 403 for a public port without a floating IP).
import { badRequest, conflict, forbidden } from '../faults.js';
import { checkProject, pickFloatingIp } from '../logic/floating-ips.js';
import { createPort, deletePort } from '../logic/ports.js';
import type { FloatingIp, Port, Server } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { created, jsonBody, noContent, ok, param } from '../request.js';
import { asIntId, asStringId, isObject, optArray, optString, own, rootObject } from '../validate.js';
import { portView } from '../views/network-view.js';

const MAX_NAME = 128;
const PUBLIC_NEEDS_FIP =
  "'fixed_ips' attribute must contain a floating IP address in order to connect to a public network.";

function securityGroups(list: unknown[] | undefined): string[] {
  if (list && list.length > 32) throw badRequest("Malformed request. Too many 'security_groups'");
  return (list ?? []).map((g) => {
    if (typeof g !== 'string' || g.length > 255)
      throw badRequest("Malformed request. Invalid 'security_groups' field");
    return g;
  });
}

/** fixed_ips: at most one IPv4 entry; returns its address (only meaningful on public networks). */
function requestedAddress(list: unknown[] | undefined): string | undefined {
  if (list === undefined || list.length === 0) return undefined;
  if (list.length > 1) throw badRequest("'fixed_ips' attribute must contain only one fixed IP.");
  const entry = list[0];
  const address = isObject(entry) ? own(entry, 'ip_address') : undefined;
  if (typeof address !== 'string') throw badRequest("Malformed request. Invalid 'fixed_ips' field");
  return address;
}

export function createPortHandler(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'port');
  const networkId = asStringId(own(req, 'network_id'));
  if (networkId === null) throw badRequest("Malformed request. Missing attribute 'network_id'.");
  const rawDevice = own(req, 'device_id');
  const name = optString(req, 'name') ?? '';
  if (name.length > MAX_NAME) throw badRequest('Port name is too long');
  const groups = securityGroups(optArray(req, 'security_groups'));
  const address = requestedAddress(optArray(req, 'fixed_ips'));
  const projectId = checkProject(ctx.user, optString(req, 'project'));

  const network = ctx.sim.store.network(ctx.user, networkId);
  if (network.deleted || network.status !== 'ACTIVE') throw conflict(`Network ${network.id} is not active.`);
  let server: Server | null = null;
  if (rawDevice !== undefined && rawDevice !== null && rawDevice !== '') {
    const id = asIntId(rawDevice);
    if (id === null) throw badRequest("Malformed request. Invalid 'device_id' field");
    server = ctx.sim.store.server(ctx.user, id);
    if (server.deleted) throw badRequest('Server has been deleted.');
  }
  let floatingIp: FloatingIp | null = null;
  if (network.public) {
    if (address === undefined) throw badRequest(PUBLIC_NEEDS_FIP);
    floatingIp = pickFloatingIp(ctx.sim, ctx.user, network, address);
  }
  const port = createPort(ctx.sim, ctx.user, {
    network,
    server,
    floatingIp,
    name,
    securityGroups: groups,
    projectId,
  });
  return created({ port: portView(ctx.sim, port) });
}

function portOf(ctx: Ctx): Port {
  return ctx.sim.store.port(ctx.user, param(ctx, 'port_id'));
}

export function listPorts(ctx: Ctx): Reply {
  const ports = [...ctx.sim.store.owned(ctx.sim.store.ports, ctx.user)];
  return ok({ ports: ports.map((p) => portView(ctx.sim, p)) });
}

export function getPort(ctx: Ctx): Reply {
  return ok({ port: portView(ctx.sim, portOf(ctx)) });
}

export function updatePort(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'port');
  const name = optString(req, 'name');
  const groups = optArray(req, 'security_groups');
  const p = portOf(ctx);
  if (name !== undefined) {
    if (name.length > MAX_NAME) throw badRequest('Port name is too long');
    p.name = name;
  }
  if (groups !== undefined) p.securityGroups = securityGroups(groups);
  p.updated = ctx.sim.now();
  return ok({ port: portView(ctx.sim, p) });
}

export function deletePortHandler(ctx: Ctx): Reply {
  const p = portOf(ctx);
  const network = ctx.sim.store.networks.get(p.networkId);
  if (network?.public && !p.floatingIpId) throw forbidden('Cannot disconnect from public network.');
  if (p.removing) return noContent();
  deletePort(ctx.sim, p);
  return noContent();
}
