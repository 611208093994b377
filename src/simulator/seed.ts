// The fixed catalogue a fresh simulator starts with: volume types, flavors (Synnefo's generated
// names), public images and the public network with its floating-IP pool.
import type { Flavor, Image, VolumeType } from './model.js';
import { uuidFrom } from './users.js';

/** Owner of the public images, like the "images@okeanos" system user. */
export const SYSTEM_USER = uuidFrom('system:images');

export const VOLUME_TYPES: readonly VolumeType[] = [
  { id: 1, name: 'drbd', diskTemplate: 'drbd', detachable: false, deleted: false },
  { id: 2, name: 'ext_archipelago', diskTemplate: 'ext_archipelago', detachable: true, deleted: false },
];

export function flavorName(cpu: number, ram: number, disk: number, template: string): string {
  return `C${cpu}R${ram}D${disk}${template}`;
}

/** A grid like the one ~okeanos offered, plus a legacy flavor that can no longer create servers. */
export function seedFlavors(): Flavor[] {
  const flavors: Flavor[] = [];
  let id = 1;
  for (const type of VOLUME_TYPES) {
    for (const cpu of [1, 2, 4, 8]) {
      for (const ram of [1024, 2048, 4096, 8192]) {
        for (const disk of [20, 40, 80]) {
          flavors.push({
            id: id++,
            name: flavorName(cpu, ram, disk, type.diskTemplate),
            cpu,
            ram,
            disk,
            volumeTypeId: type.id,
            allowCreate: true,
            public: true,
            deleted: false,
          });
        }
      }
    }
  }
  flavors.push({
    id: id++,
    name: flavorName(1, 512, 10, 'drbd'),
    cpu: 1,
    ram: 512,
    disk: 10,
    volumeTypeId: 1,
    allowCreate: false,
    public: true,
    deleted: false,
  });
  flavors.push({
    id: id++,
    name: flavorName(1, 256, 5, 'drbd'),
    cpu: 1,
    ram: 256,
    disk: 5,
    volumeTypeId: 1,
    allowCreate: false,
    public: true,
    deleted: true,
  });
  return flavors;
}

const GiB = 1024 ** 3;
const SEEDED_AT = Date.UTC(2018, 2, 1, 10, 0, 0);

interface ImageSeed {
  name: string;
  status?: Image['status'];
  sizeGiB: number;
  properties: Record<string, string>;
}

const IMAGES: readonly ImageSeed[] = [
  {
    name: 'Debian Base',
    sizeGiB: 2,
    properties: {
      os: 'debian',
      osfamily: 'linux',
      users: 'root',
      description: 'Debian 9.4 (Stretch) Base System',
      kernel: '4.9.0',
      gui: 'No GUI',
      sortorder: '1',
      partition_table: 'msdos',
      root_partition: '1',
    },
  },
  {
    name: 'Ubuntu Server LTS',
    sizeGiB: 3,
    properties: {
      os: 'ubuntu',
      osfamily: 'linux',
      users: 'user',
      description: 'Ubuntu 16.04.4 LTS Server',
      kernel: '4.4.0',
      gui: 'No GUI',
      sortorder: '2',
      partition_table: 'msdos',
      root_partition: '1',
    },
  },
  {
    name: 'CentOS 7',
    sizeGiB: 3,
    properties: {
      os: 'centos',
      osfamily: 'linux',
      users: 'root',
      description: 'CentOS 7.4 minimal',
      kernel: '3.10.0',
      gui: 'No GUI',
      sortorder: '3',
      partition_table: 'msdos',
      root_partition: '1',
    },
  },
  {
    name: 'Fedora Workstation',
    sizeGiB: 5,
    properties: {
      os: 'fedora',
      osfamily: 'linux',
      users: 'user',
      description: 'Fedora 27 Workstation',
      kernel: '4.13.9',
      gui: 'GNOME 3.26',
      sortorder: '4',
      partition_table: 'msdos',
      root_partition: '1',
    },
  },
  {
    name: 'Windows Server 2012 R2',
    sizeGiB: 12,
    properties: {
      os: 'windows',
      osfamily: 'windows',
      users: 'Administrator',
      description: 'Windows Server 2012 R2 Standard',
      gui: 'Windows',
      sortorder: '5',
      partition_table: 'msdos',
      root_partition: '2',
    },
  },
  {
    name: 'Debian Desktop (being uploaded)',
    status: 'SAVING',
    sizeGiB: 4,
    properties: { os: 'debian', osfamily: 'linux', users: 'user', description: 'Debian 9.4 with XFCE' },
  },
];

export function seedImages(): Image[] {
  return IMAGES.map((seed) => ({
    id: uuidFrom(`image:${seed.name}`),
    name: seed.name,
    owner: SYSTEM_USER,
    public: true,
    status: seed.status ?? 'ACTIVE',
    created: SEEDED_AT,
    updated: SEEDED_AT,
    size: seed.sizeGiB * GiB,
    diskFormat: 'diskdump',
    containerFormat: 'bare',
    properties: { ...seed.properties },
  }));
}

/** The shared public network every user sees, with its floating-IP pool (TEST-NET-3). */
export const PUBLIC_NETWORK = {
  id: '1',
  subnetId: '1',
  name: 'Public IPv4 Network',
  cidr: '203.0.113.0/24',
  gateway: '203.0.113.1',
  created: SEEDED_AT,
};
