// Hostile and plausible OCCI requests for robustness tests, written byte for byte on raw sockets:
// random methods, request targets (percent-escapes, dot segments, unicode), OCCI headers with
// random content (quotes, backslashes, commas, semicolons, non-ASCII), random bodies; and
// plausible ones (known paths, kinds, attributes, tokens 'token-a' and 'token-b'), so that answers
// past the parser come up too. Also the raw exchange and response parsing the tests use.
import { connect } from 'node:net';
import fc from 'fast-check';

export const ALLOWED_STATUSES = new Set([200, 400, 401, 403, 404, 405, 406, 409, 413, 415, 431, 501]);

export interface RawResponse {
  status: number;
  /** Header lines as received (latin1), without the status line. */
  headerLines: string[];
  headers: Map<string, string[]>;
  body: Buffer;
}

/** Writes one request on a fresh connection and reads the answer until the server closes it. */
export function exchange(port: number, request: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms`));
    });
    socket.on('connect', () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Reads a raw HTTP/1.1 response, failing on anything malformed. */
export function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0)
    throw new Error(`no complete response head in ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const head = raw.subarray(0, end).toString('latin1');
  const lines = head.split('\r\n');
  for (const line of lines) {
    // After splitting on CRLF, a stray CR, LF or NUL can only be inside a value.
    if (/[\r\n\0]/.test(line)) throw new Error(`CR, LF or NUL inside a header line: ${JSON.stringify(line)}`);
  }
  const statusLine = lines.shift() ?? '';
  const m = /^HTTP\/1\.1 (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const h = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!h) throw new Error(`malformed header line ${JSON.stringify(line)}`);
    const name = h[1]!.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), h[2]!]);
  }
  return { status: Number(m[1]), headerLines: lines, headers, body: raw.subarray(end + 4) };
}

export function buildRequest(r: GeneratedRequest): Buffer {
  const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
  let head = `${r.method} ${r.target} HTTP/1.1\r\nHost: occi.test\r\nConnection: close\r\n`;
  for (const [name, value] of r.headers) head += `${name}: ${value}\r\n`;
  if (body) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'utf8'), body]) : Buffer.from(head, 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Generators

export interface GeneratedRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body: string | undefined;
}

const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.');
const nonAscii = fc.constantFrom(
  'é',
  'ü',
  'ß',
  'Ω',
  '中',
  '文',
  '😀',
  '\u00a0',
  '\u2028',
  '\u200b',
  '\ufeff',
  'ÿ',
);
const special = fc.constantFrom(
  '"',
  '\\',
  ',',
  ';',
  '=',
  ' ',
  '<',
  '>',
  '{',
  '}',
  '#',
  '/',
  ':',
  '?',
  '\t',
  "'",
  '%',
);

/** Free text for header values: no CR, LF or NUL (which are not HTTP), everything else goes. */
const headerText = fc.string({ unit: fc.oneof(alnum, alnum, special, nonAscii), maxLength: 60 });
/** Free text for bodies: anything, control characters included. */
const bodyText = fc.string({
  unit: fc.oneof(alnum, special, nonAscii, fc.constantFrom('\n', '\r\n', '\0', '\u0001')),
  maxLength: 200,
});

const SCHEMES = [
  'http://schemas.ogf.org/occi/infrastructure#',
  'http://schemas.ogf.org/occi/core#',
  'http://schemas.ogf.org/occi/infrastructure/compute/action#',
  'http://schemas.ogf.org/occi/infrastructure/network#',
  'http://schemas.ogf.org/occi/infrastructure/credentials#',
  'http://example.com/occi/mine#',
];
const TERMS = [
  'compute',
  'network',
  'storage',
  'os_tpl',
  'resource_tpl',
  'ssh_key',
  'ipnetwork',
  'start',
  'stop',
  'mine',
  'entity',
  'link',
];
const ATTRIBUTES = [
  'occi.compute.cores',
  'occi.compute.memory',
  'occi.compute.state',
  'occi.compute.hostname',
  'occi.core.title',
  'occi.core.id',
  'occi.storage.size',
  'occi.credentials.ssh.publickey',
  'method',
  'org.example.x',
];

