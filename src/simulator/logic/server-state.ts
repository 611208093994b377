// How a server's internal state shows through the API (status, SNF:task_state, progress) and
// Synnefo's validate_server_action: which action may run now, checked in Synnefo's order.
import { badRequest, buildInProgress } from '../faults.js';
import type { Server, ServerAction, ServerTask } from '../model.js';

/** get_rsapi_state: operstate → API status, with REBOOT/RESIZE shown while such a job runs. */
export function serverStatus(s: Server): string {
  if (s.deleted || s.operstate === 'DESTROYED') return 'DELETED';
  switch (s.operstate) {
    case 'BUILD':
      return 'BUILD';
    case 'STARTED':
      return s.task === 'REBOOT' ? 'REBOOT' : 'ACTIVE';
    case 'STOPPED':
      return s.task === 'RESIZE' ? 'RESIZE' : 'STOPPED';
    case 'ERROR':
      return 'ERROR';
    default:
      return 'UNKNOWN';
  }
}

const TASK_STATES: Record<ServerTask, string> = {
  '': '',
  BUILD: 'BUILDING',
  START: 'STARTING',
  STOP: 'STOPPING',
  REBOOT: 'REBOOTING',
  RESIZE: 'RESIZING',
  DESTROY: 'DESTROYING',
  CONNECT: 'CONNECTING',
  DISCONNECT: 'DISCONNECTING',
  ATTACH_VOLUME: 'ATTACHING_VOLUME',
  DETACH_VOLUME: 'DETACHING_VOLUME',
};

export function taskState(s: Server): string {
  return s.deleted ? '' : TASK_STATES[s.task];
}

/** 100 when ACTIVE, else the build percentage (0 until the build job reports). */
export function progress(s: Server): number {
  return s.operstate === 'BUILD' ? 0 : 100;
}

/**
 * Synnefo's validate_server_action, same order: deleted → 400; DESTROY always allowed; a pending
 * task → 409 buildInProgress (BUILD) or 400; REASSIGN always allowed; ERROR → 400; BUILD → 409;
 * then the per-action operstate requirement. Hotplug is on, so NIC/volume changes need no STOPPED.
 */
export function validateServerAction(s: Server, action: ServerAction): void {
  if (s.deleted) throw badRequest('Server has been deleted.');
  if (action === 'DESTROY') return;
  if (s.task !== '') {
    if (s.task === 'BUILD') throw buildInProgress(`Server '${s.id}' is being built.`);
    throw badRequest(`Cannot perform '${action}' action while there is a pending '${s.task}'.`);
  }
  if (action === 'REASSIGN') return;
  const op = s.operstate;
  if (op === 'ERROR') throw badRequest(`Cannot perform '${action}' action while server is in 'ERROR' state.`);
  if (op === 'BUILD') throw buildInProgress(`Server '${s.id}' is being built.`);
  const wrong =
    (action === 'START' && op !== 'STOPPED') ||
    (action === 'STOP' && op !== 'STARTED') ||
    (action === 'RESIZE' && op !== 'STOPPED');
  if (wrong) throw badRequest(`Cannot perform '${action}' action while server is in '${op}' state.`);
}
