// Renders flavors and images, through the compute API (image_to_dict) and through Plankton
// (Glance v1 style), from the seeded catalogue and the user's snapshots.
import type { Flavor, Image } from '../model.js';
import type { Sim } from '../sim.js';
import { isoformat } from '../time.js';
import { imageLinks, links } from './links.js';

export function flavorBrief(sim: Sim, f: Flavor): Record<string, unknown> {
  return { id: f.id, name: f.name, links: links(`${sim.urls.compute}/flavors/${f.id}`) };
}

export function flavorDetail(sim: Sim, f: Flavor, diskTemplate: string): Record<string, unknown> {
  return {
    ...flavorBrief(sim, f),
    ram: f.ram,
    disk: f.disk,
    vcpus: f.cpu,
    'os-flavor-access:is_public': f.public,
    'SNF:disk_template': diskTemplate,
    'SNF:volume_type': f.volumeTypeId,
    'SNF:allow_create': f.allowCreate,
    'SNF:flavor-access': [],
  };
}

export interface ImageLike extends Image {
  isSnapshot: boolean;
}

export function imageBrief(sim: Sim, i: ImageLike): Record<string, unknown> {
  return { id: i.id, name: i.name, links: imageLinks(sim.urls.compute, sim.urls.imageV, i.id) };
}

export function imageDetail(sim: Sim, i: ImageLike): Record<string, unknown> {
  return {
    id: i.id,
    name: i.name,
    links: imageLinks(sim.urls.compute, sim.urls.imageV, i.id),
    created: isoformat(i.created),
    updated: isoformat(i.updated),
    status: i.status,
    progress: i.status === 'ACTIVE' ? 100 : 0,
    user_id: i.owner,
    tenant_id: i.owner,
    public: i.public,
    is_snapshot: i.isSnapshot,
    metadata: { ...i.properties },
  };
}

/** Plankton (`/image/v1.0/images/detail`) shape. */
export function planktonDetail(i: ImageLike): Record<string, unknown> {
  return {
    id: i.id,
    name: i.name,
    status: i.status === 'ACTIVE' ? 'available' : i.status.toLowerCase(),
    owner: i.owner,
    is_public: i.public,
    is_snapshot: i.isSnapshot,
    size: i.size,
    checksum: '',
    disk_format: i.diskFormat,
    container_format: i.containerFormat,
    location: `pithos://${i.owner}/images/${i.id}`,
    created_at: isoformat(i.created),
    updated_at: isoformat(i.updated),
    deleted_at: '',
    properties: { ...i.properties },
  };
}

export function planktonBrief(i: ImageLike): Record<string, unknown> {
  return {
    id: i.id,
    name: i.name,
    status: i.status === 'ACTIVE' ? 'available' : i.status.toLowerCase(),
    size: i.size,
    disk_format: i.diskFormat,
    container_format: i.containerFormat,
  };
}
