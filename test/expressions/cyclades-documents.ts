// Cyclades-like documents and helper stubs for evaluating the shipped rule expressions outside
// the server: server, flavor and image documents shaped like the simulator's answers, the
// templates the rules see through $templates/$mixin, and deterministic stand-ins for the
// engine's helpers ($location, $idOf, $fail). Used by the differential tests and the bench.
import { OcciError } from '../../src/occi/errors.js';
import { seedFlavors, seedImages, VOLUME_TYPES } from '../../src/simulator/seed.js';

export const OS_TPL = 'http://schemas.ogf.org/occi/infrastructure#os_tpl';
export const RESOURCE_TPL = 'http://schemas.ogf.org/occi/infrastructure#resource_tpl';
export const USER_MIXIN = 'http://schemas.snf-occi.org/occi#user_mixin';
const OS_SCHEME = 'http://schemas.openstack.org/template/os#';
const RESOURCE_SCHEME = 'http://schemas.openstack.org/template/resource#';

export const STATUSES = ['BUILD', 'ACTIVE', 'STOPPED', 'REBOOT', 'ERROR', 'DELETED', 'UNKNOWN'];

export function flavorDocuments(): Record<string, unknown>[] {
  return seedFlavors().map((f) => ({
    id: f.id,
    name: f.name,
    ram: f.ram,
    disk: f.disk,
    vcpus: f.cpu,
    'os-flavor-access:is_public': f.public,
    'SNF:disk_template': VOLUME_TYPES.find((t) => t.id === f.volumeTypeId)?.diskTemplate,
    'SNF:volume_type': f.volumeTypeId,
    'SNF:allow_create': f.allowCreate,
  }));
}

export function imageDocuments(): Record<string, unknown>[] {
  return seedImages().map((i) => ({
    id: i.id,
    name: i.name,
    status: i.status,
    metadata: { ...i.properties },
  }));
}

export interface MixinDoc {
  id: string;
  term: string;
  scheme: string;
  depends: string[];
  attributes: Record<string, unknown>;
  title?: string;
}

/** Template mixins as $templates/$mixin show them (attribute defaults as values), like the engine's mixinDocument. */
export function templateDocuments(): MixinDoc[] {
  const flavors = flavorDocuments().map((f) => ({
    id: `${RESOURCE_SCHEME}${f.id}`,
    term: String(f.id),
    scheme: RESOURCE_SCHEME,
    depends: [RESOURCE_TPL],
    title: String(f.name),
    attributes: {
      'occi.compute.cores': f.vcpus,
      'occi.compute.memory': (f.ram as number) / 1024,
      'org.synnefo.flavor.disk': f.disk,
      'org.synnefo.flavor.volume_type': String(f['SNF:volume_type']),
    },
  }));
  const images = imageDocuments().map((i) => ({
    id: `${OS_SCHEME}${i.id}`,
    term: String(i.id),
    scheme: OS_SCHEME,
    depends: [OS_TPL],
    title: String(i.name),
    attributes: { 'org.synnefo.image.os': (i.metadata as Record<string, unknown>).os },
  }));
  const user = ['web', 'db'].map((term) => ({
    id: `http://schemas.snf-occi.org/occi/user#${term}`,
    term,
    scheme: 'http://schemas.snf-occi.org/occi/user#',
    depends: [USER_MIXIN],
    attributes: {},
  }));
  return [...flavors, ...images, ...user];
}

class StubFailure extends OcciError {}

const LOCATIONS: Record<string, string> = {
  compute: '/compute/',
  network: '/network/',
  storage: '/storage/',
  ipreservation: '/ipreservation/',
  networkinterface: '/link/networkinterface/',
  storagelink: '/link/storagelink/',
};

/** Deterministic stand-ins for the engine's helpers (mapping-service.ts helpers()). */
export function helperStubs(templates: MixinDoc[] = templateDocuments()): Record<string, unknown> {
  const byId = new Map(templates.map((t) => [t.id, t]));
  const kindName = (kind: unknown) => String(kind).slice(String(kind).lastIndexOf('#') + 1);
  return {
    fail: (status: unknown, message: unknown) => {
      const n = Number(status);
      throw new StubFailure(
        Number.isInteger(n) && n >= 400 && n < 600 ? n : 502,
        String(message ?? 'failed'),
      );
    },
    templates: (dependsOn: unknown) =>
      typeof dependsOn === 'string' ? templates.filter((t) => t.depends.includes(dependsOn)) : [],
    mixin: (id: unknown) => (typeof id === 'string' ? byId.get(id) : undefined),
    location: (kind: unknown, id: unknown) => {
      const prefix = LOCATIONS[kindName(kind)];
      if (!prefix || id === undefined || id === null) return undefined;
      return `${prefix}${encodeURIComponent(String(id))}`;
    },
    idOf: (location: unknown, kind?: unknown) => {
      if (typeof location !== 'string') return undefined;
      for (const [name, prefix] of Object.entries(LOCATIONS)) {
        if (location.startsWith(prefix) && location.length > prefix.length) {
          if (kind !== undefined && kindName(kind) !== name) return undefined;
          return decodeURIComponent(location.slice(prefix.length));
        }
      }
      return undefined;
    },
  };
}

