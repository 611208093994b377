// Limits the server enforces on clients (from reliability-security.md §5): deadlines, header and
// body sizes. Every one can be changed by options (see serve-options.ts); tests shrink them.

export interface Limits {
  /** Largest request body accepted, in bytes (oslo's 112 KiB); more → 413. */
  maxBodyBytes: number;
  /** Largest header block, in bytes; more → 431. */
  maxHeaderBytes: number;
  /** Most header lines; OCCI repeats headers, so more than proxies usually allow; more → 431. */
  maxHeadersCount: number;
  /** Time to receive the request headers, in ms; then 408. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, in ms; then 408. */
  requestTimeoutMs: number;
  /** Idle time of a kept-alive connection, in ms. */
  keepAliveTimeoutMs: number;
  /** How many mixins one user may own. */
  maxUserMixins: number;
  /** Longest time from receiving a request to answering it, in ms; then 504. */
  requestDeadlineMs: number;
  /** On shutdown, time left to requests in flight, in ms; then 503. */
  shutdownTimeoutMs: number;
  /** Pass-through routes: time for the backend to answer (and longest pause), in ms; then 504. */
  passthroughTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 112 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeadersCount: 200,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxUserMixins: 200,
  requestDeadlineMs: 180_000,
  shutdownTimeoutMs: 10_000,
  passthroughTimeoutMs: 30_000,
};
