// Seeds the standalone simulator through its own compute API (as a client would): servers built
// from the smallest flavor that can create and the first active image, then waits until every build
// job has finished (POST /_simulator/settle), so that the bench reads ACTIVE servers.

/** The simulator's layout: compute under /compute/v2.0 (what its identity catalog advertises). */
export const computeUrl = (simUrl: string) => `${simUrl}/compute/v2.0`;

async function getJson(url: string, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { 'x-auth-token': token, accept: 'application/json' } });
  if (!res.ok) throw new Error(`seeding: GET ${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

interface Flavor {
  id: number | string;
  ram: number;
  disk: number;
  'SNF:allow_create'?: boolean;
}

async function recipe(simUrl: string, token: string): Promise<{ flavorRef: string; imageRef: string }> {
  const flavors = (await getJson(`${computeUrl(simUrl)}/flavors/detail`, token)).flavors as Flavor[];
  const images = (await getJson(`${computeUrl(simUrl)}/images/detail`, token)).images as {
    id: string;
    status: string;
  }[];
  const flavor = flavors
    .filter((f) => f['SNF:allow_create'] !== false)
    .sort((a, b) => a.ram - b.ram || a.disk - b.disk)[0];
  const image = images.find((i) => i.status === 'ACTIVE');
  if (!flavor || !image) throw new Error('seeding: the simulator offers no flavor or image to build from');
  return { flavorRef: String(flavor.id), imageRef: image.id };
}

/** Creates `count` servers for the user of `token`, `parallel` at a time; returns their ids. */
export async function seedServers(
  simUrl: string,
  token: string,
  count: number,
  parallel = 16,
): Promise<string[]> {
  const { flavorRef, imageRef } = await recipe(simUrl, token);
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const res = await fetch(`${computeUrl(simUrl)}/servers`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ server: { name: `bench-${n}`, imageRef, flavorRef } }),
      });
      const body = (await res.json()) as { server?: { id: string | number } };
      if (res.status !== 202 || !body.server) {
        throw new Error(`seeding: POST /servers answered ${res.status}: ${JSON.stringify(body)}`);
      }
      ids.push(String(body.server.id));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const settled = await fetch(`${simUrl}/_simulator/settle`, { method: 'POST' });
  if (!settled.ok) throw new Error(`seeding: settle answered ${settled.status}`);
  return ids;
}

/** Quotas large enough for the list user's servers (ram and disk in bytes, as Astakos counts). */
export function quotaArgs(servers: number): string[] {
  const n = servers + 10;
  const TiB = 1024 ** 4;
  const quotas: Record<string, number> = {
    'cyclades.vm': n,
    'cyclades.cpu': 8 * n,
    'cyclades.total_cpu': 8 * n,
    'cyclades.ram': 8 * n * 1024 ** 3,
    'cyclades.total_ram': 8 * n * 1024 ** 3,
    'cyclades.disk': n * TiB,
  };
  return Object.entries(quotas).flatMap(([k, v]) => ['--quota', `${k}=${v}`]);
}
