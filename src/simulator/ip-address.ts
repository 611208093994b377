// IPv4/IPv6 parsing, CIDR arithmetic and address pools for simulated subnets; written as character
// loops rather than regexes so that hostile input costs linear time.

export interface Cidr4 {
  network: number;
  prefix: number;
}

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (part.length === 0 || part.length > 3) return null;
    let n = 0;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      n = n * 10 + c;
    }
    if (n > 255 || (part.length > 1 && part[0] === '0')) return null;
    value = value * 256 + n;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function parsePrefix(text: string, max: number): number | null {
  if (text.length === 0 || text.length > 3) return null;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return n <= max ? n : null;
}

/** Parses "a.b.c.d/n"; host bits must be zero, as Synnefo's ipaddr.IPv4Network(strict) requires. */
export function parseCidr4(text: string): Cidr4 | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const address = parseIpv4(text.slice(0, slash));
  const prefix = parsePrefix(text.slice(slash + 1), 32);
  if (address === null || prefix === null) return null;
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return null;
  return { network: address, prefix };
}

export function cidr4Contains(cidr: Cidr4, address: number): boolean {
  const size = 2 ** (32 - cidr.prefix);
  return address >= cidr.network && address < cidr.network + size;
}

/** The usable host range of a subnet: network and broadcast addresses excluded. */
export function hostRange(cidr: Cidr4): { first: number; last: number } {
  const size = 2 ** (32 - cidr.prefix);
  return { first: cidr.network + 1, last: cidr.network + size - 2 };
}

// --- IPv6: only what /64 subnets with EUI-64 (SLAAC) addresses need ---

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function parseIpv6(text: string): bigint | null {
  if (text.length === 0 || text.length > 45) return null;
  const double = text.indexOf('::');
  if (double !== text.lastIndexOf('::')) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s.length === 0) return [];
    const groups: number[] = [];
    for (const g of s.split(':')) {
      if (g.length === 0 || g.length > 4) return null;
      const n = Number.parseInt(g, 16);
      if (Number.isNaN(n) || !HEX_GROUP.test(g)) return null;
      groups.push(n);
    }
    return groups;
  };
  let groups: number[];
  if (double >= 0) {
    const head = parseGroups(text.slice(0, double));
    const tail = parseGroups(text.slice(double + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text);
    if (all?.length !== 8) return null;
    groups = all;
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

export function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseCidr6(text: string): { network: bigint; prefix: number } | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const address = parseIpv6(text.slice(0, slash));
  const prefix = parsePrefix(text.slice(slash + 1), 128);
  if (address === null || prefix === null) return null;
  const hostMask = (1n << BigInt(128 - prefix)) - 1n;
  if ((address & hostMask) !== 0n) return null;
  return { network: address, prefix };
}

/** The SLAAC address a NIC with this MAC gets on a /64 (modified EUI-64), as Synnefo computes it. */
export function eui64Address(network: bigint, mac: string): string {
  const bytes = mac.split(':').map((b) => Number.parseInt(b, 16));
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = bytes;
  const iid = [b0 ^ 2, b1, b2, 0xff, 0xfe, b3, b4, b5].reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  return formatIpv6(network | iid);
}

/** Addresses handed out from a subnet's allocation pools (first free, lowest first). */
export class Ipv4Pool {
  private readonly ranges: { first: number; last: number }[];
  private readonly used = new Set<number>();

  constructor(ranges: { first: number; last: number }[]) {
    this.ranges = ranges;
  }

  contains(address: number): boolean {
    return this.ranges.some((r) => address >= r.first && address <= r.last);
  }

  isUsed(address: number): boolean {
    return this.used.has(address);
  }

  allocate(): number | null {
    for (const r of this.ranges) {
      for (let a = r.first; a <= r.last; a++) {
        if (!this.used.has(a)) {
          this.used.add(a);
          return a;
        }
      }
    }
    return null;
  }

  reserve(address: number): boolean {
    if (!this.contains(address) || this.used.has(address)) return false;
    this.used.add(address);
    return true;
  }

  release(address: number): void {
    this.used.delete(address);
  }

  get free(): number {
    let total = 0;
    for (const r of this.ranges) total += r.last - r.first + 1;
    return total - this.used.size;
  }
}
