// Floating IPs through the network API (/floatingips: allocate 200, release 204, reassign) and the
// older compute API (/os-floating-ips).
import { badRequest, notImplemented } from '../faults.js';
import { allocateFloatingIp, releaseFloatingIp } from '../logic/floating-ips.js';
import type { FloatingIp } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { jsonBody, noContent, ok, param } from '../request.js';
import { asStringId, isObject, optString, own, rootObject } from '../validate.js';
import { computeFloatingIpView, floatingIpView } from '../views/network-view.js';
import { changedSince, isReply } from './listing.js';
import { parseReassign } from './reassign.js';

function fipOf(ctx: Ctx): FloatingIp {
  return ctx.sim.store.floatingIp(ctx.user, param(ctx, 'floatingip_id'));
}

export function listFloatingIps(ctx: Ctx): Reply {
  const items = changedSince(ctx, ctx.sim.store.owned(ctx.sim.store.floatingIps, ctx.user));
  if (isReply(items)) return items;
  return ok({ floatingips: items.map((f) => floatingIpView(ctx.sim, f)) });
}

export function allocateFloatingIpHandler(ctx: Ctx): Reply {
  const req = rootObject(jsonBody(ctx), 'floatingip');
  const rawNet = own(req, 'floating_network_id');
  const networkId = rawNet == null ? undefined : asStringId(rawNet);
  if (networkId === null) throw badRequest("Malformed request. Invalid 'floating_network_id' field");
  const fip = allocateFloatingIp(ctx.sim, ctx.user, {
    networkId,
    address: optString(req, 'floating_ip_address'),
    projectId: optString(req, 'project'),
  });
  return ok({ floatingip: floatingIpView(ctx.sim, fip) });
}

export function getFloatingIp(ctx: Ctx): Reply {
  return ok({ floatingip: floatingIpView(ctx.sim, fipOf(ctx)) });
}

export function updateFloatingIp(): Reply {
  throw notImplemented('Not Implemented');
}

export function releaseFloatingIpHandler(ctx: Ctx): Reply {
  releaseFloatingIp(ctx.sim, fipOf(ctx));
  return noContent();
}

export function floatingIpAction(ctx: Ctx): Reply {
  const r = parseReassign(ctx);
  const f = fipOf(ctx);
  f.projectId = r.projectId;
  f.sharedToProject = r.shared;
  f.updated = ctx.sim.now();
  return ok(undefined);
}

// --- compute /os-floating-ips ---

export function listComputeFloatingIps(ctx: Ctx): Reply {
  const live = [...ctx.sim.store.owned(ctx.sim.store.floatingIps, ctx.user)].filter((f) => !f.deleted);
  return ok({ floating_ips: live.map((f) => computeFloatingIpView(ctx.sim, f)) });
}

/** The body is optional here ({"pool": <network id>} at most). */
export function allocateComputeFloatingIp(ctx: Ctx): Reply {
  let pool: string | undefined;
  if (ctx.body && ctx.body.length > 0) {
    const body = jsonBody(ctx);
    const raw = isObject(body) ? own(body, 'pool') : undefined;
    if (raw != null) pool = asStringId(raw) ?? undefined;
  }
  const fip = allocateFloatingIp(ctx.sim, ctx.user, { networkId: pool });
  return ok({ floating_ip: computeFloatingIpView(ctx.sim, fip) });
}

export function getComputeFloatingIp(ctx: Ctx): Reply {
  return ok({ floating_ip: computeFloatingIpView(ctx.sim, fipOf(ctx)) });
}

export function releaseComputeFloatingIp(ctx: Ctx): Reply {
  releaseFloatingIp(ctx.sim, fipOf(ctx));
  return noContent();
}
