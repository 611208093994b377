// Server creation and destruction as Synnefo's logic/servers.py does them: everything is validated
// before anything is created, then a BUILD job brings the server, its NICs and its volumes up (or
// to ERROR), and a DESTROY job takes ports and delete_on_termination volumes with it.
import { randomBytes } from 'node:crypto';
import type { Flavor, Network, Port, Server, User, Volume } from '../model.js';
import type { FloatingIp } from '../model.js';
import type { Sim } from '../sim.js';
import { createPort, removePortNow } from './ports.js';
import { bindVolume, markVolumeDeleted, newVolume, unbindVolume } from './volumes.js';

export interface NicPlan {
  network: Network;
  floatingIp: FloatingIp | null;
  port: Port | null;
}

export interface VolumePlan {
  existing: Volume | null;
  size: number;
  imageId: string | null;
  snapshotId: string | null;
  deleteOnTermination: boolean;
}

export interface ServerPlan {
  name: string;
  flavor: Flavor;
  imageId: string;
  projectId: string;
  metadata: Map<string, string>;
  tags: string[];
  keyNames: string[];
  adminPass: string;
  sharedToProject: boolean;
  nics: NicPlan[];
  /** Root first. */
  volumes: VolumePlan[];
}

const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password with upper, lower and digit, as Synnefo's random_password. */
export function randomPassword(length = 12): string {
  for (;;) {
    const bytes = randomBytes(length);
    let out = '';
    for (const b of bytes) out += PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length];
    if (/[a-z]/.test(out) && /[A-Z]/.test(out) && /[0-9]/.test(out)) return out;
  }
}

export function createServer(sim: Sim, user: User, plan: ServerPlan): Server {
  const now = sim.now();
  const server: Server = {
    id: sim.store.nextId('server', now),
    userId: user.id,
    projectId: plan.projectId,
    name: plan.name,
    flavorId: plan.flavor.id,
    imageId: plan.imageId,
    operstate: 'BUILD',
    task: 'BUILD',
    metadata: plan.metadata,
    tags: plan.tags,
    ports: new Set(),
    volumes: new Set(),
    keyNames: plan.keyNames,
    adminPass: plan.adminPass,
    sharedToProject: plan.sharedToProject,
    diagnostics: [],
    created: now,
    updated: now,
    deleted: false,
  };
  sim.store.servers.set(server.id, server);

  for (const vp of plan.volumes) {
    const v =
      vp.existing ??
      newVolume(sim, user, {
        name: '',
        description: '',
        size: vp.size,
        volumeTypeId: plan.flavor.volumeTypeId,
        projectId: plan.projectId,
        metadata: new Map(),
        snapshotId: vp.snapshotId,
        imageId: vp.imageId,
        deleteOnTermination: vp.deleteOnTermination,
      });
    bindVolume(sim, server, v, 'creating');
  }
  for (const nic of plan.nics) {
    if (nic.port) {
      nic.port.deviceId = server.id;
      nic.port.status = 'BUILD';
      nic.port.updated = now;
      server.ports.add(nic.port.id);
    } else {
      createPort(
        sim,
        user,
        {
          network: nic.network,
          server,
          floatingIp: nic.floatingIp,
          name: '',
          securityGroups: [],
          projectId: plan.projectId,
        },
        false,
      );
    }
  }

  const fail = sim.failBuilds > 0;
  if (fail) sim.failBuilds--;
  sim.lifecycle.schedule('build', () => completeBuild(sim, server, fail));
  return server;
}

/** The BUILD job's outcome: STARTED with NICs ACTIVE and volumes in_use, or ERROR with all in error. */
function completeBuild(sim: Sim, server: Server, fail: boolean): void {
  if (server.deleted) return;
  const now = sim.now();
  server.operstate = fail ? 'ERROR' : 'STARTED';
  if (server.task === 'BUILD') server.task = '';
  server.updated = now;
  for (const id of server.ports) {
    const p = sim.store.ports.get(id);
    if (p && p.status === 'BUILD') {
      p.status = fail ? 'ERROR' : 'ACTIVE';
      p.updated = now;
    }
  }
  for (const id of server.volumes) {
    const v = sim.store.volumes.get(id);
    if (v && v.status === 'creating') {
      v.status = fail ? 'error' : 'in_use';
      v.updated = now;
    }
  }
  if (fail) {
    server.diagnostics.push({
      level: 'ERROR',
      created: now,
      source: 'ganeti',
      message: 'Build failed (simulated): the instance could not be created.',
      details: null,
    });
  }
}

/** DELETE /servers/{id}: status stays, task DESTROY, and the job removes the server's resources. */
export function destroyServer(sim: Sim, server: Server): void {
  server.task = 'DESTROY';
  server.updated = sim.now();
  sim.lifecycle.schedule('destroy', () => {
    if (server.deleted) return;
    for (const id of [...server.ports]) {
      const p = sim.store.ports.get(id);
      if (p) removePortNow(sim, p);
    }
    for (const id of [...server.volumes]) {
      const v = sim.store.volumes.get(id);
      if (!v) continue;
      unbindVolume(sim, v);
      if (v.deleteOnTermination) markVolumeDeleted(sim, v);
      else v.status = 'available';
    }
    server.operstate = 'DESTROYED';
    server.deleted = true;
    server.task = '';
    server.adminPass = null;
    server.updated = sim.now();
  });
}
