// POST /servers/{id}/action: one key names the action (Synnefo's demux_server_action). Body first,
// then the server (404, deleted → 400), then the action name, then validate_server_action.
import { randomInt } from 'node:crypto';
import { badRequest, CycladesFault, conflict, forbidden, itemNotFound } from '../faults.js';
import { checkProject, pickFloatingIp } from '../logic/floating-ips.js';
import { runServerJob } from '../logic/jobs.js';
import { checkNicLimit, createPort, deletePort } from '../logic/ports.js';
import { validateServerAction } from '../logic/server-state.js';
import { randomPassword } from '../logic/servers.js';
import type { Server } from '../model.js';
import { MiB } from '../quotas.js';
import type { Ctx, Reply } from '../request.js';
import { accepted, jsonBody, ok } from '../request.js';
import { isObject, type JsonObject, own } from '../validate.js';
import { getFlavor } from './server-create.js';
import { liveServerOf } from './servers.js';

type Action = (ctx: Ctx, server: Server, args: unknown) => Reply;

const args = (v: unknown): JsonObject => (isObject(v) ? v : {});

function start(ctx: Ctx, s: Server): Reply {
  validateServerAction(s, 'START');
  const f = ctx.sim.store.flavors.get(s.flavorId);
  if (f) ctx.sim.quotas.check(ctx.user, { 'cyclades.cpu': f.cpu, 'cyclades.ram': f.ram * MiB });
  runServerJob(ctx.sim, s, 'START', 'start', (srv) => {
    srv.operstate = 'STARTED';
  });
  return accepted();
}

function shutdown(ctx: Ctx, s: Server): Reply {
  validateServerAction(s, 'STOP');
  runServerJob(ctx.sim, s, 'STOP', 'stop', (srv) => {
    srv.operstate = 'STOPPED';
  });
  return accepted();
}

function reboot(ctx: Ctx, s: Server, a: unknown): Reply {
  const type = own(args(a), 'type') ?? 'SOFT';
  if (type !== 'SOFT' && type !== 'HARD') throw badRequest("Invalid 'type' attribute.");
  validateServerAction(s, 'REBOOT');
  runServerJob(ctx.sim, s, 'REBOOT', 'reboot', (srv) => {
    srv.operstate = 'STARTED';
  });
  return accepted();
}

function resize(ctx: Ctx, s: Server, a: unknown): Reply {
  const ref = own(args(a), 'flavorRef');
  if (ref == null) throw badRequest("Missing 'flavorRef' attribute.");
  const flavor = getFlavor(ctx.sim, ref);
  validateServerAction(s, 'RESIZE');
  const old = ctx.sim.store.flavors.get(s.flavorId);
  if (old) {
    if (old.id === flavor.id) throw badRequest(`Server '${s.id}' flavor is already '${flavor.name}'.`);
    if (old.disk !== flavor.disk) throw badRequest("Cannot change instance's disk size.");
    if (old.volumeTypeId !== flavor.volumeTypeId) throw badRequest("Cannot change instance's volume type.");
    ctx.sim.quotas.check(ctx.user, {
      'cyclades.total_cpu': flavor.cpu - old.cpu,
      'cyclades.total_ram': (flavor.ram - old.ram) * MiB,
    });
  }
  if (!flavor.allowCreate)
    throw forbidden(`Cannot resize server to flavor '${flavor.id}'. Flavor is not allowed.`);
  runServerJob(ctx.sim, s, 'RESIZE', 'resize', (srv) => {
    srv.flavorId = flavor.id;
  });
  return accepted();
}

const CONSOLE_TYPES = new Set(['vnc', 'vnc-ws', 'vnc-wss']);

function consoleAction(ctx: Ctx, s: Server, a: unknown): Reply {
  const type = own(args(a), 'type');
  if (typeof type !== 'string' || !CONSOLE_TYPES.has(type)) {
    throw badRequest("Type can only be 'vnc', 'vnc-ws' or 'vnc-wss'.");
  }
  // Synnefo's console() checks only the operstate (no validate_server_action): BUILD is a 400 here.
  if (s.operstate !== 'STARTED') throw badRequest('Server not in ACTIVE state.');
  return ok({
    console: { type, host: ctx.sim.host, port: randomInt(5900, 6900), password: randomPassword(16) },
  });
}

