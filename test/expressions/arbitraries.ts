// Generated inputs for the differential tests, in rule language 2: bindings for the named values
// a rule expression reads ($request, its steps' answers, $item, $id, $requestId, $found...), the
// backend object an entity map gets, the documents fault messages and identity answers are read
// from, and the arguments of shared functions. Realistic Cyclades-like shapes (those the rules
// get from the simulator), whose fields are now and then dropped or replaced by other JSON values.
import fc from 'fast-check';
import {
  floatingIpDocument,
  flavorDocuments,
  imageDocuments,
  KINDS,
  networkDocument,
  portDocument,
  requestDocuments,
  serverDocument,
  STATUSES,
  subnetDocument,
  templateDocuments,
  volumeDocument,
  VOLUME_STATUSES,
  zoneDocument,
} from './cyclades-documents.js';

const STRINGS = [
  '',
  'ACTIVE',
  'STOPPED',
  'DELETED',
  'BUILD',
  'ERROR',
  'DOWN',
  ...VOLUME_STATUSES,
  'SNF:DRAINED',
  'PENDING',
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
  'snf-occi:req-1:release-floating-ip:12',
  'snf-occi:req-1',
  'req-1',
  'occi.web',
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

/** A fresh copy of one of `values` on every draw (no evaluation can see what another one did to it). */
const exactly = (values: readonly unknown[]): fc.Arbitrary<unknown> =>
  fc.constantFrom(...values).map((v) => structuredClone(v));

const wild: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: exactly([[], {}]) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
);

