// Opens the store `serve` was told to use: Redis for --store redis://…, else the JSON file in the
// state directory. Redis's client is loaded only when asked for.
import { FileMixinStore } from './file-store.js';
import type { MixinStore, StoreLog } from './mixin-store.js';

export interface StoreChoice {
  stateDir: string;
  /** redis:// or rediss:// URL (checked by the option parser). */
  store?: string;
  storeTimeoutMs: number;
}

/** Rejects, with a message naming the store (without its password), when it cannot be opened. */
export async function openStore(choice: StoreChoice, log: StoreLog): Promise<MixinStore> {
  if (!choice.store) return FileMixinStore.open(choice.stateDir, log);
  const { RedisMixinStore } = await import('./redis-store.js');
  return RedisMixinStore.connect(choice.store, { timeoutMs: choice.storeTimeoutMs, log });
}
