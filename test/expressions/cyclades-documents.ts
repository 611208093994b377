// Cyclades-like documents and helper stubs for evaluating the shipped rule expressions outside
// the server: server, port, subnet, network, floating IP, volume, flavor and image documents
// shaped like the simulator's answers, the request documents the engine gives rules
// (src/engine/request-document.ts), the templates the rules see through $templates/$mixin, and
// deterministic stand-ins for the engine's helpers ($location, $idOf, $mixin, $templates, $fail).
// Used by the differential and budget tests and the bench.
import { OcciError } from '../../src/occi/errors.js';
import { seedFlavors, seedImages, VOLUME_TYPES } from '../../src/simulator/seed.js';

export const OS_TPL = 'http://schemas.ogf.org/occi/infrastructure#os_tpl';
export const RESOURCE_TPL = 'http://schemas.ogf.org/occi/infrastructure#resource_tpl';
export const USER_MIXIN = 'http://schemas.snf-occi.org/occi#user_mixin';
const OS_SCHEME = 'http://schemas.openstack.org/template/os#';
const RESOURCE_SCHEME = 'http://schemas.openstack.org/template/resource#';

export const STATUSES = ['BUILD', 'ACTIVE', 'STOPPED', 'REBOOT', 'ERROR', 'DELETED', 'UNKNOWN'];
export const VOLUME_STATUSES = ['available', 'in_use', 'creating', 'attaching', 'detaching', 'error'];
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
export const KINDS = {
  compute: `${INFRA}compute`,
  network: `${INFRA}network`,
  storage: `${INFRA}storage`,
  ipreservation: `${INFRA}ipreservation`,
  networkinterface: `${INFRA}networkinterface`,
  storagelink: `${INFRA}storagelink`,
};

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

/** Deterministic stand-ins for the engine's helpers (src/engine/request-scope.ts), $entity aside. */
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

/** A port as GET /ports lists it: on a compute (device_id) or not, with IPv4 and IPv6 addresses. */
export function portDocument(i: number, deviceId = String(1000 + (i % 3))): Record<string, unknown> {
  return {
    id: String(7 + i),
    device_id: i % 4 === 3 ? '' : deviceId,
    network_id: String(1 + (i % 3)),
    status: ['ACTIVE', 'BUILD', 'DOWN', 'ACTIVE'][i % 4],
    mac_address: `aa:00:00:00:00:${(7 + i).toString(16).padStart(2, '0')}`,
    name: i % 2 === 0 ? `snf-occi:req-${i}:release-floating-ip:${12 + i}` : `snf-occi:req-${i}`,
    security_groups: ['1'],
    fixed_ips: [
      { ip_address: `10.0.${i % 250}.2`, subnet: String(3 + (i % 2)) },
      { ip_address: `2001:db8::${i + 5}`, subnet: '4' },
    ],
  };
}

export function subnetDocument(i: number): Record<string, unknown> {
  return {
    id: String(3 + i),
    network_id: String(1 + (i % 3)),
    name: `subnet-${i}`,
    ip_version: i % 2 === 0 ? 4 : 6,
    cidr: i % 2 === 0 ? `10.0.${i}.0/24` : '2001:db8::/64',
    gateway_ip: i % 2 === 0 ? `10.0.${i}.1` : null,
    enable_dhcp: i % 3 !== 2,
    public: i === 0,
  };
}

export function networkDocument(i: number): Record<string, unknown> {
  return {
    id: String(1 + i),
    name: i === 1 ? '' : `net-${i}`,
    status: ['ACTIVE', 'SNF:DRAINED', 'ERROR', 'DELETED'][i % 4],
    public: i === 0,
    user_id: i === 0 ? null : 'u-1',
    type: 'MAC_FILTERED',
    subnets: [String(3 + i)],
    'SNF:floating_ip_pool': i === 0,
  };
}

export function floatingIpDocument(i: number): Record<string, unknown> {
  return {
    id: String(12 + i),
    floating_ip_address: `203.0.113.${5 + i}`,
    floating_network_id: '1',
    fixed_ip_address: null,
    port_id: i % 2 === 0 ? null : String(7 + i),
    instance_id: i % 2 === 0 ? null : String(1000 + i),
    deleted: i === 3,
  };
}