/** Mostly the names the server knows, sometimes anything: requests must get past the parser often. */
const mostly = <T>(known: fc.Arbitrary<T>, wild: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: known }, { weight: 1, arbitrary: wild });
const term = mostly(fc.constantFrom(...TERMS), headerText);
const scheme = mostly(fc.constantFrom(...SCHEMES), headerText);
const quoted = headerText.map((t) => `"${t}"`);
const maybeQuoted = fc.oneof(quoted, headerText);

const categoryValue = mostly(
  fc
    .record({
      term,
      scheme: mostly(
        scheme.map((s) => `"${s}"`),
        scheme,
      ),
      cls: fc.option(mostly(fc.constantFrom('"kind"', '"mixin"', '"action"', 'kind'), maybeQuoted)),
      extras: fc.array(
        mostly(
          fc.constantFrom(
            'location="/x/"',
            'location="/y/"',
            'location="/compute/x/"',
            'location="/mixin/os_tpl/"',
            'location="http://example.com/z/"',
            'title="a, b; c"',
            'rel="http://schemas.ogf.org/occi/infrastructure#os_tpl"',
          ),
          fc.oneof(
            fc
              .constantFrom('location', 'title', 'rel', 'attributes', 'actions')
              .chain((k) => maybeQuoted.map((v) => `${k}=${v}`)),
            headerText,
          ),
        ),
        { maxLength: 2 },
      ),
      trailing: fc.constantFrom('', ';', ' ; '),
    })
    .map(
      ({ term, scheme, cls, extras, trailing }) =>
        [term, `scheme=${scheme}`, ...(cls === null ? [] : [`class=${cls}`]), ...extras].join('; ') +
        trailing,
    ),
  headerText,
);

const attributeValue = mostly(
  fc
    .tuple(
      mostly(fc.constantFrom(...ATTRIBUTES), headerText),
      fc.oneof(
        quoted,
        fc.constantFrom('"vm1"', '"graceful"', '"poweroff"', '"active"', '2', '4.5', '"ssh-rsa AAAA x"'),
        headerText,
        fc.integer().map(String),
        fc.double({ noNaN: false }).map(String),
        fc.constantFrom('true', 'false', '"', '"unbalanced', '\\"', '"a\\"b"', '"\\u00e9"', '"\\uZZZZ"'),
      ),
    )
    .map(([n, v]) => `${n}=${v}`),
  headerText,
);

const linkValue = mostly(
  fc
    .tuple(
      fc.oneof(fc.constantFrom('/network/1', '/storage/2', ''), headerText),
      fc.oneof(
        scheme.chain((s) => term.map((t) => `"${s}${t}"`)),
        maybeQuoted,
      ),
      fc.array(
        fc.oneof(
          attributeValue,
          maybeQuoted.map((v) => `category=${v}`),
          maybeQuoted.map((v) => `self=${v}`),
        ),
        {
          maxLength: 3,
        },
      ),
    )
    .map(([target, rel, rest]) => [`<${target}>`, `rel=${rel}`, ...rest].join('; ')),
  headerText,
);

const MEDIA_TYPES = [
  'text/plain',
  'text/occi',
  'text/occi+plain',
  'application/occi+json',
  'application/json',
  'text/uri-list',
  'application/xml',
  '*/*',
  'text/*',
  'application/*',
];
const mediaType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...MEDIA_TYPES) },
  fc
    .tuple(
      fc.constantFrom(...MEDIA_TYPES),
      fc.constantFrom(...MEDIA_TYPES),
      fc.constantFrom('0', '0.5', '1', 'x', '-1', '2'),
    )
    .map(([a, b, q]) => `${a};q=${q}, ${b}`),
  headerText,
);
const CONTENT_TYPES = [
  'text/plain',
  'text/occi',
  'application/occi+json',
  'application/json',
  'text/uri-list',
];
const contentType = mostly(
  fc.constantFrom(...CONTENT_TYPES).chain((t) => fc.constantFrom(t, `${t}; charset=utf-8`, t.toUpperCase())),
  mediaType,
);

