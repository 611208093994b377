// Every write step of every shipped multi-step rule, under each fault: the connection refused
// (reset before the backend sees the request), reset after the backend acted, a 5xx without
// acting, no answer within the backend timeout after acting, the reply lost after acting, and a
// 5xx after acting. Afterwards, once the simulator's jobs and the engine's retries are done, the
// backend is listed directly: a create that failed left nothing; a delete reports what happened
// to its main object (200 once it is gone) and its floating-IP release is retried until done; an
// update is all or nothing. The client never sees a 500.
//
// `FAULTS=full` (npm run test:faults) runs every fault at every step; the short mode (npm test)
// runs each step under one fault, the faults taken in turn, and every fault at least once.
import { afterEach, beforeEach, describe, expect, it, type TaskMeta } from 'vitest';
import {
  COMPUTE,
  FLAVOR_SMALL,
  type FaultStack,
  IPNETWORK,
  IPRESERVATION,
  idOf,
  NETWORK,
  NETWORKINTERFACE,
  PUBLIC_NETWORK,
  type Reply,
  STORAGE,
  STORAGELINK,
  startFaultStack,
} from './fault-stack.js';
import { linesClaiming500 } from '../support/hostile-requests.js';
import { differences, type Inventory, inventory } from './inventory.js';
import { FULL, report } from './report.js';

/** A flavor a small server can be resized to: same disk and volume type as FLAVOR_SMALL. */
const FLAVOR_BIGGER = 'http://schemas.openstack.org/template/resource#52';

const FAULTS = ['refused', 'reset', '5xx', 'timeout', 'lost', '5xx after acting'] as const;
type Fault = (typeof FAULTS)[number];

/** Whether the backend carried out the request before the fault. */
const ACTED: Record<Fault, boolean> = {
  refused: false,
  reset: true,
  '5xx': false,
  timeout: true,
  lost: true,
  '5xx after acting': true,
};
/** What the client gets when the fault fails its request. */
const FAILED: Record<Fault, number> = {
  refused: 502,
  reset: 502,
  '5xx': 502,
  timeout: 504,
  lost: 502,
  '5xx after acting': 502,
};

interface Target {
  step: string;
  service: 'compute' | 'network' | 'volume';
  method: string;
  /** The path below the service's versioned root, as a RegExp source. */
  path: string;
  /** Which matching call of the request is hit (default the first). */
  nth?: number;
}

/** Arms `fault` for the target's call: on the relay, or on the simulator just before the call reaches it. */
function arm(stack: FaultStack, fault: Fault, t: Target) {
  const path = new RegExp(`^/${t.service}/v2\\.0${t.path}$`);
  const rule = { method: t.method, path, nth: t.nth ?? 0 };
  const simulated = (f: { status: number; drop?: boolean; after?: boolean }) => () =>
    stack.sim.injectFault({ method: t.method, path: new RegExp(`^${t.path}$`), ...f });
  switch (fault) {
    case 'refused':
      return stack.relay.arm({ ...rule, mode: 'refuse' });
    case 'reset':
      return stack.relay.arm({ ...rule, mode: 'reset' });
    case 'timeout':
      return stack.relay.arm({ ...rule, mode: 'hang-after' });
    case '5xx':
      return stack.relay.arm({ ...rule, mode: 'pass', before: simulated({ status: 500 }) });
    case 'lost':
      return stack.relay.arm({
        ...rule,
        mode: 'pass',
        before: simulated({ status: 500, drop: true, after: true }),
      });
    case '5xx after acting':
      return stack.relay.arm({ ...rule, mode: 'pass', before: simulated({ status: 500, after: true }) });
  }
}

type Ctx = Record<string, string>;

interface Scenario {
  name: string;
  /** Makes what the request needs (on purpose: it is part of the backend before and after). */
  setup?(s: FaultStack): Promise<Ctx>;
  request(s: FaultStack, ctx: Ctx): Promise<Reply>;
  targets: Target[];
  /** The status of the request when it is carried out. */
  success: number;
  /** Whether the request is carried out although the fault hit this step (else it is undone). */
  completes?(fault: Fault, step: string): boolean;
  /** The backend once the request is carried out, from the one before. */
  done?(before: Inventory, ctx: Ctx): Inventory;
}

// --- making things on purpose, through snf-occi (no fault is armed yet) ---

async function created(reply: Promise<Reply>): Promise<string> {
  const r = await reply;
  if (r.status !== 201 || !r.location) throw new Error(`setup failed: ${r.status} ${r.text}`);
  return new URL(r.location, 'http://x').pathname;
}

