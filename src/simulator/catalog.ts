// The Astakos service catalog, with Synnefo's URL versioning quirk: compute (and identity/account)
// publicURLs end in their version, network/volume/image do not (SNF:exposeVersion false), and
// clients like kamaki append /v2.0 or /v1.0 themselves.
import type { Urls } from './sim.js';

interface Service {
  name: string;
  type: string;
  versionId: string;
  publicURL: string;
  extra?: Record<string, string>;
}

export function serviceCatalog(urls: Urls): unknown[] {
  const services: Service[] = [
    {
      name: 'cyclades_compute',
      type: 'compute',
      versionId: 'v2.0',
      publicURL: urls.compute,
      extra: { 'SNF:uiURL': urls.ui },
    },
    { name: 'cyclades_network', type: 'network', versionId: 'v2.0', publicURL: urls.network },
    { name: 'cyclades_volume', type: 'volume', versionId: 'v2.0', publicURL: urls.volume },
    { name: 'cyclades_plankton', type: 'image', versionId: 'v1.0', publicURL: urls.image },
    { name: 'astakos_identity', type: 'identity', versionId: 'v2.0', publicURL: urls.identity },
    { name: 'astakos_account', type: 'account', versionId: 'v1.0', publicURL: urls.account },
  ];
  return services.map((s) => ({
    name: s.name,
    type: s.type,
    endpoints_links: [],
    endpoints: [{ versionId: s.versionId, region: 'default', publicURL: s.publicURL, ...s.extra }],
  }));
}
