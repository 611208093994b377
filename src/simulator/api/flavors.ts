// Flavors: list (brief/detail, deleted ones hidden, SNF:is_public filter) and show (deleted too).
import { itemNotFound } from '../faults.js';
import type { Flavor } from '../model.js';
import type { Ctx, Reply } from '../request.js';
import { intParam, ok, queryValue } from '../request.js';
import { flavorBrief, flavorDetail } from '../views/catalogue-view.js';

function detail(ctx: Ctx, f: Flavor): Record<string, unknown> {
  const template = ctx.sim.store.volumeTypes.get(f.volumeTypeId)?.diskTemplate ?? '';
  return flavorDetail(ctx.sim, f, template);
}

function listFlavors(withDetail: boolean) {
  return (ctx: Ctx): Reply => {
    const isPublic = queryValue(ctx, 'SNF:is_public');
    let flavors = [...ctx.sim.store.flavors.values()].filter((f) => !f.deleted);
    if (isPublic !== null) flavors = flavors.filter((f) => String(f.public) === isPublic.toLowerCase());
    return ok({ flavors: flavors.map((f) => (withDetail ? detail(ctx, f) : flavorBrief(ctx.sim, f))) });
  };
}

export const listFlavorsBrief = listFlavors(false);
export const listFlavorsDetail = listFlavors(true);

export function getFlavorHandler(ctx: Ctx): Reply {
  const f = ctx.sim.store.flavors.get(intParam(ctx, 'flavor_id'));
  if (!f) throw itemNotFound('Flavor not found.');
  return ok({ flavor: detail(ctx, f) });
}
