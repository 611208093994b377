// POST /servers: turns the request into a ServerPlan with every Synnefo check (malformed fields,
// flavor, image, personality, key pairs, networks, block devices, quotas) before anything is created.
import { badRequest, conflict, forbidden, itemNotFound, overLimit } from '../faults.js';
import { checkProject, pickFloatingIp } from '../logic/floating-ips.js';
import { findImage } from '../logic/images.js';
import { MAX_NICS } from '../logic/ports.js';
import type { NicPlan, ServerPlan, VolumePlan } from '../logic/servers.js';
import { createServer, randomPassword } from '../logic/servers.js';
import type { Flavor, User } from '../model.js';
import { GiB, MiB } from '../quotas.js';
import type { Ctx, Reply } from '../request.js';
import { jsonBody } from '../request.js';
import type { Sim } from '../sim.js';
import { asIntId, asStringId, isObject, type JsonObject, own } from '../validate.js';
import { serverDetail } from '../views/server-view.js';
import { checkMetadata, checkTags } from './server-limits.js';

const malformed = () => badRequest('Malformed request');

/** MAX_PERSONALITY and MAX_PERSONALITY_SIZE. */
const MAX_PERSONALITY = 5;
const MAX_PERSONALITY_SIZE = 10240;
const PERSONALITY_KEYS = new Set(['contents', 'group', 'mode', 'owner', 'path']);
const BASE64 = /^[A-Za-z0-9+/\r\n]*(?:={1,2}[\r\n]*)?$/;

export function getFlavor(sim: Sim, ref: unknown): Flavor {
  const id = asIntId(ref);
  if (id === null) throw badRequest(`Invalid flavor ID '${String(ref)}'`);
  const f = sim.store.flavors.get(id);
  if (!f || f.deleted) throw itemNotFound('Flavor not found.');
  return f;
}

function verifyPersonality(personality: unknown[]): void {
  if (personality.length > MAX_PERSONALITY) throw overLimit('Maximum number of personalities exceeded');
  for (const p of personality) {
    if (!isObject(p)) throw badRequest('Malformed personality in request');
    if (!Object.keys(p).every((k) => PERSONALITY_KEYS.has(k)))
      throw badRequest('Malformed personality in request');
    const contents = own(p, 'contents');
    const path = own(p, 'path');
    if (typeof contents !== 'string' || typeof path !== 'string') {
      throw badRequest('Malformed personality in request');
    }
    if (contents.length > (MAX_PERSONALITY_SIZE * 4) / 3 + 4)
      throw overLimit('Maximum size of personality exceeded');
    if (!BASE64.test(contents)) throw badRequest('Malformed personality in request');
    if (Buffer.from(contents, 'base64').length > MAX_PERSONALITY_SIZE) {
      throw overLimit('Maximum size of personality exceeded');
    }
  }
}

function checkAdminPass(pass: unknown): string {
  if (pass === undefined || pass === null) return randomPassword();
  if (typeof pass !== 'string') throw malformed();
  if (pass.length < 10 || !/[a-z]/.test(pass) || !/[A-Z]/.test(pass) || !/[0-9]/.test(pass)) {
    throw badRequest(
      'Invalid password: it must be at least 10 characters long and contain upper-case and lower-case letters and digits.',
    );
  }
  return pass;
}

function keyNames(sim: Sim, user: User, server: JsonObject): string[] {
  const single = own(server, 'key_name');
  const many = own(server, 'SNF:key_names');
  if (single != null && many != null)
    throw badRequest("Only one of 'key_name' and 'SNF:key_names' may be given");
  let names: unknown[] = [];
  if (single != null) names = [single];
  else if (many != null) {
    if (!Array.isArray(many)) throw malformed();
    names = many;
  }
  const keys = sim.store.userKeypairs(user);
  return names.map((n) => {
    if (typeof n !== 'string') throw malformed();
    if (!keys.has(n)) throw itemNotFound(`Key pair '${n}' not found`);
    return n;
  });
}

