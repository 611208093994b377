// Compute API server resources: list (brief/detail, changes-since), show (also DELETED servers),
// rename (204), delete (204, async), NIC views (/ips), stats, diagnostics and the cached password.
import { badRequest, itemNotFound } from '../faults.js';
import { validateServerAction } from '../logic/server-state.js';
import { destroyServer } from '../logic/servers.js';
import type { Server } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { intParam, jsonBody, noContent, ok, param } from '../request.js';
import { isoformat } from '../time.js';
import { isObject, own } from '../validate.js';
import {
  activePorts,
  attachment,
  attachmentsToAddresses,
  serverBrief,
  serverDetail,
  serverDetailJson,
} from '../views/server-view.js';
import { changedSince, isReply } from './listing.js';

export function serverOf(ctx: Ctx): Server {
  return ctx.sim.store.server(ctx.user, intParam(ctx, 'server_id'));
}

/** Most server sub-resources refuse deleted servers the way get_vm(non_deleted=True) does. */
export function liveServerOf(ctx: Ctx): Server {
  const s = serverOf(ctx);
  if (s.deleted) throw badRequest('Server has been deleted.');
  return s;
}

function listServers(detail: boolean) {
  return (ctx: Ctx): Reply => {
    const items = changedSince(ctx, ctx.sim.store.owned(ctx.sim.store.servers, ctx.user));
    if (isReply(items)) return items;
    items.sort((a, b) => a.id - b.id);
    const render = detail ? serverDetail : serverBrief;
    return ok({ servers: items.map((s) => render(ctx.sim, s)) });
  };
}

export const listServersBrief = listServers(false);
export const listServersDetail = listServers(true);

export function getServer(ctx: Ctx): Reply {
  return { status: 200, json: serverDetailJson(ctx.sim, serverOf(ctx)) };
}

export function renameServer(ctx: Ctx): Reply {
  const body = jsonBody(ctx);
  const server = isObject(body) ? own(body, 'server') : undefined;
  const name = isObject(server) ? own(server, 'name') : undefined;
  if (typeof name !== 'string') throw badRequest('Malformed request');
  const s = serverOf(ctx);
  if (s.deleted) throw badRequest('Server has been deleted.');
  if (name.length > 255) throw badRequest('Server name is too long');
  s.name = name;
  s.updated = ctx.sim.now();
  return noContent();
}

export function deleteServer(ctx: Ctx): Reply {
  const s = serverOf(ctx);
  validateServerAction(s, 'DESTROY');
  destroyServer(ctx.sim, s);
  return noContent();
}

export function listAddresses(ctx: Ctx): Reply {
  const s = liveServerOf(ctx);
  const attachments = activePorts(ctx.sim, s).map(attachment);
  return ok({ addresses: attachmentsToAddresses(attachments), attachments });
}

export function networkAddresses(ctx: Ctx): Reply {
  const s = liveServerOf(ctx);
  const networkId = param(ctx, 'network_id');
  const attachments = activePorts(ctx.sim, s)
    .filter((p) => p.networkId === networkId)
    .map(attachment);
  if (attachments.length === 0) throw itemNotFound('Server not connected to network.');
  const addresses = attachmentsToAddresses(attachments);
  return ok({ network: { [networkId]: addresses[networkId] ?? [] } });
}

export function serverStats(ctx: Ctx): Reply {
  const s = liveServerOf(ctx);
  return ok({
    stats: { serverRef: s.id, refresh: 60, cpuBar: '', cpuTimeSeries: '', netBar: '', netTimeSeries: '' },
  });
}

export function serverDiagnostics(ctx: Ctx): Reply {
  const s = serverOf(ctx);
  return ok(
    s.diagnostics.map((d) => ({
      level: d.level,
      created: isoformat(d.created),
      source: d.source,
      message: d.message,
      details: d.details,
    })),
  );
}

export function getPassword(ctx: Ctx): Reply {
  const s = serverOf(ctx);
  if (s.adminPass === null) throw itemNotFound('Password not found.');
  return ok({ password: s.adminPass });
}

export function deletePassword(ctx: Ctx): Reply {
  const s = serverOf(ctx);
  s.adminPass = null;
  return noContent();
}