/** A server as the simulator's GET /servers/detail shows it (the fields rules read, and the rest). */
export function serverDocument(
  i: number,
  flavorCount = 96,
  imageIds = imageDocuments().map((x) => x.id),
): unknown {
  const id = 1000 + i;
  const attachments = [
    {
      id: 5000 + 2 * i,
      network_id: '1',
      mac_address: `aa:00:00:${(i >> 8) & 0xff}:${i & 0xff}:01`,
      ipv4: `203.0.113.${i % 250}`,
      ipv6: '',
      'OS-EXT-IPS:type': i % 3 === 0 ? 'floating' : 'fixed',
    },
    ...(i % 2 === 0
      ? [
          {
            id: 5001 + 2 * i,
            network_id: String(10 + (i % 7)),
            mac_address: `aa:00:00:${(i >> 8) & 0xff}:${i & 0xff}:02`,
            ipv4: `10.0.${i % 250}.2`,
            ipv6: '',
            'OS-EXT-IPS:type': 'fixed',
          },
        ]
      : []),
  ];
  return {
    id,
    name: `vm-${i}`,
    links: [{ rel: 'self', href: `http://127.0.0.1:9/compute/v2.0/servers/${id}` }],
    user_id: 'u-1',
    tenant_id: 'p-1',
    status: STATUSES[i % 4]!,
    'SNF:task_state': i % 5 === 0 ? 'BUILDING' : '',
    progress: 100,
    hostId: '',
    updated: '2026-01-01T00:00:00.000000+00:00',
    created: '2026-01-01T00:00:00.000000+00:00',
    flavor: { id: 1 + (i % flavorCount), links: [] },
    image: { id: imageIds[i % imageIds.length], links: [] },
    suspended: false,
    metadata: { os: 'debian', users: 'root' },
    tags: i % 4 === 0 ? ['occi.web'] : [],
    attachments,
    addresses: {},
    volumes: i % 3 === 0 ? [7000 + i] : [],
    diagnostics: [],
    security_groups: [{ name: 'default' }],
    key_name: null,
    'SNF:key_names': [],
    config_drive: '',
    accessIPv4: '',
    accessIPv6: '',
    'SNF:fqdn': `snf-${id}.vm.example.synnefo.org`,
    'SNF:port_forwarding': {},
    deleted: false,
    'SNF:rescue': false,
  };
}

export function serverList(n: number): { servers: { servers: unknown[] } } {
  return { servers: { servers: Array.from({ length: n }, (_, i) => serverDocument(i)) } };
}

/** The tables of the shipped rules that the compute expressions read. */
export function computeBindings(tables: Record<string, unknown>): Record<string, unknown> {
  return { ...helperStubs(), tables };
}

/** An OCCI compute create as the engine hands it to the rules (`request`). */
export function createRequest(): Record<string, unknown> {
  const image = imageDocuments()[0]!.id;
  return {
    request: {
      kind: 'http://schemas.ogf.org/occi/infrastructure#compute',
      attributes: {
        'occi.core.title': 'web-1',
        'occi.compute.cores': 2,
        'occi.compute.memory': 4,
        'occi.credentials.ssh.publickey': 'ssh-ed25519 AAAA... user@host',
      },
      mixins: [
        { id: `${OS_SCHEME}${image}`, term: image, scheme: OS_SCHEME, depends: [OS_TPL], attributes: {} },
        {
          id: 'http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key',
          term: 'ssh_key',
          scheme: 'http://schemas.ogf.org/occi/infrastructure/credentials#',
          depends: [],
          attributes: {},
        },
      ],
      links: [
        {
          target: '/network/1',
          kind: 'http://schemas.ogf.org/occi/infrastructure#networkinterface',
          attributes: {},
        },
        { target: '/storage/77', attributes: {} },
      ],
    },
  };
}