/** Every private NIC needs a free IPv4 address: check now, so that creation cannot fail half-way. */
function checkAddresses(sim: Sim, nics: NicPlan[]): void {
  const wanted = new Map<string, number>();
  for (const n of nics) {
    if (n.port || n.network.public) continue;
    for (const subnetId of n.network.subnets) {
      if (sim.store.subnets.get(subnetId)?.ipVersion === 4)
        wanted.set(subnetId, (wanted.get(subnetId) ?? 0) + 1);
    }
  }
  for (const [subnetId, count] of wanted) {
    const pool = sim.store.pools.get(subnetId);
    if (pool && pool.free < count) {
      const networkId = sim.store.subnets.get(subnetId)?.networkId ?? '';
      throw conflict(`No more IP addresses available on network ${networkId}`);
    }
  }
}

function planNics(sim: Sim, user: User, networks: unknown[] | undefined): NicPlan[] {
  if (networks === undefined) return [];
  if (networks.length > MAX_NICS) throw badRequest('Maximum ports per server limit reached');
  const takenIps = new Set<string>();
  const takenPorts = new Set<string>();
  const nics = networks.map((entry): NicPlan => {
    if (!isObject(entry)) throw malformed();
    const portRef = own(entry, 'port');
    const uuid = own(entry, 'uuid');
    if (portRef != null) {
      const id = asStringId(portRef);
      if (id === null) throw malformed();
      const port = sim.store.port(user, id);
      if (port.deviceId !== null || takenPorts.has(port.id))
        throw conflict(`Port '${port.id}' is already in use.`);
      takenPorts.add(port.id);
      const network = sim.store.network(user, port.networkId);
      return { network, floatingIp: null, port };
    }
    if (uuid == null) throw badRequest("Malformed request: a network entry needs 'uuid' or 'port'");
    const id = asStringId(uuid);
    if (id === null) throw malformed();
    const network = sim.store.network(user, id);
    if (network.deleted) throw itemNotFound(`Network ${id} not found.`);
    if (!network.public) return { network, floatingIp: null, port: null };
    const fixed = own(entry, 'fixed_ip');
    if (fixed != null && typeof fixed !== 'string') throw malformed();
    const fip = pickFloatingIp(sim, user, network, fixed ?? undefined, takenIps);
    takenIps.add(fip.id);
    return { network, floatingIp: fip, port: null };
  });
  checkAddresses(sim, nics);
  return nics;
}

const SOURCE_TYPES = new Set(['image', 'volume', 'blank', 'snapshot']);

function planVolumes(
  sim: Sim,
  user: User,
  flavor: Flavor,
  imageId: string,
  bdm: unknown[] | undefined,
): VolumePlan[] {
  if (bdm === undefined || bdm.length === 0) {
    return [{ existing: null, size: flavor.disk, imageId, snapshotId: null, deleteOnTermination: true }];
  }
  return bdm.map((entry, index): VolumePlan => {
    if (!isObject(entry)) throw malformed();
    const source = own(entry, 'source_type');
    if (typeof source !== 'string' || !SOURCE_TYPES.has(source)) {
      throw badRequest(`Invalid 'source_type' in block device mapping: ${String(source)}`);
    }
    if (index === 0 && source === 'blank') throw badRequest('Root volume cannot be blank');
    const rawSize = own(entry, 'volume_size');
    const size = rawSize == null ? null : asIntId(rawSize);
    if (rawSize != null && (size === null || size <= 0)) throw badRequest('Invalid volume_size');
    const dot = own(entry, 'delete_on_termination');
    if (dot != null && typeof dot !== 'boolean') throw malformed();
    const deleteOnTermination = dot ?? true;
    const uuid = own(entry, 'uuid');
    const ref = uuid == null ? null : asStringId(uuid);
    if (source !== 'blank' && ref === null)
      throw badRequest(`Block device of type '${source}' needs a 'uuid'`);
    switch (source) {
      case 'image': {
        const img = findImage(sim, user, ref ?? '');
        if (!img) throw itemNotFound(`Image '${ref}' not found`);
        return {
          existing: null,
          size: size ?? flavor.disk,
          imageId: img.id,
          snapshotId: null,
          deleteOnTermination,
        };
      }
      case 'snapshot': {
        const snap = sim.store.snapshot(user, ref ?? '');
        if (size !== null && size < snap.size)
          throw badRequest('Volume size is smaller than the snapshot size');
        return {
          existing: null,
          size: size ?? snap.size,
          imageId: null,
          snapshotId: snap.id,
          deleteOnTermination,
        };
      }
      case 'volume': {
        const v = sim.store.volume(user, ref ?? '');
        if (v.deleted || v.status !== 'available' || v.serverId !== null) {
          throw badRequest(`Cannot use volume '${v.id}' while it is in '${v.status.toUpperCase()}' status.`);
        }
        if (v.volumeTypeId !== flavor.volumeTypeId) {
          throw badRequest(`Volume '${v.id}' has a different volume type than the flavor.`);
        }
        return {
          existing: v,
          size: v.size,
          imageId: null,
          snapshotId: null,
          deleteOnTermination: v.deleteOnTermination,
        };
      }
      default: {
        if (size === null) throw badRequest("Blank volumes need a 'volume_size'");
        return { existing: null, size, imageId: null, snapshotId: null, deleteOnTermination };
      }
    }
  });
}