/** Often absent, else 1–3 values, each on its own line (repeated header) or comma-joined in one. */
function occiHeader(name: string, value: fc.Arbitrary<string>): fc.Arbitrary<[string, string][]> {
  const present = fc.record({
    values: fc.array(value, { minLength: 1, maxLength: 3 }),
    joined: fc.boolean(),
  });
  return fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: present }).map((p) => {
    if (p === null) return [];
    const { values, joined } = p;
    if (values.length === 0) return [];
    return joined ? [[name, values.join(', ')]] : values.map((v): [string, string] => [name, v]);
  });
}

function optionalHeader(name: string, value: fc.Arbitrary<string>): fc.Arbitrary<[string, string][]> {
  return fc.option(value, { freq: 2 }).map((v) => (v === null ? [] : [[name, v]]));
}

const headers = fc
  .tuple(
    occiHeader('Category', categoryValue),
    occiHeader('Link', linkValue),
    occiHeader('X-OCCI-Attribute', attributeValue),
    occiHeader('X-OCCI-Location', fc.oneof(fc.constantFrom('/compute/1', 'http://x/compute/2'), headerText)),
    optionalHeader('Accept', mediaType),
    optionalHeader('Content-Type', contentType),
    optionalHeader('X-Auth-Token', fc.oneof(fc.constantFrom('token-a', 'token-b'), headerText)),
    optionalHeader(
      'User-Agent',
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('c OCCI/1.1', 'c OCCI/1.2', 'curl/8.0') },
        { weight: 1, arbitrary: fc.constantFrom('c OCCI/1.3', 'OCCI/99.0') },
        { weight: 1, arbitrary: headerText },
      ),
    ),
  )
  .chain((groups) => fc.shuffledSubarray(groups.flat(), { minLength: groups.flat().length }));

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'];
// CONNECT is left out: Node drops such connections unanswered (see the example case below).
const method = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...METHODS) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/).filter((m) => m !== 'CONNECT') },
);

const PATH_PIECES = [
  '%',
  '%25',
  '%zz',
  '%0',
  '%00',
  '%0d%0a',
  '%C3%A9',
  '%E4%B8%AD',
  '%F0%9F%98%80',
  '%FF',
  '%2F',
  '%2e',
  '%2E%2e',
  ';',
  ',',
  '=',
  '@',
  ':',
  '!',
  '$',
  '&',
  "'",
  '(',
  ')',
  '*',
  '+',
  '~',
  '"',
  '{',
  '}',
  '|',
  '^',
  '`',
];
const segment = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '-',
      'compute',
      '123',
      'network',
      'storage',
      'link',
      'networkinterface',
      'mixin',
      'os_tpl',
      '.well-known',
      'org',
      'ogf',
      'occi',
      '.',
      '..',
      '',
      'nothing',
      'ipreservation',
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.oneof(
          { weight: 6, arbitrary: alnum },
          { weight: 3, arbitrary: fc.constantFrom(...PATH_PIECES) },
          { weight: 2, arbitrary: nonAscii.map(encodeURIComponent) },
        ),
        { maxLength: 8 },
      )
      .map((p) => p.join('')),
  },
);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?action=start',
    '?action=stop',
    '?action=',
    '?action',
    '?action=start&action=stop',
    '?page=1&number=2',
  ),
  fc
    .array(fc.oneof(alnum, fc.constantFrom(...PATH_PIECES), nonAscii.map(encodeURIComponent)), {
      maxLength: 10,
    })
    .map((p) => `?${p.join('')}`),
);
const KNOWN_PATHS = [
  '/-/',
  '/.well-known/org/ogf/occi/-/',
  '/compute/',
  '/compute/123',
  '/network/',
  '/network/n1',
  '/storage/s1',
  '/link/networkinterface/',
  '/mixin/os_tpl/',
  '/x/',
  '/',
];
const target = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...KNOWN_PATHS), query).map(([p, q]) => p + q) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean(), query)
      .map(([segments, slash, q]) => `/${segments.join('/')}${slash ? '/' : ''}${q}`),
  },
  // Not HTTP: raw UTF-8 or a space in the target, asterisk-form; Node's parser answers 400 itself.
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.tuple(segment, nonAscii, segment).map(([a, u, b]) => `/${a}${u}${b}`),
      fc.constantFrom('*', '/a b', 'compute/'),
    ),
  },
);

