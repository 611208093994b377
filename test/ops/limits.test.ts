// The documented limits hold at their boundaries (docs/occi.md, Limits): header lines and header
// block size (431, including a flood of short headers that Node's own check lets through), body
// size (413, declared or streamed), JSON nesting depth (400). Raw sockets, so that nothing between
// the test and the server changes the bytes.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { startTestServer, type TestServer } from '../support/start-server.js';

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer();
  port = Number(new URL(server.url).port);
});
afterAll(() => server?.close());

/** Sends raw bytes; resolves with the status and the whole response once the server closes. */
function exchange(request: Buffer | string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.end(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // The server may close as soon as it has answered, before it read everything we sent.
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return;
      reject(e);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
  });
}

/** A GET of the query interface with these extra header lines ("Host" and "Connection" come first). */
function withHeaders(lines: [string, string][]): string {
  let head = 'GET /-/ HTTP/1.1\r\nHost: occi.test\r\nConnection: close\r\n';
  for (const [name, value] of lines) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}

const BASE_LINES = 2; // Host, Connection
const BASE_BYTES = 'Host'.length + 'occi.test'.length + 4 + 'Connection'.length + 'close'.length + 4;

describe('header limits', () => {
  it('refuses 2,100 short headers (about 24 KB) with 431', async () => {
    const lines = Array.from({ length: 2100 }, (_, i): [string, string] => [`X${i}`, 'abc']);
    expect(withHeaders(lines).length).toBeGreaterThan(22_000);
    expect(withHeaders(lines).length).toBeLessThan(25_000);
    const res = await exchange(withHeaders(lines));
    expect(res.status).toBe(431);
    expect(res.text).toMatch(/more than 200 request header lines/);
  });

  it(`accepts ${DEFAULT_LIMITS.maxHeadersCount} header lines and refuses one more`, async () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i): [string, string] => [`X-H${i}`, 'v']);
    const max = DEFAULT_LIMITS.maxHeadersCount - BASE_LINES;
    expect((await exchange(withHeaders(lines(max)))).status).toBe(200);
    expect((await exchange(withHeaders(lines(max + 1)))).status).toBe(431);
  });

  it(`accepts a header block of ${DEFAULT_LIMITS.maxHeaderBytes} bytes and refuses one more byte`, async () => {
    // Three headers sized so that the block (names, values, ": " and CRLF) is exactly the limit.
    const block = (bytes: number): [string, string][] => {
      const rest = bytes - BASE_BYTES - 3 * ('X-Pad0'.length + 4);
      const third = Math.floor(rest / 3);
      return [
        ['X-Pad0', 'a'.repeat(third)],
        ['X-Pad1', 'b'.repeat(third)],
        ['X-Pad2', 'c'.repeat(rest - 2 * third)],
      ];
    };
    expect((await exchange(withHeaders(block(DEFAULT_LIMITS.maxHeaderBytes)))).status).toBe(200);
    const over = await exchange(withHeaders(block(DEFAULT_LIMITS.maxHeaderBytes + 1)));
    expect(over.status).toBe(431);
    expect(over.text).toMatch(/exceed the limit of 16384 bytes/);
  });

  it('refuses one header larger than the whole limit with 431 (Node’s own check)', async () => {
    const res = await exchange(withHeaders([['X-Big', 'x'.repeat(30_000)]]));
    expect(res.status).toBe(431);
  });
});

describe('body limits', () => {
  const post = (body: Buffer, chunked = false) => {
    const head = `POST /-/ HTTP/1.1\r\nHost: occi.test\r\nConnection: close\r\nContent-Type: text/plain\r\n${
      chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`
    }\r\n\r\n`;
    const payload = chunked
      ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])
      : body;
    return exchange(Buffer.concat([Buffer.from(head), payload]));
  };
  const max = DEFAULT_LIMITS.maxBodyBytes;

  it(`reads a body of ${max} bytes and refuses ${max + 1} with 413 (declared)`, async () => {
    const at = await post(Buffer.alloc(max, ' '));
    expect(at.status).not.toBe(413);
    const over = await post(Buffer.alloc(max + 1, ' '));
    expect(over.status).toBe(413);
    expect(over.text).toMatch(/exceeds the limit of 114688 bytes/);
  });

  it('refuses a chunked body over the limit with 413 (streamed)', async () => {
    expect((await post(Buffer.alloc(max, ' '), true)).status).not.toBe(413);
    expect((await post(Buffer.alloc(max + 1, ' '), true)).status).toBe(413);
  });
});

describe('JSON nesting', () => {
  const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
  const postJson = (body: string) =>
    exchange(
      `POST /compute/ HTTP/1.1\r\nHost: occi.test\r\nConnection: close\r\nContent-Type: application/occi+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );

  it('parses 64 levels and refuses 65 with 400 naming the limit', async () => {
    const at = await postJson(nested(64));
    expect(at.text).not.toMatch(/nested deeper/);
    const over = await postJson(nested(65));
    expect(over.status).toBe(400);
    expect(over.text).toMatch(/nested deeper than 64 levels/);
  });
});
