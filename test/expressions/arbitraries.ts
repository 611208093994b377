// Generated inputs for the differential tests: Cyclades-like documents (server, port, network,
// floating IP, volume, zone...) whose fields are now and then replaced by other JSON values,
// arbitrary JSON, and bindings for the variables an expression reads.
import fc from 'fast-check';
import {
  createRequest,
  imageDocuments,
  flavorDocuments,
  serverDocument,
  templateDocuments,
} from './cyclades-documents.js';

const STRINGS = [
  '',
  'ACTIVE',
  'STOPPED',
  'DELETED',
  'BUILD',
  'ERROR',
  'DOWN',
  'in-use',
  'available',
  'floating',
  'fixed',
  'static',
  'dynamic',
  'cold',
  '1',
  '42',
  '10.0.0.2',
  '2001:db8::5',
  '10.0.0.0/24',
  '/network/1',
  '/storage/5',
  '/compute/42',
  '/ipreservation/12',
  'snf-occi:release-floating-ip:12',
  'http://schemas.ogf.org/occi/infrastructure#networkinterface',
  'http://schemas.ogf.org/occi/infrastructure#storagelink',
  'http://schemas.ogf.org/occi/infrastructure#compute',
  'http://schemas.ogf.org/occi/infrastructure#os_tpl',
  'http://schemas.ogf.org/occi/infrastructure#resource_tpl',
  'http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key',
  'http://schemas.ogf.org/occi/infrastructure/compute#user_data',
  'http://schemas.ogf.org/occi/infrastructure/network#ipnetwork',
  'http://example.org/occi/dns#dnssec',
  ...templateDocuments()
    .slice(0, 3)
    .flatMap((t) => [t.id, t.term]),
];

export const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.string({ maxLength: 5 }),
  fc.integer({ min: -3, max: 50 }),
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);

const wild: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
);

export const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

/** Documents shaped like `template`, with a field now and then dropped or replaced by another value. */
export function like(template: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (Array.isArray(template)) {
    const item = template.length ? fc.oneof(...template.map((t) => like(t, depth + 1))) : wild;
    return fc.oneof(
      { weight: 8, arbitrary: fc.array(item, { maxLength: 3 }) },
      { weight: 1, arbitrary: wild },
    );
  }
  if (typeof template === 'object' && template !== null) {
    const spec: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(template)) {
      spec[k] = fc.oneof(
        { weight: 10, arbitrary: like(v, depth + 1) },
        { weight: 1, arbitrary: wild },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
    }
    const record = fc.record(spec).map((r) => {
      for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
      return r;
    });
    return fc.oneof({ weight: 12, arbitrary: record }, { weight: 1, arbitrary: wild });
  }
  if (typeof template === 'string') {
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant(template) },
      { weight: 2, arbitrary: fc.constantFrom(...STRINGS) },
      { weight: 1, arbitrary: wild },
    );
  }
  if (typeof template === 'number') {
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant(template) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 10 }) },
      { weight: 1, arbitrary: wild },
    );
  }
  if (typeof template === 'boolean')
    return fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: wild });
  return wild;
}

const port = {
  id: '7',
  device_id: '42',
  network_id: '3',
  status: 'ACTIVE',
  mac_address: 'aa:00:00:00:00:07',
  name: 'snf-occi:release-floating-ip:12',
  fixed_ips: [
    { ip_address: '10.0.0.2', subnet: '3' },
    { ip_address: '2001:db8::5', subnet: '4' },
  ],
};
const subnet = {
  id: '3',
  network_id: '3',
  ip_version: 4,
  cidr: '10.0.0.0/24',
  gateway_ip: '10.0.0.1',
  enable_dhcp: true,
  public: false,
};
const fip = {
  id: '12',
  floating_ip_address: '203.0.113.5',
  floating_network_id: '1',
  port_id: null,
  instance_id: null,
  deleted: false,
};
const network = {
  id: '3',
  name: 'net',
  status: 'ACTIVE',
  public: true,
  subnets: ['3'],
  'SNF:floating_ip_pool': false,
};
const volume = {
  id: '5',
  status: 'in-use',
  size: 10,
  display_name: 'disk',
  volume_type: 1,
  delete_on_termination: true,
  deleted: false,
  attachments: [{ server_id: '42' }],
};
const zone = {
  id: 'z1',
  name: 'example.org',
  ttl: 3600,
  serial: 7,
  status: 'ACTIVE',
  dnssec: true,
  algorithm: 'ecdsa',
  records: [1, 2],
};
export const nic = {
  network: '1',
  reservation: '12',
  attributes: { 'occi.networkinterface.address': '203.0.113.5' },
};
const request = {
  ...(createRequest().request as Record<string, unknown>),
  id: '42',
  action: { attributes: { method: 'cold', force: true } },
  targets: [
    { kind: 'http://schemas.ogf.org/occi/infrastructure#compute', location: '/compute/42' },
    { kind: 'http://schemas.ogf.org/occi/infrastructure#network', location: '/network/1' },
  ],
  mixin: { term: 'web' },
};

