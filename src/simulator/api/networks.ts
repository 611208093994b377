// Network API networks: list (own + public, changes-since), create (201, MAC_FILTERED only, ACTIVE
// at once), show, rename (200), delete (204; 409 while ports or floating IPs use it), reassign.
import { badRequest, conflict, forbidden } from '../faults.js';
import { checkProject } from '../logic/floating-ips.js';
import type { Network } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { created, jsonBody, noContent, ok, param } from '../request.js';
import { optBoolean, optString, rootObject } from '../validate.js';
import { networkView } from '../views/network-view.js';
import { changedSince, isReply } from './listing.js';
import { parseReassign } from './reassign.js';

const FLAVORS = new Set(['CUSTOM', 'IP_LESS_ROUTED', 'MAC_FILTERED', 'PHYSICAL_VLAN']);
/** API_ENABLED_NETWORK_FLAVORS. */
const USER_FLAVORS = new Set(['MAC_FILTERED']);
const MAX_NAME = 128;

function networkOf(ctx: Ctx): Network {
  return ctx.sim.store.network(ctx.user, param(ctx, 'network_id'));
}

function visible(ctx: Ctx): Network[] {
  return [...ctx.sim.store.networks.values()].filter((n) => n.public || n.userId === ctx.user.id);
}

export function listNetworks(ctx: Ctx): Reply {
  const items = changedSince(ctx, visible(ctx));
  if (isReply(items)) return items;
  return ok({ networks: items.map((n) => networkView(ctx.sim, n)) });
}

export function createNetwork(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'network');
  const type = optString(req, 'type');
  if (type === undefined) throw badRequest("Malformed request. Missing attribute 'type'.");
  const name = optString(req, 'name') ?? '';
  const project = optString(req, 'project');
  const shared = optBoolean(req, 'shared_to_project') ?? false;
  if (!FLAVORS.has(type)) throw badRequest(`Invalid network type '${type}'`);
  if (!USER_FLAVORS.has(type)) throw forbidden(`Cannot create network of type '${type}'.`);
  if (name.length > MAX_NAME) throw badRequest('Network name is too long');
  const projectId = checkProject(ctx.user, project);
  ctx.sim.quotas.check(ctx.user, { 'cyclades.network.private': 1 });
  const now = ctx.sim.now();
  const n: Network = {
    id: String(ctx.sim.store.nextId('network', now)),
    userId: ctx.user.id,
    projectId,
    name,
    type,
    public: false,
    floatingIpPool: false,
    status: 'ACTIVE',
    subnets: [],
    sharedToProject: shared,
    created: now,
    updated: now,
    deleted: false,
  };
  ctx.sim.store.networks.set(n.id, n);
  return created({ network: networkView(ctx.sim, n) });
}

export function getNetwork(ctx: Ctx): Reply {
  return ok({ network: networkView(ctx.sim, networkOf(ctx)) });
}

export function updateNetwork(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'network');
  const name = optString(req, 'name');
  const n = networkOf(ctx);
  if (n.public) throw forbidden('Cannot rename the public network.');
  if (n.deleted) throw badRequest('Network has been deleted.');
  if (name !== undefined) {
    if (name.length > MAX_NAME) throw badRequest('Network name is too long');
    n.name = name;
    n.updated = ctx.sim.now();
  }
  return ok({ network: networkView(ctx.sim, n) });
}

export function deleteNetwork(ctx: Ctx): Reply {
  const n = networkOf(ctx);
  if (n.public) throw forbidden('Cannot delete the public network.');
  if (n.deleted) throw badRequest('Network has been deleted.');
  for (const p of ctx.sim.store.ports.values()) {
    if (p.networkId === n.id) {
      throw conflict(`Cannot delete network. There are ports still configured on network ${n.id}`);
    }
  }
  for (const f of ctx.sim.store.floatingIps.values()) {
    if (!f.deleted && f.networkId === n.id)
      throw conflict('Cannot delete network. Network has allocated floating IPs.');
  }
  for (const id of n.subnets) {
    ctx.sim.store.subnets.delete(id);
    ctx.sim.store.pools.delete(id);
  }
  n.status = 'DELETED';
  n.deleted = true;
  n.updated = ctx.sim.now();
  return noContent();
}

export function networkAction(ctx: Ctx): Reply {
  const r = parseReassign(ctx);
  const n = networkOf(ctx);
  if (n.public) throw forbidden('Cannot reassign the public network.');
  if (n.deleted) throw badRequest('Network has been deleted.');
  n.projectId = r.projectId;
  n.sharedToProject = r.shared;
  n.updated = ctx.sim.now();
  return ok(undefined);
}
