// How failures look from both sides. A 5xx body carries a plain message and the request id, the
// rule position goes to the log only (under the same id); a client that goes away is logged as a
// disconnect (499), never as a 500 or an unexpected error; a request past its deadline is 504.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicMessage } from '../../src/server/error-reply.js';
import { metricValue, type OpsStack, startOpsStack, TOKEN, waitFor } from './ops-stack.js';

let stack: OpsStack;
const auth = { 'X-Auth-Token': TOKEN };

beforeAll(async () => {
  stack = await startOpsStack({ metricsListener: true, limits: { requestDeadlineMs: 1_500 } });
});
afterAll(() => stack?.close());

describe('5xx answers', () => {
  it.each([
    ['text/plain', (body: string) => body],
    [
      'application/occi+json',
      (body: string) => (JSON.parse(body) as { error: { message: string } }).error.message,
    ],
  ])('in %s: a plain message and the request id; the rule position only in the log', async (accept, read) => {
    stack.sim!.injectFault({ method: 'GET', path: '/servers/detail', status: 500 });
    const res = await fetch(`${stack.url}/compute/`, { headers: { ...auth, Accept: accept } });
    expect(res.status).toBe(502);
    const id = res.headers.get('x-request-id')!;
    const message = read(await res.text());
    expect(message).toContain(`(request id ${id})`);
    expect(message).toMatch(/backend answered 500/);
    expect(message).not.toMatch(/\.yaml/);
    const logged = stack.logEntries().find((e) => e.reqId === id && e.message === 'request failed');
    expect(logged).toMatchObject({ level: 'warn', status: 502 });
    expect(logged!.error).toMatch(/cyclades\/compute\.yaml:\d+/);
  });

  it('say nothing of a rule that failed but what kind of failure it was', () => {
    const rule =
      'rule at mappings/cyclades/compute.yaml:141 failed (bind): expression ran longer than 250 ms';
    expect(publicMessage(502, rule, 'r1')).toBe(
      'the backend could not carry out this request (request id r1)',
    );
    expect(publicMessage(504, rule, 'r1')).toBe('the backend did not answer in time (request id r1)');
    expect(
      publicMessage(
        502,
        "GET /servers/{id} (step 'server', mappings/cyclades/compute.yaml:66): backend answered 500",
        'r2',
      ),
    ).toBe("GET /servers/{id} (step 'server'): backend answered 500 (request id r2)");
    expect(
      publicMessage(
        504,
        "step 'gone' (mappings/cyclades/compute.yaml:361): the backend did not reach the awaited state",
        'r3',
      ),
    ).toBe("step 'gone': the backend did not reach the awaited state (request id r3)");
    expect(publicMessage(500, 'TypeError: x is undefined at /src/engine/run-rule.ts:12', 'r4')).toBe(
      'internal error (request id r4)',
    );
  });
});

describe('clients that go away', () => {
  const port = () => Number(new URL(stack.url).port);

  /** Opens a connection, sends `head`, and destroys the socket once `ready` resolves. */
  const abandon = (head: string, ready: () => Promise<unknown>) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port(), '127.0.0.1');
      socket.on('error', reject);
      socket.on('connect', () => {
        socket.write(head);
        ready().then(() => {
          socket.destroy();
          resolve();
        }, reject);
      });
    });

  const metricsText = async () => (await fetch(`${stack.server.metricsUrl}/metrics`)).text();
  const inFlight = () =>
    waitFor('the request to be in flight', async () =>
      metricValue(await metricsText(), 'snf_occi_requests_in_flight') > 0 ? true : undefined,
    );
  const disconnects = () => stack.logEntries().filter((e) => e.message === 'client disconnected');

  it('while sending the body: logged as a disconnect (499), not as an error', async () => {
    const before = disconnects().length;
    await abandon(
      `POST /compute/ HTTP/1.1\r\nHost: t\r\nX-Request-Id: gone-mid-body\r\nX-Auth-Token: ${TOKEN}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nCategory: c`,
      inFlight,
    );
    const line = await waitFor('the disconnect to be logged', () =>
      disconnects().length > before ? disconnects().at(-1) : undefined,
    );
    expect(line).toMatchObject({ level: 'info', reqId: 'gone-mid-body', status: 499, method: 'POST' });
    const mine = stack.logEntries().filter((e) => e.reqId === 'gone-mid-body');
    expect(mine.filter((e) => e.level === 'error' || e.status === 500)).toEqual([]);
    expect(stack.logLines.join('')).not.toMatch(/unexpected error/);
  });

  it('while the backend works: logged as a disconnect, counted as 499', async () => {
    stack.sim!.injectFault({ method: 'GET', path: '/servers/detail', status: 503, delayMs: 500 });
    const before = metricValue(await metricsText(), 'snf_occi_requests_total', {
      status: '499',
      operation: 'list',
    });
    await abandon(
      `GET /compute/ HTTP/1.1\r\nHost: t\r\nX-Request-Id: gone-waiting\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`,
      inFlight,
    );
    const line = await waitFor('the disconnect to be logged', () =>
      stack.logEntries().find((e) => e.reqId === 'gone-waiting' && e.message === 'client disconnected'),
    );
    expect(line).toMatchObject({ status: 499, operation: 'list' });
    expect(
      metricValue(await metricsText(), 'snf_occi_requests_total', { status: '499', operation: 'list' }),
    ).toBe(before + 1);
    expect(stack.logEntries().filter((e) => e.reqId === 'gone-waiting' && e.level === 'error')).toEqual([]);
  });
});

describe('the request deadline', () => {
  it('answers 504 naming the deadline when the backend takes longer', async () => {
    stack.sim!.injectFault({ method: 'GET', path: '/servers/detail', status: 503, delayMs: 5_000 });
    const res = await fetch(`${stack.url}/compute/`, { headers: auth });
    expect(res.status).toBe(504);
    const text = await res.text();
    expect(text).toMatch(/did not complete within the deadline of 1\.5 s/);
    expect(text).toContain(`(request id ${res.headers.get('x-request-id')})`);
    stack.sim!.clearFaults();
  });
});
