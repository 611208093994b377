// What a user has in the simulated backend, as comparable lines: one per server, network, subnet,
// port, floating IP and volume, with the fields that show a leftover or a half-done change (a
// server's name, flavor and status; what a port, floating IP or volume is attached to).
import type { UserSnapshot } from '../../src/simulator/index.js';

export interface Inventory {
  servers: string[];
  networks: string[];
  subnets: string[];
  ports: string[];
  floatingIps: string[];
  volumes: string[];
}

type Obj = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? '-' : String(v));

export function inventory(b: UserSnapshot): Inventory {
  const lines = (items: Obj[], line: (o: Obj) => string) => items.map(line).sort();
  return {
    servers: lines(
      b.servers,
      (s) => `server ${str(s.id)} '${str(s.name)}' flavor ${str((s.flavor as Obj).id)} ${str(s.status)}`,
    ),
    networks: lines(b.networks, (n) => `network ${str(n.id)} '${str(n.name)}'`),
    subnets: lines(b.subnets, (s) => `subnet ${str(s.id)} of network ${str(s.network_id)} ${str(s.cidr)}`),
    ports: lines(b.ports, (p) => `port ${str(p.id)} device ${str(p.device_id)} network ${str(p.network_id)}`),
    floatingIps: lines(b.floatingIps, (f) => `fip ${str(f.id)} port ${str(f.port_id)}`),
    volumes: lines(b.volumes, (v) => {
      const on = ((v.attachments as Obj[] | undefined) ?? []).map((a) => str(a.server_id)).join(',');
      return `volume ${str(v.id)} ${str(v.status)} attached ${on || '-'}`;
    }),
  };
}

/** How many lines differ between two inventories (objects left over, gone, or changed). */
export function differences(a: Inventory, b: Inventory): number {
  let n = 0;
  for (const k of Object.keys(a) as (keyof Inventory)[]) {
    const x = new Set(a[k]);
    const y = new Set(b[k]);
    for (const l of x) if (!y.has(l)) n++;
    for (const l of y) if (!x.has(l)) n++;
  }
  return n;
}