function getVncConsole(ctx: Ctx, s: Server, a: unknown): Reply {
  const type = own(args(a), 'type') ?? 'novnc';
  if (s.operstate !== 'STARTED') throw badRequest('Server not in ACTIVE state.');
  const token = randomPassword(24);
  return ok({ console: { type, url: `${ctx.sim.urls.base}/vnc/?token=${token}` } });
}

const PROFILES = new Set(['ENABLED', 'DISABLED', 'PROTECTED']);

function firewallProfile(ctx: Ctx, s: Server, a: unknown): Reply {
  const profile = own(args(a), 'profile');
  if (typeof profile !== 'string' || !PROFILES.has(profile))
    throw badRequest(`Invalid firewall profile ${String(profile)}`);
  const nic = own(args(a), 'nic');
  const port = [...s.ports]
    .map((id) => ctx.sim.store.ports.get(id))
    .find((p) => p && (nic == null || p.id === String(nic)));
  if (!port) throw itemNotFound(`Port ${String(nic)} not found.`);
  validateServerAction(s, 'FIREWALL');
  port.firewallProfile = profile;
  port.updated = ctx.sim.now();
  s.updated = ctx.sim.now();
  return accepted();
}

function reassign(ctx: Ctx, s: Server, a: unknown): Reply {
  const project = own(args(a), 'project');
  if (typeof project !== 'string') throw badRequest('Malformed request');
  const shared = own(args(a), 'shared_to_project') ?? false;
  if (typeof shared !== 'boolean') throw badRequest('Malformed request');
  validateServerAction(s, 'REASSIGN');
  s.projectId = checkProject(ctx.user, project);
  s.sharedToProject = shared;
  s.updated = ctx.sim.now();
  return ok(undefined);
}

function addFloatingIp(ctx: Ctx, s: Server, a: unknown): Reply {
  const address = own(args(a), 'address');
  if (typeof address !== 'string') throw badRequest('Malformed request');
  const fip = [...ctx.sim.store.owned(ctx.sim.store.floatingIps, ctx.user)].find(
    (f) => !f.deleted && f.address === address,
  );
  if (!fip) throw itemNotFound(`Floating IP '${address}' not found`);
  const network = ctx.sim.store.network(ctx.user, fip.networkId);
  pickFloatingIp(ctx.sim, ctx.user, network, address);
  checkNicLimit(s, 1);
  createPort(ctx.sim, ctx.user, {
    network,
    server: s,
    floatingIp: fip,
    name: '',
    securityGroups: [],
    projectId: s.projectId,
  });
  return accepted();
}

function removeFloatingIp(ctx: Ctx, s: Server, a: unknown): Reply {
  const address = own(args(a), 'address');
  if (typeof address !== 'string') throw badRequest('Malformed request');
  const fip = [...ctx.sim.store.owned(ctx.sim.store.floatingIps, ctx.user)].find(
    (f) => !f.deleted && f.address === address,
  );
  if (!fip) throw itemNotFound(`Floating IP '${address}' not found`);
  const port = fip.portId ? ctx.sim.store.ports.get(fip.portId) : undefined;
  if (!port || port.deviceId !== s.id)
    throw conflict(`Floating IP '${address}' is not attached to server '${s.id}'`);
  deletePort(ctx.sim, port);
  return accepted();
}

function notEnabled(): Reply {
  throw new CycladesFault(404, 'featureNotEnabled', 'Rescue feature is not enabled');
}

function suspend(): Reply {
  throw forbidden('User is not allowed to suspend his server');
}

const ACTIONS: Record<string, Action> = {
  start,
  'os-start': start,
  shutdown,
  'os-stop': shutdown,
  reboot,
  resize,
  console: consoleAction,
  'os-getVNCConsole': getVncConsole,
  firewallProfile,
  reassign,
  addFloatingIp,
  removeFloatingIp,
  rescue: notEnabled,
  unrescue: notEnabled,
  suspend,
};

export function serverAction(ctx: Ctx): Reply {
  const body = jsonBody(ctx);
  if (!isObject(body)) throw badRequest('Malformed request');
  const keys = Object.keys(body);
  const s = liveServerOf(ctx);
  const name = keys[0];
  if (keys.length !== 1 || name === undefined) throw badRequest('Malformed request');
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!action) throw badRequest(`Action ${name} not supported`);
  return action(ctx, s, body[name]);
}
