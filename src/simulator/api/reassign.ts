// The `{"reassign": {"project": …}}` action shared by servers' siblings (networks, floating IPs,
// volumes): a one-key body, the project must be one of the user's.
import { badRequest } from '../faults.js';
import { checkProject } from '../logic/floating-ips.js';
import type { Ctx } from '../request.js';
import { jsonBody } from '../request.js';
import { isObject, optBoolean, reqObject, reqString } from '../validate.js';

export interface Reassign {
  projectId: string;
  shared: boolean;
}

export function parseReassign(ctx: Ctx): Reassign {
  const body = jsonBody(ctx);
  if (!isObject(body)) throw badRequest('Malformed request');
  const keys = Object.keys(body);
  if (keys.length !== 1) throw badRequest('Malformed request');
  if (keys[0] !== 'reassign') throw badRequest(`Action ${keys[0]} not supported`);
  const args = reqObject(body, 'reassign');
  const project = reqString(args, 'project');
  const shared = optBoolean(args, 'shared_to_project') ?? false;
  return { projectId: checkProject(ctx.user, project), shared };
}