const body = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: bodyText },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.oneof(
          categoryValue.map((v) => `Category: ${v}`),
          attributeValue.map((v) => `X-OCCI-Attribute: ${v}`),
          linkValue.map((v) => `Link: ${v}`),
          headerText,
        ),
        { maxLength: 5 },
      )
      .map((lines) => lines.join('\n')),
  },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        kind: fc.oneof(
          scheme.chain((s) => term.map((t) => s + t)),
          headerText,
        ),
        mixins: fc.array(
          scheme.chain((s) => term.map((t) => s + t)),
          { maxLength: 2 },
        ),
        attributes: fc.dictionary(fc.constantFrom(...ATTRIBUTES), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 3,
        }),
      })
      .map((doc) => JSON.stringify(doc)),
  },
);

/** Anything: random method, target, headers and body. */
const wildRequest: fc.Arbitrary<GeneratedRequest> = fc.record({ method, target, headers, body });

/**
 * Requests a client could mean: query interface reads and filters, user mixin additions and
 * removals, creates and actions, in any of the three renderings, with a random detail or two.
 */
const USER_LOCATIONS = [
  '/m/',
  '/n/',
  '/m/deeper/',
  '/compute/x/',
  '/mixin/os_tpl/',
  '/-/x/',
  'http://example.com/p/',
  'm/',
];
const userMixin = fc.record({
  term: fc.constantFrom('m1', 'm2', 'm3', 'os_tpl'),
  scheme: fc.constantFrom('http://example.com/occi/mine#', 'http://example.com/occi/other#', SCHEMES[0]!),
  location: fc.option(fc.constantFrom(...USER_LOCATIONS), { freq: 6 }),
  title: fc.option(headerText, { freq: 3 }),
});
type Field = [string, string];
const encodings = fc.constantFrom('text/plain', 'text/occi', 'application/occi+json');
const textQuote = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

function encode(
  encoding: string,
  fields: Field[],
  json: unknown,
): { headers: Field[]; body: string | undefined } {
  if (encoding === 'application/occi+json')
    return {
      headers: [['Content-Type', encoding]],
      body: json === undefined ? undefined : JSON.stringify(json),
    };
  if (encoding === 'text/occi') return { headers: [['Content-Type', encoding], ...fields], body: undefined };
  return {
    headers: [['Content-Type', encoding]],
    body: fields.length ? fields.map(([n, v]) => `${n}: ${v}\n`).join('') : undefined,
  };
}

