// All simulated state in memory: Maps keyed by id (global id counters, as in Synnefo's database)
// and the per-user lookups that turn "not yours" into 404, never 403.
import { itemNotFound } from './faults.js';
import type { Ipv4Pool } from './ip-address.js';
import type {
  Flavor,
  FloatingIp,
  Image,
  Keypair,
  Network,
  Port,
  Server,
  Snapshot,
  Subnet,
  User,
  Volume,
  VolumeType,
} from './model.js';
import { POLL_LIMIT_MS } from './time.js';

/** Distinct id ranges per kind, so that a port id used as a server id is a 404, not a wrong hit. */
const FIRST_IDS = { server: 101, network: 2001, subnet: 3001, port: 4001, floatingIp: 5001, volume: 6001 };
type Counter = keyof typeof FIRST_IDS;

/** Deleted objects stay visible (changes-since, GET by id) for as long as changes-since may reach. */
const REAP_EVERY_MS = 60_000;

export class Store {
  readonly usersByToken = new Map<string, User>();
  readonly usersById = new Map<string, User>();
  readonly flavors = new Map<number, Flavor>();
  readonly images = new Map<string, Image>();
  readonly volumeTypes = new Map<number, VolumeType>();

  readonly servers = new Map<number, Server>();
  readonly networks = new Map<string, Network>();
  readonly subnets = new Map<string, Subnet>();
  readonly pools = new Map<string, Ipv4Pool>();
  readonly ports = new Map<string, Port>();
  readonly floatingIps = new Map<string, FloatingIp>();
  readonly volumes = new Map<string, Volume>();
  readonly snapshots = new Map<string, Snapshot>();
  /** userId → name → key pair. */
  readonly keypairs = new Map<string, Map<string, Keypair>>();

  /** Bumped on every mutation; lets views cache rendered bodies safely. */
  generation = 0;

  private readonly counters: Record<Counter, number> = { ...FIRST_IDS };
  private lastReap = 0;

  constructor(users: User[], flavors: Flavor[], images: Image[], volumeTypes: readonly VolumeType[]) {
    for (const u of users) {
      this.usersByToken.set(u.token, u);
      this.usersById.set(u.id, u);
    }
    for (const f of flavors) this.flavors.set(f.id, f);
    for (const i of images) this.images.set(i.id, i);
    for (const t of volumeTypes) this.volumeTypes.set(t.id, t);
  }

  nextId(kind: Counter, now: number): number {
    this.reap(now);
    const id = this.counters[kind];
    this.counters[kind] = id + 1;
    return id;
  }

  // --- per-user lookups (another user's object is indistinguishable from a missing one) ---

  server(user: User, id: number): Server {
    const s = this.servers.get(id);
    if (!s || s.userId !== user.id) throw itemNotFound('Server not found.');
    return s;
  }

  network(user: User, id: string): Network {
    const n = this.networks.get(id);
    if (!n || !(n.public || n.userId === user.id)) throw itemNotFound(`Network ${id} not found.`);
    return n;
  }

  subnet(user: User, id: string): Subnet {
    const s = this.subnets.get(id);
    if (!s || !(s.public || s.userId === user.id)) throw itemNotFound(`Subnet ${id} not found.`);
    return s;
  }

  port(user: User, id: string): Port {
    const p = this.ports.get(id);
    if (!p || p.userId !== user.id) throw itemNotFound(`Port ${id} not found.`);
    return p;
  }

  floatingIp(user: User, id: string): FloatingIp {
    const f = this.floatingIps.get(id);
    if (!f || f.deleted || f.userId !== user.id) throw itemNotFound(`Floating IP ${id} not found.`);
    return f;
  }

  volume(user: User, id: string): Volume {
    const v = this.volumes.get(id);
    if (!v || v.userId !== user.id) throw itemNotFound(`Volume ${id} not found`);
    return v;
  }

  snapshot(user: User, id: string): Snapshot {
    const s = this.snapshots.get(id);
    if (!s || s.deleted || s.userId !== user.id) throw itemNotFound(`Snapshot ${id} not found`);
    return s;
  }

  userKeypairs(user: User): Map<string, Keypair> {
    let m = this.keypairs.get(user.id);
    if (!m) {
      m = new Map();
      this.keypairs.set(user.id, m);
    }
    return m;
  }

  /** Images a user may use: public ones, their own, and their snapshots (Synnefo lists both). */
  image(user: User, id: string): Image | undefined {
    const img = this.images.get(id);
    if (img && (img.public || img.owner === user.id)) return img;
    return undefined;
  }

  // --- per-user listings ---

  *owned<T extends { userId: string | null }>(map: Map<unknown, T>, user: User): Iterable<T> {
    for (const v of map.values()) if (v.userId === user.id) yield v;
  }

  /** Drops tombstones older than changes-since can reach; keeps a long-running simulator bounded. */
  private reap(now: number): void {
    if (now - this.lastReap < REAP_EVERY_MS) return;
    this.lastReap = now;
    const horizon = now - POLL_LIMIT_MS;
    const sweep = <K, T extends { deleted: boolean; updated: number }>(map: Map<K, T>) => {
      for (const [k, v] of map) if (v.deleted && v.updated < horizon) map.delete(k);
    };
    sweep(this.servers);
    sweep(this.networks);
    sweep(this.floatingIps);
    sweep(this.volumes);
    sweep(this.snapshots);
  }
}
