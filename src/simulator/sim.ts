// The simulator's shared context handed to every handler: state, quotas, job timers, public URLs.
import type { Lifecycle } from './lifecycle.js';
import type { Quotas } from './quotas.js';
import type { Store } from './store.js';

/** Public URLs, computed once: catalog entries and every `links` href derive from these. */
export interface Urls {
  base: string;
  identity: string;
  account: string;
  /** Catalog publicURL of compute: ends in /v2.0. */
  compute: string;
  /** Catalog publicURLs of network/volume/image: no version (SNF:exposeVersion false). */
  network: string;
  volume: string;
  image: string;
  /** Versioned roots used in links. */
  networkV: string;
  volumeV: string;
  imageV: string;
  ui: string;
}

export function buildUrls(base: string): Urls {
  const b = base.replace(/\/+$/, '');
  return {
    base: b,
    identity: `${b}/identity/v2.0`,
    account: `${b}/account/v1.0`,
    compute: `${b}/compute/v2.0`,
    network: `${b}/network`,
    volume: `${b}/volume`,
    image: `${b}/image`,
    networkV: `${b}/network/v2.0`,
    volumeV: `${b}/volume/v2.0`,
    imageV: `${b}/image/v1.0`,
    ui: `${b}/ui`,
  };
}

export interface Sim {
  readonly store: Store;
  readonly lifecycle: Lifecycle;
  readonly quotas: Quotas;
  readonly urls: Urls;
  /** Host name given out in console answers and FQDNs. */
  readonly host: string;
  /** Number of upcoming server builds that end in ERROR (set through failBuilds). */
  failBuilds: number;
  now(): number;
}
