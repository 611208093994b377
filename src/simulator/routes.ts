// Every API root the simulator serves and its route table, built once at start-up. Only versioned
// roots are routed (compute/v2.0, network/v2.0, volume/v2.0 or v2, image/v1.0 or v1, identity/v2.0,
// account/v1.0), as in Synnefo.
import { accountQuotas, issueToken, validateToken } from './api/identity.js';
import { getFlavorHandler, listFlavorsBrief, listFlavorsDetail } from './api/flavors.js';
import {
  allocateComputeFloatingIp,
  allocateFloatingIpHandler,
  floatingIpAction,
  getComputeFloatingIp,
  getFloatingIp,
  listComputeFloatingIps,
  listFloatingIps,
  releaseComputeFloatingIp,
  releaseFloatingIpHandler,
  updateFloatingIp,
} from './api/floating-ips.js';
import {
  createImage,
  deleteImage,
  getImage,
  imageMetadata,
  listImagesBrief,
  listImagesDetail,
  planktonHead,
  planktonList,
  planktonListDetail,
} from './api/images.js';
import { createKeypair, deleteKeypair, getKeypair, listKeypairs } from './api/keypairs.js';
import {
  createNetwork,
  deleteNetwork,
  getNetwork,
  listNetworks,
  networkAction,
  updateNetwork,
} from './api/networks.js';
import { createPortHandler, deletePortHandler, getPort, listPorts, updatePort } from './api/ports.js';
import { serverAction } from './api/server-actions.js';
import { createServerHandler } from './api/server-create.js';
import {
  addTag,
  checkTagExists,
  deleteMetadataItem,
  deleteTag,
  deleteTags,
  getMetadataItem,
  listMetadata,
  listTags,
  putMetadataItem,
  replaceTags,
  updateMetadata,
} from './api/server-metadata.js';
import {
  deletePassword,
  deleteServer,
  getPassword,
  getServer,
  listAddresses,
  listServersBrief,
  listServersDetail,
  networkAddresses,
  renameServer,
  serverDiagnostics,
  serverStats,
} from './api/servers.js';
import {
  createSnapshot,
  deleteSnapshot,
  getSnapshot,
  listSnapshotsBrief,
  listSnapshotsDetail,
  updateSnapshot,
} from './api/snapshots.js';
import { createSubnet, deleteSubnet, getSubnet, listSubnets, updateSubnet } from './api/subnets.js';
import {
  attachVolumeHandler,
  detachVolumeHandler,
  getVolumeAttachment,
  listVolumeAttachments,
} from './api/volume-attachments.js';
import {
  createVolumeHandler,
  deleteVolumeHandler,
  deleteVolumeMetadataItem,
  getVolume,
  getVolumeMetadata,
  getVolumeType,
  listVolumesBrief,
  listVolumesDetail,
  listVolumeTypes,
  mergeVolumeMetadata,
  replaceVolumeMetadata,
  updateVolume,
  volumeAction,
} from './api/volumes.js';
import type { Handler } from './request.js';
import { Router } from './router.js';

export interface Service {
  name: string;
  router: Router;
  /** Django answers 405 on volume/image URLs without a JSON body. */
  bare405: boolean;
  /** The network API accepts a trailing slash on every URL. */
  trailingSlash: boolean;
  /** Compute URLs may end in `.json`. */
  jsonSuffix: boolean;
}

/** A list URL and its aliases: '/servers', '/servers/' (Synnefo accepts both). */
function list(r: Router, method: string, path: string, handler: Handler): void {
  r.add(method, path, handler).add(method, `${path}/`, handler);
}

function computeRouter(): Router {
  const r = new Router();
  list(r, 'GET', '/servers', listServersBrief);
  list(r, 'POST', '/servers', createServerHandler);
  r.add('GET', '/servers/detail', listServersDetail);
  const s = '/servers/#server_id';
  r.add('GET', s, getServer).add('PUT', s, renameServer).add('DELETE', s, deleteServer);
  r.add('POST', `${s}/action`, serverAction);
  r.add('GET', `${s}/ips`, listAddresses).add('GET', `${s}/ips/:network_id`, networkAddresses);
  r.add('GET', `${s}/metadata`, listMetadata).add('POST', `${s}/metadata`, updateMetadata);
  r.add('GET', `${s}/metadata/:key`, getMetadataItem)
    .add('PUT', `${s}/metadata/:key`, putMetadataItem)
    .add('DELETE', `${s}/metadata/:key`, deleteMetadataItem);
  r.add('GET', `${s}/tags`, listTags)
    .add('PUT', `${s}/tags`, replaceTags)
    .add('DELETE', `${s}/tags`, deleteTags);
  r.add('GET', `${s}/tags/:tag`, checkTagExists)
    .add('PUT', `${s}/tags/:tag`, addTag)
    .add('DELETE', `${s}/tags/:tag`, deleteTag);
  r.add('GET', `${s}/stats`, serverStats).add('GET', `${s}/diagnostics`, serverDiagnostics);
  r.add('GET', `${s}/password`, getPassword).add('DELETE', `${s}/password`, deletePassword);
  r.add('GET', `${s}/os-volume_attachments`, listVolumeAttachments)
    .add('POST', `${s}/os-volume_attachments`, attachVolumeHandler)
    .add('GET', `${s}/os-volume_attachments/:volume_id`, getVolumeAttachment)
    .add('DELETE', `${s}/os-volume_attachments/:volume_id`, detachVolumeHandler);

  list(r, 'GET', '/flavors', listFlavorsBrief);
  r.add('GET', '/flavors/detail', listFlavorsDetail).add('GET', '/flavors/#flavor_id', getFlavorHandler);

  list(r, 'GET', '/images', listImagesBrief);
  list(r, 'POST', '/images', createImage);
  r.add('GET', '/images/detail', listImagesDetail);
  r.add('GET', '/images/:image_id', getImage).add('DELETE', '/images/:image_id', deleteImage);
  r.add('GET', '/images/:image_id/metadata', imageMetadata);

  list(r, 'GET', '/os-keypairs', listKeypairs);
  list(r, 'POST', '/os-keypairs', createKeypair);
  r.add('GET', '/os-keypairs/:name', getKeypair).add('DELETE', '/os-keypairs/:name', deleteKeypair);

  list(r, 'GET', '/os-floating-ips', listComputeFloatingIps);
  list(r, 'POST', '/os-floating-ips', allocateComputeFloatingIp);
  r.add('GET', '/os-floating-ips/:floatingip_id', getComputeFloatingIp).add(
    'DELETE',
    '/os-floating-ips/:floatingip_id',
    releaseComputeFloatingIp,
  );
  return r;
}