/** A volume as GET /volumes/detail gives it: attached (root or not) or available. */
export function volumeDocument(i: number): Record<string, unknown> {
  const attached = i % 3 !== 2;
  return {
    id: String(5 + i),
    status: attached ? 'in_use' : VOLUME_STATUSES[i % VOLUME_STATUSES.length],
    size: 10 + i,
    display_name: i === 1 ? '' : `disk-${i}`,
    volume_type: 1 + (i % 2),
    delete_on_termination: i % 2 === 0,
    deleted: false,
    metadata: { 'snf-occi:request': `req-${i}` },
    attachments: attached
      ? [
          {
            server_id: String(1000 + i),
            volume_id: String(5 + i),
            ...(i === 0 ? { device: '/dev/vdb' } : {}),
          },
        ]
      : [],
  };
}

export function zoneDocument(i: number): Record<string, unknown> {
  return {
    id: `z${i}`,
    name: `zone${i}.example.org`,
    ttl: 3600,
    serial: 7 + i,
    status: ['ACTIVE', 'PENDING', 'ERROR'][i % 3],
    dnssec: i % 2 === 0,
    algorithm: 'ecdsa',
    records: Array.from({ length: i }, (_, r) => ({ type: 'NS', value: `ns${r}.example.org` })),
  };
}

const mixin = (id: string, depends: string[] = [], attributes: Record<string, unknown> = {}) => ({
  id,
  term: id.slice(id.lastIndexOf('#') + 1),
  scheme: id.slice(0, id.lastIndexOf('#') + 1),
  depends,
  attributes,
});

/** A link of a create request, as linkDocument() gives it. */
const linkDocument = (target: string, kind?: string, targetKind?: string, targetId?: string) => ({
  ...(kind ? { kind } : {}),
  mixins: [],
  target,
  ...(targetKind ? { targetKind } : {}),
  ...(targetId ? { targetId } : {}),
  attributes: {},
});

/** An OCCI compute create as the engine hands it to the rules (`$request`). */
export function createRequest(): Record<string, unknown> {
  const image = imageDocuments()[0]!.id;
  return {
    request: {
      operation: 'create',
      kind: KINDS.compute,
      attributes: {
        'occi.core.title': 'web-1',
        'occi.compute.cores': 2,
        'occi.compute.memory': 4,
        'occi.credentials.ssh.publickey': 'ssh-ed25519 AAAA... user@host',
      },
      mixins: [
        mixin(`${OS_SCHEME}${image}`, [OS_TPL]),
        mixin(`${RESOURCE_SCHEME}2`, [RESOURCE_TPL], { 'occi.compute.cores': 2 }),
        mixin('http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key'),
        mixin('http://schemas.ogf.org/occi/infrastructure/compute#user_data'),
      ],
      links: [
        linkDocument('/network/1', KINDS.networkinterface, KINDS.network, '1'),
        linkDocument('/ipreservation/12', undefined, KINDS.ipreservation, '12'),
        linkDocument('/storage/77', undefined, KINDS.storage, '77'),
        linkDocument('http://elsewhere.example/net/1'),
      ],
    },
  };
}

const end = (kind: keyof typeof KINDS, id: string) => ({
  location: `${LOCATIONS[kind]}${id}`,
  kind: KINDS[kind],
  id,
});

