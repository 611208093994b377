// Renders a server as Synnefo's vm_to_dict does (detail and brief), including `attachments` and
// `addresses` (a dict by network id) built from the server's ACTIVE ports only.
import { progress, serverStatus, taskState } from '../logic/server-state.js';
import type { Port, Server } from '../model.js';
import type { Sim } from '../sim.js';
import { isoformat } from '../time.js';
import { imageLinks, links } from './links.js';

export interface Attachment {
  id: number;
  network_id: string;
  mac_address: string;
  ipv4: string;
  ipv6: string;
  firewallProfile?: string;
  'OS-EXT-IPS:type'?: string;
}

export function serverHref(sim: Sim, id: number): string {
  return `${sim.urls.compute}/servers/${id}`;
}

export function serverBrief(sim: Sim, s: Server): unknown {
  return { id: s.id, name: s.name, links: links(serverHref(sim, s.id)) };
}

export function attachment(p: Port): Attachment {
  const a: Attachment = {
    id: Number(p.id),
    network_id: p.networkId,
    mac_address: p.macAddress,
    ipv4: '',
    ipv6: '',
  };
  if (p.firewallProfile) a.firewallProfile = p.firewallProfile;
  const type = p.floatingIpId ? 'floating' : 'fixed';
  for (const ip of p.fixedIps) {
    if (ip.version === 4) a.ipv4 = ip.ipAddress;
    else a.ipv6 = ip.ipAddress;
    a['OS-EXT-IPS:type'] = type;
  }
  return a;
}

/** ACTIVE NICs of a server, ordered by id as Synnefo does. */
export function activePorts(sim: Sim, s: Server): Port[] {
  const out: Port[] = [];
  for (const id of s.ports) {
    const p = sim.store.ports.get(id);
    if (p && p.status === 'ACTIVE') out.push(p);
  }
  return out.sort((a, b) => Number(a.id) - Number(b.id));
}

export function attachmentsToAddresses(attachments: Attachment[]): Record<string, unknown[]> {
  const addresses: Record<string, unknown[]> = {};
  for (const a of attachments) {
    const type = a['OS-EXT-IPS:type'];
    const list: unknown[] = [];
    if (a.ipv4) list.push({ version: 4, addr: a.ipv4, 'OS-EXT-IPS:type': type });
    if (a.ipv6) list.push({ version: 6, addr: a.ipv6, 'OS-EXT-IPS:type': type });
    addresses[a.network_id] = list;
  }
  return addresses;
}

export function serverDetail(sim: Sim, s: Server): Record<string, unknown> {
  const attachments = activePorts(sim, s).map(attachment);
  const status = serverStatus(s);
  const lastDiagnostic = s.diagnostics[s.diagnostics.length - 1];
  return {
    id: s.id,
    name: s.name,
    links: links(serverHref(sim, s.id)),
    user_id: s.userId,
    tenant_id: s.projectId,
    shared_to_project: s.sharedToProject,
    status,
    'SNF:task_state': taskState(s),
    progress: progress(s),
    hostId: '',
    updated: isoformat(s.updated),
    created: isoformat(s.created),
    flavor: { id: s.flavorId, links: links(`${sim.urls.compute}/flavors/${s.flavorId}`) },
    image: { id: s.imageId, links: imageLinks(sim.urls.compute, sim.urls.imageV, s.imageId) },
    suspended: false,
    metadata: Object.fromEntries(s.metadata),
    tags: [...s.tags],
    attachments,
    addresses: attachmentsToAddresses(attachments),
    volumes: [...s.volumes].map(Number).sort((a, b) => a - b),
    diagnostics: lastDiagnostic
      ? [
          {
            level: lastDiagnostic.level,
            created: isoformat(lastDiagnostic.created),
            source: lastDiagnostic.source,
            source_date: isoformat(lastDiagnostic.created),
            message: lastDiagnostic.message,
            details: lastDiagnostic.details,
          },
        ]
      : [],
    security_groups: [{ name: 'default' }],
    key_name: s.keyNames[0] ?? null,
    'SNF:key_names': [...s.keyNames],
    config_drive: '',
    accessIPv4: '',
    accessIPv6: '',
    'SNF:fqdn': `snf-${s.id}.vm.example.synnefo.org`,
    'SNF:port_forwarding': {},
    deleted: s.deleted,
    'SNF:rescue': false,
  };
}

/** `{"server": …}` as JSON text, cached until the store changes (GET /servers/{id} is the hot path). */
export function serverDetailJson(sim: Sim, s: Server): string {
  const gen = sim.store.generation;
  if (s.cache && s.cache.gen === gen) return s.cache.json;
  const json = JSON.stringify({ server: serverDetail(sim, s) });
  s.cache = { gen, json };
  return json;
}