const nic = (target: string) => ({
  kind: NETWORKINTERFACE,
  target: { location: target, kind: NETWORK },
  attributes: {},
});

const makeServer = (s: FaultStack, title: string, links: unknown[] = []) =>
  created(
    s.occi('POST', '/compute/', {
      kind: COMPUTE,
      mixins: [FLAVOR_SMALL],
      attributes: { 'occi.core.title': title },
      links,
    }),
  );

const makeNetwork = (s: FaultStack, title: string, address: string) =>
  created(
    s.occi('POST', '/network/', {
      kind: NETWORK,
      mixins: [IPNETWORK],
      attributes: { 'occi.core.title': title, 'occi.network.address': address },
    }),
  );

const makeStorage = (s: FaultStack) =>
  created(s.occi('POST', '/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } }));

/** A server with an interface on the public network, whose floating IP snf-occi allocated. */
async function serverWithPublicInterface(s: FaultStack): Promise<Ctx> {
  const compute = await makeServer(s, 'public-one', [nic(PUBLIC_NETWORK)]);
  await s.quiesce();
  const server = idOf(compute);
  const port = s.backend().ports.find((p) => p.device_id === server && p.network_id === '1');
  const fip = s.backend().floatingIps.find((f) => f.port_id === port?.id);
  if (!port || !fip) throw new Error('setup: no public port with a floating IP');
  return { compute, server, port: String(port.id), fip: String(fip.id) };
}

const linkTo = (kind: string, compute: string, target: string, targetKind: string) => ({
  kind,
  source: { location: compute, kind: COMPUTE },
  target: { location: target, kind: targetKind },
  attributes: {},
});

const without = (inv: Inventory, drop: (line: string) => boolean): Inventory => {
  const out = {} as Inventory;
  for (const k of Object.keys(inv) as (keyof Inventory)[]) out[k] = inv[k].filter((l) => !drop(l));
  return out;
};

// --- the shipped multi-step rules and their write steps ---

const SERVERS = { service: 'compute', method: 'POST', path: '/servers' } as const;
const PORTS = { service: 'network', method: 'POST', path: '/ports' } as const;
const FLOATING_IPS = { service: 'network', method: 'POST', path: '/floatingips' } as const;
const ATTACH = { service: 'compute', method: 'POST', path: '/servers/\\d+/os-volume_attachments' } as const;
const ACTION = { service: 'compute', method: 'POST', path: '/servers/\\d+/action' } as const;

/** Deletes complete once their main call has acted; their clean-up steps never fail them. */
const deleteCompletes = (fault: Fault, step: string) => step !== 'delete' || ACTED[fault];

const SCENARIOS: Scenario[] = [
  {
    name: 'compute create',
    request: (s) =>
      s.occi('POST', '/compute/', {
        kind: COMPUTE,
        mixins: [FLAVOR_SMALL],
        attributes: { 'occi.core.title': 'vm' },
      }),
    targets: [{ step: 'server', ...SERVERS }],
    success: 201,
  },
  {
    name: 'compute create with links (private, public, storage)',
    async setup(s) {
      const network = await makeNetwork(s, 'private', '10.0.0.0/24');
      const storage = await makeStorage(s);
      return { network, storage };
    },
    request: (s, ctx) =>
      s.occi('POST', '/compute/', {
        kind: COMPUTE,
        mixins: [FLAVOR_SMALL],
        attributes: { 'occi.core.title': 'vm' },
        links: [
          nic(ctx.network!),
          nic(PUBLIC_NETWORK),
          { kind: STORAGELINK, target: { location: ctx.storage, kind: STORAGE }, attributes: {} },
        ],
      }),
    targets: [
      { step: 'server', ...SERVERS },
      { step: 'port (private)', ...PORTS },
      { step: 'fip', ...FLOATING_IPS },
      { step: 'port (public)', ...PORTS, nth: 1 },
      { step: 'attach', ...ATTACH },
    ],
    success: 201,
  },
  {
    name: 'network create with ipnetwork',
    request: (s) =>
      s.occi('POST', '/network/', {
        kind: NETWORK,
        mixins: [IPNETWORK],
        attributes: { 'occi.core.title': 'net', 'occi.network.address': '10.1.0.0/24' },
      }),
    targets: [
      { step: 'network', service: 'network', method: 'POST', path: '/networks' },
      { step: 'subnet', service: 'network', method: 'POST', path: '/subnets' },
    ],
    success: 201,
  },
  {
    // The lost network is found by its name: one the user made before with that name is not it.
    name: 'network create beside a network of the same name',
    async setup(s) {
      return { existing: await makeNetwork(s, 'net', '10.2.0.0/24') };
    },
    request: (s) =>
      s.occi('POST', '/network/', {
        kind: NETWORK,
        mixins: [IPNETWORK],
        attributes: { 'occi.core.title': 'net', 'occi.network.address': '10.1.0.0/24' },
      }),
    targets: [{ step: 'network', service: 'network', method: 'POST', path: '/networks' }],
    success: 201,
  },
  {
    name: 'storage create',
    request: (s) => s.occi('POST', '/storage/', { kind: STORAGE, attributes: { 'occi.storage.size': 1 } }),
    targets: [
      { step: 'volume', service: 'volume', method: 'POST', path: '/volumes' },
      { step: 'keep', service: 'volume', method: 'PUT', path: '/volumes/\\d+' },
    ],
    success: 201,
  },
  {
    name: 'networkinterface create on the public network, no free floating IP',
    async setup(s) {
      return { compute: await makeServer(s, 'vm') };
    },
    request: (s, ctx) =>
      s.occi(
        'POST',
        '/link/networkinterface/',
        linkTo(NETWORKINTERFACE, ctx.compute!, PUBLIC_NETWORK, NETWORK),
      ),
    targets: [
      { step: 'fip', ...FLOATING_IPS },
      { step: 'port', ...PORTS },
    ],
    success: 201,
  },
  {
    name: 'networkinterface create on the public network, a free floating IP',
    async setup(s) {
      const compute = await makeServer(s, 'vm');
      const fip = await created(s.occi('POST', '/ipreservation/', { kind: IPRESERVATION, attributes: {} }));
      return { compute, fip };
    },
    request: (s, ctx) =>
      s.occi(
        'POST',
        '/link/networkinterface/',
        linkTo(NETWORKINTERFACE, ctx.compute!, PUBLIC_NETWORK, NETWORK),
      ),
    targets: [{ step: 'port', ...PORTS }],
    success: 201,
  },
  {
    name: 'storagelink create',
    async setup(s) {
      return { compute: await makeServer(s, 'vm'), storage: await makeStorage(s) };
    },
    request: (s, ctx) =>
      s.occi('POST', '/link/storagelink/', linkTo(STORAGELINK, ctx.compute!, ctx.storage!, STORAGE)),
    targets: [{ step: 'attach', ...ATTACH }],
    success: 201,
  },
  {
    name: 'compute delete (releases its floating IP)',
    setup: serverWithPublicInterface,
    request: (s, ctx) => s.occi('DELETE', ctx.compute!),
    targets: [
      { step: 'delete', service: 'compute', method: 'DELETE', path: '/servers/\\d+' },
      { step: 'gone (clean-up)', service: 'compute', method: 'GET', path: '/servers/\\d+', nth: 1 },
      { step: 'release (clean-up)', service: 'network', method: 'DELETE', path: '/floatingips/\\d+' },
    ],
    success: 200,
    completes: deleteCompletes,
    done: (before, ctx) =>
      without(
        before,
        (l) =>
          l.startsWith(`server ${ctx.server} `) ||
          l.startsWith(`port ${ctx.port} `) ||
          l.startsWith(`fip ${ctx.fip} `) ||
          l.endsWith(`attached ${ctx.server}`),
      ),
  },
  {
    name: 'networkinterface delete (releases its floating IP)',
    setup: serverWithPublicInterface,
    request: (s, ctx) => s.occi('DELETE', `/link/networkinterface/${ctx.port}`),
    targets: [
      { step: 'delete', service: 'network', method: 'DELETE', path: '/ports/\\d+' },
      // The rule reads the port first: the clean-up's read is the second.
      { step: 'gone (clean-up)', service: 'network', method: 'GET', path: '/ports/\\d+', nth: 1 },
      { step: 'release (clean-up)', service: 'network', method: 'DELETE', path: '/floatingips/\\d+' },
    ],
    success: 200,
    completes: deleteCompletes,
    done: (before, ctx) =>
      without(before, (l) => l.startsWith(`port ${ctx.port} `) || l.startsWith(`fip ${ctx.fip} `)),
  },
  {
    name: 'compute update rename + resize',
    async setup(s) {
      const compute = await makeServer(s, 'before');
      return { compute, server: idOf(compute) };
    },
    request: (s, ctx) =>
      s.occi('POST', ctx.compute!, {
        kind: COMPUTE,
        mixins: [FLAVOR_BIGGER],
        attributes: { 'occi.core.title': 'after' },
      }),
    targets: [
      { step: 'rename', service: 'compute', method: 'PUT', path: '/servers/\\d+' },
      { step: 'stop', ...ACTION },
      { step: 'resize', ...ACTION, nth: 1 },
      { step: 'start', ...ACTION, nth: 2 },
    ],
    success: 200,
    // The rename and resize are the update; starting the server again is its clean-up.
    completes: (_fault, step) => step === 'start',
    done: (before, ctx) => ({
      ...before,
      servers: before.servers.map((l) =>
        l.startsWith(`server ${ctx.server} `) ? `server ${ctx.server} 'after' flavor 52 ACTIVE` : l,
      ),
    }),
  },
];

/** The short mode: each step under one fault, in turn across all steps (every fault comes up). */
function cases(): [Scenario, Target, Fault][] {
  const all: [Scenario, Target, Fault][] = [];
  let turn = 0;
  for (const scenario of SCENARIOS)
    for (const target of scenario.targets) {
      if (FULL) for (const fault of FAULTS) all.push([scenario, target, fault]);
      else all.push([scenario, target, FAULTS[turn++ % FAULTS.length]!]);
    }
  return all;
}

const scenario = (name: string) => SCENARIOS.find((s) => s.name.startsWith(name))!;
const target = (s: Scenario, step: string) => s.targets.find((t) => t.step === step)!;

/**
 * A fault at a step, and another at what is done about it (a compensation, the lookup of a lost
 * answer, the retry of a clean-up): that is retried until done, and nothing is left either.
 */
const SECOND_FAULTS: { scenario: Scenario; first: [Fault, Target]; second: [Fault, Target] }[] = (() => {
  const links = scenario('compute create with links');
  const storage = scenario('storage create');
  const nicCreate = scenario('networkinterface create on the public network, no free');
  const plain = scenario('compute create');
  const update = scenario('compute update');
  const computeDelete = scenario('compute delete');
  return [
    {
      scenario: links,
      first: ['5xx', target(links, 'attach')],
      second: [
        'refused',
        { step: 'undo: delete the server', service: 'compute', method: 'DELETE', path: '/servers/\\d+' },
      ],
    },
    {
      // The lookup is retried after the server was deleted (the link's undo comes after the resource's).
      scenario: links,
      first: ['lost', target(links, 'attach')],
      second: [
        'refused',
        { step: 'finding the lost attachment', service: 'volume', method: 'GET', path: '/volumes/\\d+' },
      ],
    },
    {
      scenario: storage,
      first: ['5xx', target(storage, 'keep')],
      second: [
        '5xx',
        { step: 'undo: delete the volume', service: 'volume', method: 'DELETE', path: '/volumes/\\d+' },
      ],
    },
    {
      scenario: nicCreate,
      first: ['5xx', target(nicCreate, 'port')],
      second: [
        'timeout',
        {
          step: 'undo: release the floating IP',
          service: 'network',
          method: 'DELETE',
          path: '/floatingips/\\d+',
        },
      ],
    },
    {
      scenario: plain,
      first: ['lost', target(plain, 'server')],
      second: [
        'refused',
        { step: 'finding the lost server', service: 'compute', method: 'GET', path: '/servers/detail' },
      ],
    },
    {
      scenario: update,
      first: ['5xx', target(update, 'resize')],
      second: ['refused', { step: 'undo: start the server', ...ACTION }],
    },
    {
      scenario: computeDelete,
      first: ['5xx', target(computeDelete, 'release (clean-up)')],
      second: ['5xx', { ...target(computeDelete, 'release (clean-up)'), step: 'its retry' }],
    },
  ];
})();

describe('a fault at each write step of each multi-step rule', () => {
  let stack: FaultStack;
  beforeEach(async () => {
    stack = await startFaultStack();
  });
  afterEach(() => stack.close());

  /** Runs a scenario with faults armed; checks the status, the backend afterwards, the retries. */
  async function run(
    sc: Scenario,
    faults: [Fault, Target][],
    meta: TaskMeta,
    cell: { table: string; row: string; column: string },
  ) {
    const ctx = (await sc.setup?.(stack)) ?? {};
    await stack.quiesce();
    const before = inventory(stack.backend());
    const logged = stack.logLines.length;

    const armed = faults.map(([fault, t]) => arm(stack, fault, t));
    const reply = await sc.request(stack, ctx);
    await stack.quiesce();
    const after = inventory(stack.backend());
    const log = stack.logLines.slice(logged);
    const retries = log.filter((l) => l.includes('failed: retrying later')).length;
    const done = log.filter((l) => l.includes('retried and done')).length;
    const orphans = log.filter((l) => l.includes('"orphan')).length;

    const [fault, first] = faults[0]!;
    const completes = sc.completes?.(fault, first.step) ?? false;
    const expected = completes ? (sc.done?.(before, ctx) ?? before) : before;
    const leftovers = differences(expected, after);
    report(meta, {
      ...cell,
      value: `${reply.status} · ${leftovers} · r${retries}${orphans ? ` · ORPHANS ${orphans}` : ''}`,
    });

    expect(
      armed.map((a) => a.fired),
      'each fault was applied',
    ).toEqual(faults.map(() => true));
    expect(reply.status, reply.text).not.toBe(500);
    expect(reply.status, reply.text).toBe(completes ? sc.success : FAILED[fault]);
    expect(after, `the backend, listed directly; log:\n${log.join('')}`).toEqual(expected);
    expect(orphans, log.join('')).toBe(0);
    // Nor does the log claim a 500 (or an unexpected error) that no client saw.
    expect([...linesClaiming500(log), ...log.filter((l) => l.includes('unexpected error'))]).toEqual([]);
    // What was handed over for retrying was done in the end.
    expect(done, log.join('')).toBe(retries);
    return { retries, log };
  }

  it.for(cases().map(([s, t, f]) => [s.name, t.step, f, s, t] as const))(
    '%s, step %s: %s',
    async ([, , fault, sc, t], { task }) => {
      const { retries, log } = await run(sc, [[fault, t]], task.meta, {
        table: 'a fault at each write step: status seen · backend lines off · tasks retried (· orphans)',
        row: `${sc.name}: ${t.step}`,
        column: fault,
      });
      // A clean-up that failed is retried (the client was already told the outcome).
      if (t.step.includes('clean-up')) expect(retries, log.join('')).toBeGreaterThanOrEqual(1);
    },
  );

  it.for(
    SECOND_FAULTS.map(
      (c) => [c.scenario.name, c.first[1].step, c.first[0], c.second[1].step, c.second[0], c] as const,
    ),
  )('%s, step %s: %s, then at %s: %s', async ([, , , , , c], { task }) => {
    const { retries, log } = await run(c.scenario, [c.first, c.second], task.meta, {
      table: 'and a second fault at what is done about it',
      row: `${c.scenario.name}: ${c.first[1].step} ${c.first[0]}; ${c.second[1].step} ${c.second[0]}`,
      column: 'status seen · backend lines off · tasks retried',
    });
    expect(retries, log.join('')).toBeGreaterThanOrEqual(1);
  });

  // A backend that hangs after acting hangs for the lookup of the lost answer too. Known gap
  // (issue 14, "a hung backend is answered 504 within the configured timeout"): the lookup is
  // made before the client is answered, so the client waits for a second timeout. Answering
  // first and looking up later breaks the order of compensations (a resize undone after the
  // server was started again; an attachment undone after its server was deleted), so it needs
  // the undo as a whole to move to the background; until then this asserts what happens.
  it('a backend hung after a create: 504, the lookup retried later, the server found and deleted', async ({
    task,
  }) => {
    const create = scenario('compute create');
    const before = inventory(stack.backend());
    arm(stack, 'timeout', target(create, 'server'));
    const lookup = stack.relay.arm({
      method: 'GET',
      path: /^\/compute\/v2\.0\/servers\/detail$/,
      mode: 'hang',
    });
    const reply = await create.request(stack, {});
    // When the client is answered, the lookup has not been given up on yet.
    const lookupPending = !lookup.fired || lookup.held > 0;
    await stack.quiesce();
    const after = inventory(stack.backend());
    const retried = stack.logLines.filter((l) => l.includes('failed: retrying later')).length;
    report(task.meta, {
      table: 'and a second fault at what is done about it',
      row: 'compute create: server timeout; finding the lost server hangs',
      column: 'status seen · backend lines off · tasks retried',
      value: `${reply.status} · ${differences(before, after)} · r${retried}${lookupPending ? '' : ' · waited 2 timeouts'}`,
    });
    expect(reply.status, reply.text).toBe(504);
    // The client is answered after one timeout; the lookup (hung too) goes on later.
    expect(lookupPending, 'the client waited for the lookup as well').toBe(true);
    expect(after).toEqual(before);
    expect(stack.logLines.filter((l) => l.includes('"orphan'))).toEqual([]);
  });
});