function networkRouter(): Router {
  const r = new Router();
  r.add('GET', '/networks', listNetworks).add('POST', '/networks', createNetwork);
  r.add('GET', '/networks/detail', listNetworks);
  const n = '/networks/:network_id';
  r.add('GET', n, getNetwork).add('PUT', n, updateNetwork).add('DELETE', n, deleteNetwork);
  r.add('POST', `${n}/action`, networkAction);

  r.add('GET', '/subnets', listSubnets).add('POST', '/subnets', createSubnet);
  const sn = '/subnets/:subnet_id';
  r.add('GET', sn, getSubnet).add('PUT', sn, updateSubnet).add('DELETE', sn, deleteSubnet);

  r.add('GET', '/ports', listPorts)
    .add('POST', '/ports', createPortHandler)
    .add('GET', '/ports/detail', listPorts);
  const p = '/ports/:port_id';
  r.add('GET', p, getPort).add('PUT', p, updatePort).add('DELETE', p, deletePortHandler);

  r.add('GET', '/floatingips', listFloatingIps).add('POST', '/floatingips', allocateFloatingIpHandler);
  const f = '/floatingips/:floatingip_id';
  r.add('GET', f, getFloatingIp).add('PUT', f, updateFloatingIp).add('DELETE', f, releaseFloatingIpHandler);
  r.add('POST', `${f}/action`, floatingIpAction);
  return r;
}

function volumeRouter(): Router {
  const r = new Router();
  list(r, 'GET', '/volumes', listVolumesBrief);
  list(r, 'POST', '/volumes', createVolumeHandler);
  r.add('GET', '/volumes/detail', listVolumesDetail);
  const v = '/volumes/:volume_id';
  r.add('GET', v, getVolume).add('PUT', v, updateVolume).add('DELETE', v, deleteVolumeHandler);
  r.add('GET', `${v}/metadata`, getVolumeMetadata)
    .add('POST', `${v}/metadata`, mergeVolumeMetadata)
    .add('PUT', `${v}/metadata`, replaceVolumeMetadata)
    .add('DELETE', `${v}/metadata/:key`, deleteVolumeMetadataItem);
  r.add('POST', `${v}/action`, volumeAction);

  list(r, 'GET', '/types', listVolumeTypes);
  r.add('GET', '/types/#type_id', getVolumeType);

  list(r, 'GET', '/snapshots', listSnapshotsBrief);
  list(r, 'POST', '/snapshots', createSnapshot);
  r.add('GET', '/snapshots/detail', listSnapshotsDetail);
  const s = '/snapshots/:snapshot_id';
  r.add('GET', s, getSnapshot).add('PUT', s, updateSnapshot).add('DELETE', s, deleteSnapshot);
  return r;
}

function imageRouter(): Router {
  const r = new Router();
  list(r, 'GET', '/images', planktonList);
  r.add('GET', '/images/detail', planktonListDetail);
  r.add('HEAD', '/images/:image_id', planktonHead);
  return r;
}

function identityRouter(): Router {
  const r = new Router();
  r.add('POST', '/tokens', issueToken, { public: true });
  r.add('GET', '/tokens/:token_id', validateToken, { public: true });
  return r;
}

function accountRouter(): Router {
  const r = new Router();
  list(r, 'GET', '/quotas', accountQuotas);
  return r;
}

/** Root ("<service>/<version>") → service. */
export function buildServices(): Map<string, Service> {
  const plain = { bare405: false, trailingSlash: false, jsonSuffix: false };
  const compute: Service = { name: 'compute', router: computeRouter(), ...plain, jsonSuffix: true };
  const network: Service = { name: 'network', router: networkRouter(), ...plain, trailingSlash: true };
  const volume: Service = { name: 'volume', router: volumeRouter(), ...plain, bare405: true };
  const image: Service = { name: 'image', router: imageRouter(), ...plain, bare405: true };
  const identity: Service = { name: 'identity', router: identityRouter(), ...plain };
  const account: Service = { name: 'account', router: accountRouter(), ...plain };
  return new Map([
    ['compute/v2.0', compute],
    ['network/v2.0', network],
    ['volume/v2.0', volume],
    ['volume/v2', volume],
    ['image/v1.0', image],
    ['image/v1', image],
    ['identity/v2.0', identity],
    ['account/v1.0', account],
  ]);
}