/** The request documents rules of each category see, by category term: every operation they map. */
export function requestDocuments(): Record<string, Record<string, unknown>[]> {
  const compute = createRequest().request as Record<string, unknown>;
  const entity = (kind: keyof typeof KINDS, operation: string, id = '42') => ({
    operation,
    id,
    kind: KINDS[kind],
  });
  return {
    compute: [
      compute,
      {
        ...entity('compute', 'update'),
        mixins: [mixin(`${RESOURCE_SCHEME}3`, [RESOURCE_TPL])],
        attributes: {
          'occi.core.title': 'renamed',
          'occi.compute.hostname': 'host-1',
          'occi.core.summary': 'a web server',
        },
        links: [],
      },
      {
        ...entity('compute', 'action'),
        action: {
          id: 'http://schemas.ogf.org/occi/infrastructure/compute/action#restart',
          term: 'restart',
          attributes: { method: 'cold' },
        },
      },
      entity('compute', 'get'),
      // Part of a collection or subtree DELETE.
      { ...entity('compute', 'delete', '1000'), bulk: true },
    ],
    networkinterface: [
      {
        operation: 'create',
        kind: KINDS.networkinterface,
        mixins: [],
        attributes: {
          'occi.core.source': '/compute/42',
          'occi.core.target': '/network/1',
          'occi.networkinterface.address': '203.0.113.5',
          'occi.networkinterface.allocation': 'static',
        },
        links: [],
        source: end('compute', '42'),
        target: end('network', '1'),
      },
      {
        operation: 'create',
        kind: KINDS.networkinterface,
        mixins: [],
        attributes: {
          'occi.networkinterface.mac': 'aa:00:00:00:00:01',
          'occi.networkinterface.gateway': '10.0.0.1',
        },
        links: [],
        source: end('compute', '42'),
        target: end('ipreservation', '12'),
      },
      {
        operation: 'create',
        kind: KINDS.networkinterface,
        mixins: [],
        attributes: { 'occi.core.source': '/compute/1000', 'occi.core.target': '/network/3' },
        links: [],
        source: end('compute', '1000'),
        target: end('network', '3'),
      },
      entity('networkinterface', 'delete', '7'),
    ],
    storagelink: [
      {
        operation: 'create',
        kind: KINDS.storagelink,
        mixins: [],
        attributes: { 'occi.core.source': '/compute/1000', 'occi.core.target': '/storage/6' },
        links: [],
        source: end('compute', '1000'),
        target: end('storage', '6'),
      },
      {
        operation: 'create',
        kind: KINDS.storagelink,
        mixins: [],
        attributes: { 'occi.storagelink.deviceid': '/dev/vdb', 'occi.storagelink.mountpoint': '/mnt' },
        links: [],
        source: end('compute', '42'),
        target: end('storage', '5'),
      },
      entity('storagelink', 'get', '5'),
    ],
    network: [
      {
        operation: 'create',
        kind: KINDS.network,
        mixins: [mixin('http://schemas.ogf.org/occi/infrastructure/network#ipnetwork')],
        attributes: { 'occi.core.title': 'net', 'occi.network.address': '2001:db8::/64' },
        links: [],
      },
      {
        operation: 'create',
        kind: KINDS.network,
        mixins: [],
        attributes: { 'occi.network.label': 'lbl' },
        links: [],
      },
      {
        operation: 'create',
        kind: KINDS.network,
        mixins: [mixin('http://schemas.ogf.org/occi/infrastructure/network#ipnetwork')],
        attributes: {
          'occi.core.title': 'net',
          'occi.network.label': 'lbl',
          'occi.network.address': '10.0.0.0/24',
          'occi.network.gateway': '10.0.0.1',
          'occi.network.allocation': 'static',
          'occi.network.vlan': 7,
        },
        links: [],
      },
    ],
    storage: [
      {
        operation: 'create',
        kind: KINDS.storage,
        mixins: [],
        attributes: { 'occi.core.title': 'disk', 'occi.storage.size': 2.5 },
        links: [],
      },
      {
        operation: 'create',
        kind: KINDS.storage,
        mixins: [],
        attributes: { 'occi.storage.size': 20, 'occi.core.summary': 'backups' },
        links: [],
      },
    ],
    ipreservation: [
      {
        operation: 'create',
        kind: KINDS.ipreservation,
        mixins: [],
        attributes: { 'occi.ipreservation.address': '203.0.113.9' },
        links: [],
      },
      {
        operation: 'create',
        kind: KINDS.ipreservation,
        mixins: [],
        attributes: { 'occi.core.title': 'mine', 'occi.network.vlan': 3 },
        links: [],
      },
    ],
    user_mixin: [
      {
        operation: 'associate',
        mixin: mixin('http://schemas.snf-occi.org/occi/user#web', [USER_MIXIN]),
        targets: [end('compute', '42'), end('network', '1')],
      },
      {
        operation: 'dissociate',
        mixin: mixin('http://schemas.snf-occi.org/occi/user#db', [USER_MIXIN]),
        targets: [end('compute', '42'), end('compute', '1000')],
      },
    ],
    zone: [
      {
        operation: 'create',
        kind: 'http://example.org/occi/dns#zone',
        mixins: [mixin('http://example.org/occi/dns#dnssec')],
        attributes: {
          'org.example.dns.name': 'example.org',
          'org.example.dns.ttl': 300,
          'org.example.dns.nameservers': 'ns1.example.org, ns2.example.org',
          'org.example.dns.dnssec.algorithm': 'rsa',
        },
        links: [],
      },
      {
        operation: 'action',
        id: 'z1',
        kind: 'http://example.org/occi/dns#zone',
        action: {
          id: 'http://example.org/occi/dns/zone/action#refresh',
          term: 'refresh',
          attributes: { force: true },
        },
      },
    ],
    probe: ['spin', 'deep', 'fail500', 'refused', 'ok'].map((id) => ({
      operation: 'get',
      id,
      kind: 'http://example.org/occi/probe#probe',
    })),
  };
}
