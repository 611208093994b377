// Images through the compute API (public catalogue + the user's snapshots) and the Plankton image
// service (Glance v1 style list/detail and HEAD with x-image-meta-* headers).
import { forbidden, itemNotFound, notImplemented } from '../faults.js';
import { findImage, listImages } from '../logic/images.js';
import type { Ctx, Reply } from '../request.js';
import { noContent, ok, param } from '../request.js';
import type { ImageLike } from '../views/catalogue-view.js';
import { imageBrief, imageDetail, planktonBrief, planktonDetail } from '../views/catalogue-view.js';

function imageOf(ctx: Ctx): ImageLike {
  const id = param(ctx, 'image_id');
  const img = findImage(ctx.sim, ctx.user, id);
  if (!img) throw itemNotFound(`Image '${id}' not found`);
  return img;
}

export function listImagesBrief(ctx: Ctx): Reply {
  return ok({ images: listImages(ctx.sim, ctx.user).map((i) => imageBrief(ctx.sim, i)) });
}

export function listImagesDetail(ctx: Ctx): Reply {
  return ok({ images: listImages(ctx.sim, ctx.user).map((i) => imageDetail(ctx.sim, i)) });
}

export function getImage(ctx: Ctx): Reply {
  return ok({ image: imageDetail(ctx.sim, imageOf(ctx)) });
}

export function createImage(): Reply {
  throw notImplemented('Not Implemented');
}

/** Deleting a snapshot image deletes the snapshot; the public catalogue is not the user's. */
export function deleteImage(ctx: Ctx): Reply {
  const img = imageOf(ctx);
  if (!img.isSnapshot || img.owner !== ctx.user.id) throw forbidden('Permission denied: image is not yours.');
  const snap = ctx.sim.store.snapshots.get(img.id);
  if (snap) {
    snap.deleted = true;
    snap.status = 'DELETED';
    snap.updated = ctx.sim.now();
  }
  return noContent();
}

export function imageMetadata(ctx: Ctx): Reply {
  return ok({ metadata: { ...imageOf(ctx).properties } });
}

// --- Plankton ---

export function planktonList(ctx: Ctx): Reply {
  return ok({ images: listImages(ctx.sim, ctx.user).map(planktonBrief) });
}

export function planktonListDetail(ctx: Ctx): Reply {
  return ok({ images: listImages(ctx.sim, ctx.user).map(planktonDetail) });
}

/** Header values must be printable ASCII; anything else (user-chosen snapshot names) is percent-encoded. */
function headerValue(v: unknown): string {
  return String(v).replace(/[^\x20-\x7e]/gu, (c: string) => percentEncode(c));
}

/** UTF-8 percent-encoding that, unlike encodeURIComponent, cannot throw on a lone surrogate. */
function percentEncode(c: string): string {
  let out = '';
  for (const b of Buffer.from(c, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

function headerName(k: string): string {
  return headerValue(k).replace(/[^A-Za-z0-9!#$%&'*+.^`|~-]/g, '-');
}

/** HEAD /images/{id}: the metadata travels in headers, as Glance v1 does. */
export function planktonHead(ctx: Ctx): Reply {
  const d = planktonDetail(imageOf(ctx));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(d)) {
    if (k === 'properties') continue;
    headers[`x-image-meta-${k.replaceAll('_', '-')}`] = headerValue(v);
  }
  for (const [k, v] of Object.entries(d.properties as Record<string, string>)) {
    headers[`x-image-meta-property-${headerName(k)}`] = headerValue(v);
  }
  return { status: 200, headers };
}