/** The names rule expressions read from their input document, with the shapes they expect. */
const DOCUMENTS: Record<string, unknown[]> = {
  request: [request],
  server: [
    { server: serverDocument(0) },
    { server: { ...(serverDocument(1) as object), status: 'DELETED' } },
  ],
  servers: [{ servers: [serverDocument(1), serverDocument(2)] }],
  gone: [{ server: { status: 'DELETED' } }, { itemNotFound: { code: 404, message: 'gone' } }],
  before: [{ server: serverDocument(3) }],
  stopped: [{ server: serverDocument(3) }],
  resized: [{ server: serverDocument(2) }],
  ports: [{ ports: [port, { ...port, id: '8', device_id: '' }] }],
  public_port: [{ port }],
  subnets: [{ subnets: [subnet, { ...subnet, id: '4', ip_version: 6 }] }],
  subnet: [{ subnet }],
  fips: [[{ floatingips: [fip, { ...fip, id: '13', port_id: '7' }] }], { floatingips: [fip] }],
  fip: [{ floatingip: fip }],
  nets: [{ network: [network, { ...network, id: '1', public: false }] }],
  networks: [{ networks: [network] }],
  network: [{ network }],
  volumes: [{ volumes: [volume] }],
  volume: [{ volume }],
  keep: [{ volume }],
  attach: [{ volumeAttachment: { device: '/dev/vdb', volumeId: '5' } }],
  images: [{ images: imageDocuments().slice(0, 2) }],
  flavors: [{ flavors: flavorDocuments().slice(0, 3) }],
  access: [
    {
      access: {
        user: { id: 'u-1' },
        serviceCatalog: [{ type: 'compute', endpoints: [{ publicURL: 'http://x/' }] }],
      },
    },
  ],
  zones: [{ zones: [zone] }],
  zone: [{ zone }],
  ready: [{ zone }],
  patch: [{ zone }],
  refresh: [{ zone }],
  item: [nic, '5', { id: '9' }],
  error: [{ message: 'boom' }],
  p: [{ value: 'v' }],
  stop: [{}],
  resize: [{}],
};

export const documentArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: json },
  {
    weight: 9,
    arbitrary: fc
      .record(
        Object.fromEntries(
          Object.entries(DOCUMENTS).map(([k, shapes]) => [k, fc.oneof(...shapes.map((s) => like(s)))]),
        ),
        { requiredKeys: [] },
      )
      .map((r) => r as unknown),
  },
);

/** Bindings by name: the shapes the shipped rules give them. */
const BINDINGS: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.constantFrom('42', '5', '12', 'z1', 7),
  name: fc.oneof(fc.constantFrom('vm-1', 'net'), scalar),
  nics: like([nic, { network: '3', attributes: {} }]),
  public_nic: fc.oneof(like(nic), fc.constant(undefined)),
  reuse: fc.oneof(like(fip), fc.constant(undefined)),
  allocated: like(['12', '13']),
  volumes: like(['5', '6']),
  z: like(zone),
  token: fc.constantFrom('tok-alice'),
};

export function bindingsArb(
  names: readonly string[],
  fixed: Record<string, unknown>,
): fc.Arbitrary<Record<string, unknown>> {
  const spec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) {
    if (name in fixed) continue;
    spec[name] = fc.oneof(
      { weight: 8, arbitrary: BINDINGS[name] ?? scalar },
      { weight: 1, arbitrary: wild },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  }
  return fc.record(spec).map((r) => ({ ...r, ...fixed }));
}