const plausibleRequest: fc.Arbitrary<GeneratedRequest> = fc
  .record({
    kind: fc.constantFrom('query', 'add', 'remove', 'create', 'action'),
    encoding: encodings,
    accept: mostly(
      fc.constantFrom('text/plain', 'text/occi', 'application/occi+json', '*/*'),
      fc.constant('text/uri-list'),
    ),
    token: fc.constantFrom<string | undefined>('token-a', 'token-b', undefined),
    mixins: fc.array(userMixin, { minLength: 1, maxLength: 2 }),
    filter: fc.oneof(
      { weight: 2, arbitrary: fc.constant<[string, string][]>([]) },
      fc.array(fc.tuple(fc.constantFrom(...TERMS, 'm1'), fc.constantFrom(...SCHEMES)), {
        minLength: 1,
        maxLength: 2,
      }),
    ),
    attributes: fc.oneof(
      { weight: 2, arbitrary: fc.constant<Record<string, string | number>>({}) },
      fc.dictionary(
        fc.constantFrom(...ATTRIBUTES),
        fc.oneof(
          fc.integer({ min: -2, max: 64 }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          headerText,
        ),
        { minKeys: 1, maxKeys: 3 },
      ),
    ),
    action: fc.constantFrom('start', 'stop', 'restart', 'up', 'save'),
    actionInQuery: fc.constantFrom('start', 'stop', 'restart', 'up', 'save'),
    entity: fc.constantFrom('/compute/123', '/compute/', '/network/n1', '/storage/'),
  })
  .map((p): GeneratedRequest => {
    const category = (term: string, scheme: string, cls: string, extra = '') =>
      `${term}; scheme="${scheme}"; class="${cls}"${extra}`;
    const attributeFields = Object.entries(p.attributes).map(
      ([n, v]): Field => ['X-OCCI-Attribute', `${n}=${typeof v === 'string' ? textQuote(v) : String(v)}`],
    );
    let method = 'GET';
    let path = '/-/';
    let payload: { headers: Field[]; body: string | undefined } = { headers: [], body: undefined };
    switch (p.kind) {
      case 'query':
        // A GET carries its filter in headers, whatever the rendering.
        payload = {
          headers: p.filter.map(([t, s]): Field => ['Category', `${t}; scheme="${s}"`]),
          body: undefined,
        };
        break;
      case 'add':
      case 'remove': {
        method = p.kind === 'add' ? 'POST' : 'DELETE';
        const fields = p.mixins.map(
          (m): Field => [
            'Category',
            category(
              m.term,
              m.scheme,
              'mixin',
              p.kind === 'remove'
                ? ''
                : `${m.location === null ? '' : `; location="${m.location}"`}${m.title === null ? '' : `; title=${textQuote(m.title)}`}`,
            ),
          ],
        );
        const json =
          p.kind === 'remove'
            ? { mixins: p.mixins.map((m) => m.scheme + m.term) }
            : {
                mixins: p.mixins.map((m) => ({
                  term: m.term,
                  scheme: m.scheme,
                  ...(m.location === null ? {} : { location: m.location }),
                  ...(m.title === null ? {} : { title: m.title }),
                })),
              };
        payload = encode(p.encoding, fields, json);
        break;
      }
      case 'create': {
        method = 'POST';
        path = p.entity.replace(/[^/]+$/, '');
        const kind = path.slice(1, -1);
        const fields: Field[] = [['Category', category(kind, SCHEMES[0]!, 'kind')], ...attributeFields];
        payload = encode(p.encoding, fields, { kind: SCHEMES[0] + kind, attributes: p.attributes });
        break;
      }
      case 'action': {
        method = 'POST';
        path = `${p.entity}?action=${p.actionInQuery}`;
        const scheme = `http://schemas.ogf.org/occi/infrastructure/${p.action === 'up' ? 'network' : 'compute'}/action#`;
        const fields: Field[] = [['Category', category(p.action, scheme, 'action')], ...attributeFields];
        payload = encode(p.encoding, fields, { action: scheme + p.action, attributes: p.attributes });
        break;
      }
    }
    const headers: Field[] = [['Accept', p.accept], ...payload.headers];
    if (p.token) headers.push(['X-Auth-Token', p.token]);
    return { method, target: path, headers, body: payload.body };
  });

export const request = fc.oneof(plausibleRequest, wildRequest);

/** Log lines (JSON, one per line) that claim an answer of 500: a backend's own 500 inside a line's `backend` calls is not one. */
export function linesClaiming500(lines: readonly string[]): string[] {
  return lines.filter((l) => {
    try {
      return (JSON.parse(l) as { status?: unknown }).status === 500;
    } catch {
      return l.includes('"status":500');
    }
  });
}