function parsePlan(sim: Sim, user: User, body: unknown): ServerPlan {
  if (!isObject(body)) throw malformed();
  const server = own(body, 'server');
  if (!isObject(server)) throw malformed();
  const name = own(server, 'name');
  const imageRef = own(server, 'imageRef');
  const flavorRef = own(server, 'flavorRef');
  const metadata = own(server, 'metadata') ?? {};
  const personality = own(server, 'personality') ?? [];
  const networks = own(server, 'networks');
  const tags = own(server, 'tags') ?? [];
  const project = own(server, 'project');
  const shared = own(server, 'shared_to_project') ?? false;
  const userData = own(server, 'user_data');
  const bdm = own(server, 'block_device_mapping_v2');
  if (typeof name !== 'string' || imageRef == null || flavorRef == null) throw malformed();
  if (!isObject(metadata) || !Array.isArray(personality) || !Array.isArray(tags)) throw malformed();
  if (networks != null && !Array.isArray(networks)) throw malformed();
  if (bdm != null && !Array.isArray(bdm)) throw malformed();
  if (project != null && typeof project !== 'string') throw malformed();
  if (typeof shared !== 'boolean' || (userData != null && typeof userData !== 'string')) throw malformed();
  if (name.length > 255) throw badRequest('Server name is too long');

  const meta = checkMetadata(metadata);
  const tagList = checkTags(tags);
  verifyPersonality(personality);
  const names = keyNames(sim, user, server);
  const adminPass = checkAdminPass(own(server, 'adminPass'));
  const projectId = checkProject(user, project ?? undefined);

  const flavor = getFlavor(sim, flavorRef);
  if (!flavor.allowCreate)
    throw forbidden(`Cannot create server with flavor '${flavor.id}'. Flavor is not allowed.`);
  const imageId = asStringId(imageRef);
  const image = imageId === null ? undefined : findImage(sim, user, imageId);
  if (!image) throw itemNotFound(`Image '${String(imageRef)}' not found`);
  if (image.status !== 'ACTIVE') throw badRequest(`Image '${image.id}' is not active.`);

  const volumes = planVolumes(sim, user, flavor, image.id, bdm ?? undefined);
  const nics = planNics(sim, user, networks ?? undefined);
  const newDisk = volumes.reduce((sum, v) => sum + (v.existing ? 0 : v.size), 0);
  sim.quotas.check(user, {
    'cyclades.vm': 1,
    'cyclades.total_cpu': flavor.cpu,
    'cyclades.cpu': flavor.cpu,
    'cyclades.total_ram': flavor.ram * MiB,
    'cyclades.ram': flavor.ram * MiB,
    'cyclades.disk': newDisk * GiB,
  });
  return {
    name,
    flavor,
    imageId: image.id,
    projectId,
    metadata: meta,
    tags: tagList,
    keyNames: names,
    adminPass,
    sharedToProject: shared,
    nics,
    volumes,
  };
}

export function createServerHandler(ctx: Ctx): Reply {
  const plan = parsePlan(ctx.sim, ctx.user, jsonBody(ctx));
  const server = createServer(ctx.sim, ctx.user, plan);
  return { status: 202, body: { server: { ...serverDetail(ctx.sim, server), adminPass: plan.adminPass } } };
}
