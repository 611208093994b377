// A server job: set the pending task now, apply the outcome when the simulated Ganeti job ends
// (unless the server was destroyed meanwhile), then clear the task.
import type { DelayKind } from '../lifecycle.js';
import type { Server, ServerTask } from '../model.js';
import type { Sim } from '../sim.js';

export function runServerJob(
  sim: Sim,
  server: Server,
  task: Exclude<ServerTask, ''>,
  delay: DelayKind,
  complete: (s: Server) => void,
): void {
  server.task = task;
  server.updated = sim.now();
  sim.lifecycle.schedule(delay, () => {
    if (server.deleted) return;
    complete(server);
    if (server.task === task) server.task = '';
    server.updated = sim.now();
  });
}