/** Any JSON, as a backend's answer parses (JSON.parse: plain objects, no -0). */
export const json: fc.Arbitrary<unknown> = fc
  .jsonValue({ maxDepth: 3 })
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Documents shaped like `template`, with a field now and then dropped or replaced by another value. */
export function like(template: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (Array.isArray(template)) {
    const item = template.length ? fc.oneof(...template.map((t) => like(t, depth + 1))) : wild;
    return fc.oneof(
      { weight: 8, arbitrary: fc.array(item, { minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: exactly([[]]) },
      { weight: 1, arbitrary: wild },
    );
  }
  if (typeof template === 'object' && template !== null) {
    const spec: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(template)) {
      spec[k] = fc.oneof(
        { weight: 16, arbitrary: like(v, depth + 1) },
        { weight: 1, arbitrary: wild },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
    }
    // Plain objects, as JSON.parse and the engine make them (fast-check may else give null prototypes).
    const record = fc.record(spec, { noNullPrototype: true }).map((r) => {
      for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
      return r;
    });
    return fc.oneof({ weight: 20, arbitrary: record }, { weight: 1, arbitrary: wild });
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

const servers = [0, 1, 2, 3, 5].map((i) => serverDocument(i) as Record<string, unknown>);
const ports = [0, 1, 2, 3].map((i) => portDocument(i));
const subnets = [0, 1, 2].map(subnetDocument);
const networks = [0, 1, 2, 3].map(networkDocument);
const fips = [0, 1, 2, 3].map(floatingIpDocument);
const volumes = [0, 1, 2].map(volumeDocument);
const zones = [0, 1, 2].map(zoneDocument);
const requests = requestDocuments();
const server = (s: Record<string, unknown>) => ({ server: s });
/** A server while Cyclades connects a port or attaches a volume, with what the rules add beside it then. */
const pending = [
  {
    ...servers[3],
    'SNF:task_state': 'CONNECTING',
    'snf-occi:ports': [...ports, { ...ports[1], device_id: '1003', id: '99' }],
  },
  {
    ...servers[0],
    'SNF:task_state': 'ATTACHING_VOLUME',
    'snf-occi:ports': ports,
    'snf-occi:volumes': [{ id: '7000', status: 'attaching' }, volumes[0]],
  },
] as Record<string, unknown>[];
const found = (s: Record<string, unknown>) => ({ ...s, metadata: { 'snf-occi:request': 'req-1' } });

/**
 * The shapes of named values, by name, and by `<category term>.<name>` where rules of a category
 * give a name another meaning (a step `server` is a Cyclades answer in one rule, an id in another).
 */
const SHAPES: Record<string, unknown[]> = {
  id: ['42', '5', '12', '7', 'z1', 'spin'],
  // $id names the entity the rule's backend objects describe (it is $request.id).
  'compute.id': ['1000', '1001', '1002'],
  'networkinterface.id': ['7', '8', '9', '10'],
  'storagelink.id': ['5', '6'],
  'network.id': ['1', '2'],
  'ipreservation.id': ['12', '13'],
  'storage.id': ['5', '6'],
  'zone.id': ['z1', 'z2'],
  requestId: ['req-1', 'req-2'],
  item: ['12', '5', 'ns1.example.org'],
  token: ['tok-alice', ''],
  // compute
  'compute.request': requests.compute!,
  'compute.server': [...servers.slice(0, 3), ...pending].map(server),
  'compute.servers': [{ servers }, { servers: [...servers.slice(0, 2), ...pending] }],
  // Read only while links are pending (else those steps are skipped).
  'compute.volumes': [{ volumes: [...volumes, { id: '7000', status: 'attaching' }] }, undefined],
  'compute.summary': ['a web server', undefined],
  'compute.current': [server(servers[1]!), server({ ...servers[1], status: 'DELETED' })],
  'compute.destroyed': [
    server({ ...servers[0], status: 'DELETED' }),
    server(servers[0]!),
    { itemNotFound: { code: 404 } },
  ],
  'compute.settled': [...servers, ...pending].map(server),
  'compute.image': imageDocuments()
    .slice(0, 2)
    .map((i) => i.id),
  'compute.flavor': ['1', '2', '3'],
  'compute.name': ['web-1', 'occi-1767323045678'],
  'compute.ssh_key': ['ssh-ed25519 AAAA... user@host', undefined],
  'compute.user_data': ['I2Nsb3VkLWNvbmZpZwo=', undefined],
  'compute.own_networks': [true, false],
  // What a lost answer is looked for with: the server list (create), or the server (delete, update).
  'compute.found': [
    { servers: [found(servers[0]!), servers[1], { ...found(servers[2]!), status: 'DELETED' }] },
    server(servers[1]!),
    server({ ...servers[2], status: 'DELETED' }),
    server({ ...servers[3], 'SNF:task_state': 'DESTROYING' }),
    { itemNotFound: { code: 404, message: 'gone' } },
  ],
  'compute.ports': [{ ports }, undefined],
  'compute.allocated': [['12', '14'], []],
  'compute.gone': [
    server({ ...servers[0], status: 'DELETED' }),
    server(servers[1]!),
    { itemNotFound: { code: 404, message: 'gone' } },
  ],
  'compute.before': servers.slice(0, 3).map(server),
  'compute.stop': [{}, undefined],
  'compute.stopped': [server({ ...servers[1], status: 'STOPPED' }), server(servers[1]!)],
  'compute.resize': [{}, undefined],
  'compute.resized': [server({ ...servers[2], status: 'STOPPED', flavor: { id: 3 } }), server(servers[2]!)],
  // networkinterface
  'networkinterface.request': requests.networkinterface!,
  'networkinterface.ports': [{ ports }],
  'networkinterface.subnets': [{ subnets }],
  'networkinterface.server': ['42', '1000'],
  'networkinterface.network': ['1', '3', undefined],
  'networkinterface.reservation': ['12', '13', undefined, undefined],
  'networkinterface.address': ['203.0.113.5', '203.0.113.6', undefined],
  'networkinterface.net': networks.slice(0, 2).map((n) => ({ network: n })),
  'networkinterface.settled': servers.map(server),
  'networkinterface.fips': [{ floatingips: fips }, undefined],
  'networkinterface.reuse': [...fips.slice(0, 2), undefined],
  'networkinterface.fip': [...fips.slice(0, 2).map((f) => ({ floatingip: f })), undefined],
  'networkinterface.found': [
    { floatingips: [...fips, { ...fips[0], id: '99' }] },
    { ports: ports.map((p, i) => (i === 1 ? { ...p, name: 'snf-occi:req-1' } : p)) },
    // The compute of a port being deleted: disconnecting it, without it, or gone.
    server({ ...servers[0], 'SNF:task_state': 'DISCONNECTING' }),
    server({ ...servers[0], attachments: [{ id: 7 }, { id: 8 }] }),
    { itemNotFound: { code: 404, message: 'gone' } },
  ],
  'networkinterface.port_name': ['snf-occi:req-1', 'snf-occi:req-1:release-floating-ip:12'],
  'networkinterface.port': ports.map((p) => ({ port: p })),
  'networkinterface.auto_fip': ['12', undefined],
  'networkinterface.gone': [{ itemNotFound: { code: 404, message: 'gone' } }, { port: ports[0] }],
  // storagelink
  'storagelink.request': requests.storagelink!,
  'storagelink.volumes': [{ volumes }],
  // A Cyclades answer in get and delete, the volume's id in create.
  'storagelink.volume': [...volumes.map((v) => ({ volume: v })), '5'],
  'storagelink.server': ['42', '1000'],
  'storagelink.settled': servers.map(server),
  'storagelink.attach': [{ volumeAttachment: { device: '/dev/vdb', volumeId: '5', serverId: '42' } }],
  'storagelink.found': volumes.map((v) => ({ volume: v })),
  // network
  'network.request': requests.network!,
  'network.network': networks.map((n) => ({ network: n })),
  'network.networks': [{ networks }],
  'network.subnets': [{ subnets }, subnets.map((s) => ({ subnet: s }))],
  'network.subnet': subnets.map((s) => ({ subnet: s })),
  'network.name': ['net-1', ''],
  'network.address': ['10.0.0.0/24', '2001:db8::/64', undefined],
  'network.current': networks.map((n) => ({ network: n })),
  'network.found': [{ networks: [...networks, { ...networks[2], id: '10', name: 'net-1' }] }],
  // The user's networks before a create.
  'network.existing': [{ networks }, { networks: networks.slice(0, 2) }],
  // ipreservation
  'ipreservation.request': requests.ipreservation!,
  'ipreservation.fips': [{ floatingips: fips }],
  'ipreservation.fip': fips.map((f) => ({ floatingip: f })),
  // storage
  'storage.request': requests.storage!,
  'storage.volumes': [{ volumes }],
  'storage.volume': volumes.map((v) => ({ volume: v })),
  'storage.keep': volumes.map((v) => ({ volume: v })),
  'storage.name': ['disk', ''],
  'storage.description': ['my disk', undefined],
  'storage.current': [...volumes.map((v) => ({ volume: v })), { volume: { ...volumes[0], deleted: true } }],
  'storage.size': [3, 10],
  'storage.found': [{ volumes: [...volumes, { ...volumes[1], metadata: { 'snf-occi:request': 'req-1' } }] }],
  // user mixins
  'user_mixin.request': requests.user_mixin!,
  // template listings
  images: [{ images: imageDocuments() }],
  flavors: [{ flavors: flavorDocuments() }],
  // the fixtures
  'zone.request': requests.zone!,
  'zone.zones': [{ zones }],
  'zone.zone': zones.map((z) => ({ zone: z })),
  'zone.ready': zones.map((z) => ({ zone: z })),
  'zone.patch': zones.map((z) => ({ zone: z })),
  'zone.refresh': zones.map((z) => ({ zone: z })),
  'zone.name': ['example.org'],
  'zone.ttl': [300],
  'zone.nameservers': ['ns1.example.org, ns2.example.org', ''],
  'zone.signed': [true, false],
  'zone.algorithm': ['rsa', 'ecdsa'],
  'zone.record_type': ['NS'],
  'probe.request': requests.probe!,
  'probe.id': ['ok', 'spin'],
  'probe.p': [{ value: 'fine' }, { value: 1 }],
};

/** The backend object each kind's entity map gets from `$entity(...)`. */
const ENTITY_INPUTS: Record<string, unknown[]> = {
  [KINDS.compute]: [
    ...servers,
    ...pending,
    // The create result: the server as POST /servers answers it, image and flavor named.
    { image: { id: imageDocuments()[0]!.id }, flavor: { id: '2' }, id: 1001, name: 'web-1', status: 'BUILD' },
  ],
  [KINDS.networkinterface]: [
    { port: ports[0], ports, subnets },
    { port: ports[1], ports, subnets, public: true },
    { port: ports[2], ports: [ports[2]], subnets: [], public: false },
  ],
  [KINDS.network]: networks.map((network) => ({ network, subnets })),
  [KINDS.storage]: volumes,
  [KINDS.storagelink]: [...volumes, { id: '5', status: 'attaching', attachments: [{ server_id: '42' }] }],
  [KINDS.ipreservation]: fips,
  'http://example.org/occi/dns#zone': zones,
};

const DOCUMENTS = {
  fault: [
    { itemNotFound: { code: 404, message: 'Server 42 not found', details: '' } },
    { badRequest: { code: 400, message: 'Invalid flavor' } },
    { overLimit: { code: 413, message: 'quota exceeded' }, extra: { code: 1 } },
    { error: { message: 'zone exists' } },
  ],
  identity: [
    {
      access: {
        token: { id: 'tok-alice', expires: '2026-01-03T00:00:00Z' },
        user: { id: 'u-1', name: 'alice' },
        serviceCatalog: [
          { type: 'compute', endpoints: [{ publicURL: 'http://127.0.0.1:9/compute/v2.0' }] },
          { type: 'network', endpoints: [{ publicURL: 'http://127.0.0.1:9/network/v2.0' }, {}] },
          { type: 'image', endpoints: [] },
        ],
      },
    },
  ],
};

/** The arguments of the shipped shared functions, by `<function>.<parameter>`. */
const ARGUMENTS: Record<string, unknown[]> = {
  'computeActions.status': STATUSES,
  'userMixins.tags': [['occi.web'], ['occi.web', 'occi.db', 'other'], []],
  'portName.request': ['req-1'],
  'portName.fip': ['12', 12],
  'releasedFloatingIp.name': [
    'snf-occi:req-1:release-floating-ip:12',
    'snf-occi:req-1',
    'snf-occi:a:b:release-floating-ip:12',
    'mine',
  ],
  'pickFloatingIp.answer': [{ floatingips: fips }, { floatingips: [] }],
  'pickFloatingIp.net': ['1', '2'],
  'pickFloatingIp.res': ['12', '13', '99'],
  'pickFloatingIp.address': ['203.0.113.5', '203.0.113.6', '198.51.100.1'],
  'checkNetworkInterface.attrs': (requests.networkinterface ?? []).flatMap((r) =>
    r.attributes ? [r.attributes] : [],
  ),
  'checkNetworkInterface.public': [true, false],
  'linksPending.s': [...servers, ...pending],
  'checkComputeAttributes.attrs': [
    ...(requests.compute ?? []).flatMap((r) => (r.attributes ? [r.attributes] : [])),
    { 'occi.compute.speed': 2.4, 'occi.compute.share': 1, 'occi.compute.cores': 2 },
  ],
  'smallestFlavor.cores': [1, 2, 4, 8, 1000],
  'smallestFlavor.memory': [0.5, 1, 2, 4, 8, 100000],
  'checkUntitledLink.attrs': [
    ...[...(requests.networkinterface ?? []), ...(requests.storagelink ?? [])].flatMap((r) =>
      r.attributes ? [r.attributes] : [],
    ),
    { 'occi.core.title': 'eth0' },
  ],
  'checkSubnetSize.cidr': [
    '10.0.0.0/24',
    '10.0.0.0/16',
    '10.0.0.0/30',
    '10.0.0.0/22',
    '2001:db8::/64',
    '2001:db8::/48',
    '10.0.0.1',
  ],
  'serverSettled.s': [...servers.map(server), server({ ...servers[1], 'SNF:task_state': undefined })],
};

/** One of `shapes` as the backend gives it, or with fields dropped or replaced. */
const shaped = (shapes: readonly unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 1, arbitrary: exactly(shapes) },
    {
      weight: 1,
      arbitrary: fc.oneof(...shapes.map((s) => (s === undefined ? fc.constant(undefined) : like(s)))),
    },
  );

/** A named value or an argument: mostly of its shapes, now and then any value or undefined (a skipped step). */
const sometimes = (shapes: readonly unknown[] | undefined): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 8, arbitrary: shapes?.length ? shaped(shapes) : scalar },
    { weight: 1, arbitrary: wild },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const term = (category: string | undefined) => category?.slice(category.lastIndexOf('#') + 1);

/** The shapes a name has in rules of `category` (undefined: no known shape, any scalar will do). */
export function shapesOf(name: string, category?: string): unknown[] | undefined {
  return SHAPES[`${term(category)}.${name}`] ?? SHAPES[name];
}

/** Bindings for the named values a rule expression of `category` reads. */
export function ruleBindingsArb(
  names: readonly string[],
  category?: string,
): fc.Arbitrary<Record<string, unknown>> {
  const spec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) spec[name] = sometimes(shapesOf(name, category));
  return fc.record(spec, { noNullPrototype: true });
}

/** Inputs for the entity map of `kind`: its backend objects, now and then any JSON. */
export function entityInputArb(kind: string): fc.Arbitrary<unknown> {
  const shapes = ENTITY_INPUTS[kind];
  if (!shapes) throw new Error(`no backend objects for entity kind ${kind}`);
  return fc.oneof({ weight: 9, arbitrary: shaped(shapes) }, { weight: 1, arbitrary: json });
}

/** Backend documents a fault message or an identity expression reads. */
export function documentArb(document: keyof typeof DOCUMENTS): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 9, arbitrary: shaped(DOCUMENTS[document]) }, { weight: 1, arbitrary: json });
}

/** Arguments for a call of the shared function `name` with these parameters. */
export function argumentsArb(name: string, parameters: readonly string[]): fc.Arbitrary<unknown[]> {
  return fc.tuple(...parameters.map((p) => sometimes(ARGUMENTS[`${name}.${p}`])));
}

/** True when every name has a known shape (a test guards that new rules get theirs). */
export function unknownShapes(names: readonly string[], category?: string): string[] {
  return names.filter((n) => !shapesOf(n, category));
}

/** Names of function parameters without a known shape. */
export function unknownArguments(name: string, parameters: readonly string[]): string[] {
  return parameters.filter((p) => !ARGUMENTS[`${name}.${p}`]);
}
