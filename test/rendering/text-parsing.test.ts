// The text parser pitfalls of OCCI 1.1/1.2 (occi-spec.md §3.2): lenient in what real clients send,
// precise (400, naming the header and the fault) in what they get wrong. Also media negotiation.
import { describe, expect, it } from 'vitest';
import { negotiate, requestFormat } from '../../src/rendering/media-types.js';
import { parseRequest } from '../../src/rendering/parse-request.js';
import { parseTextHeaders, parseTextPlainBody } from '../../src/rendering/text/parse-text.js';
import {
  parseAttribute,
  parseCategory,
  parseLink,
  parseLocation,
  splitHeaderValues,
} from '../../src/rendering/text/parse-values.js';
import { expectOcciError } from './fixtures.js';

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const COMPUTE = `compute; scheme="${INFRA}"; class="kind"`;
const STORAGE = `storage; scheme="${INFRA}"; class="kind"`;

describe('comma-joined and repeated headers are equivalent', () => {
  it('Category', () => {
    const joined = parseTextHeaders({ category: [`${COMPUTE}, ${STORAGE}`] });
    const repeated = parseTextHeaders({ category: [COMPUTE, STORAGE] });
    expect(joined).toEqual(repeated);
    expect(joined.categories.map((c) => c.term)).toEqual(['compute', 'storage']);
  });

  it('X-OCCI-Attribute (the spec example)', () => {
    const joined = parseTextHeaders({
      'x-occi-attribute': ['occi.compute.memory=2.0, occi.compute.speed=2.33'],
    });
    const repeated = parseTextHeaders({
      'x-occi-attribute': ['occi.compute.memory=2.0', 'occi.compute.speed=2.33'],
    });
    expect(joined).toEqual(repeated);
    expect({ ...joined.attributes }).toEqual({ 'occi.compute.memory': 2, 'occi.compute.speed': 2.33 });
  });

  it('Link and X-OCCI-Location', () => {
    const l1 = `</network/1>; rel="${INFRA}network"`;
    const l2 = `</storage/2>; rel="${INFRA}storage"`;
    expect(parseTextHeaders({ link: [`${l1}, ${l2}`], 'x-occi-location': ['/a/1, /a/2'] })).toEqual(
      parseTextHeaders({ link: [l1, l2], 'x-occi-location': ['/a/1', '/a/2'] }),
    );
  });

  it('a mix of both, and the same lines in a text/plain body', () => {
    const headers = parseTextHeaders({
      category: [COMPUTE],
      'x-occi-attribute': ['occi.compute.cores=2, occi.compute.hostname="a, b"', 'occi.core.title="t"'],
    });
    const body = parseTextPlainBody(
      `Category: ${COMPUTE}\n` +
        'X-OCCI-Attribute: occi.compute.cores=2\r\n' +
        'X-OCCI-Attribute: occi.compute.hostname="a, b", occi.core.title="t"\n',
    );
    expect(body).toEqual(headers);
  });

  it('commas inside quotes do not split, empty members are ignored', () => {
    expect(splitHeaderValues('Category', ' a; title="x, y" ,, b ')).toEqual(['a; title="x, y"', 'b']);
  });

  it('a text/plain body may fold long lines onto indented continuation lines', () => {
    const parsed = parseTextPlainBody(`Category: compute;\n  scheme="${INFRA}";\n\tclass="kind"\n`);
    expect(parsed.categories[0]).toMatchObject({ term: 'compute', scheme: INFRA, class: 'kind' });
  });

  it('a text/plain body: field names are case-insensitive, blank lines skipped', () => {
    const parsed = parseTextPlainBody(`\ncategory: ${COMPUTE}\n\nx-occi-attribute: occi.compute.cores=4\n\n`);
    expect(parsed.categories).toHaveLength(1);
    expect(parsed.attributes['occi.compute.cores']).toBe(4);
  });
});

describe('quotes and escapes', () => {
  it('separators inside a quoted title', () => {
    const c = parseCategory(`${COMPUTE}; title="Compute; with, separators = \\"quotes\\" and \\\\"`);
    expect(c.title).toBe('Compute; with, separators = "quotes" and \\');
  });

  it('escape sequences in attribute strings', () => {
    const [, value] = parseAttribute('X-OCCI-Attribute', 'a="line1\\nline2\\r\\t\\u00e9\\u0000\\"\\\\"');
    expect(value).toBe('line1\nline2\r\té\u0000"\\');
  });

  it('attribute values: quoted string, int, float, bool, bare token', () => {
    const parsed = parseTextHeaders({
      'x-occi-attribute': [
        'a.str="2"',
        'a.int=2',
        'a.float=2.5',
        'a.neg=-1.5e3',
        'a.bool=true',
        'a.false=false',
        'a.bare=foobar',
        'a.quotedbool="true"',
      ],
    });
    expect({ ...parsed.attributes }).toEqual({
      'a.str': '2',
      'a.int': 2,
      'a.float': 2.5,
      'a.neg': -1500,
      'a.bool': true,
      'a.false': false,
      'a.bare': 'foobar',
      'a.quotedbool': 'true',
    });
  });

  it('spaces around = in an attribute', () => {
    expect(parseAttribute('X-OCCI-Attribute', ' occi.compute.cores = 2 ')).toEqual(['occi.compute.cores', 2]);
  });
});

describe('Category: lenient input', () => {
  it('1.2 terms may start with a digit and contain dots (image and flavor ids)', () => {
    const c = parseCategory(
      '6b8f1c2e-1f0b-4d7a-9a43-0e3c7d1d2b11; scheme="http://example.com/occi/os_tpl#"; class="mixin"',
    );
    expect(c.term).toBe('6b8f1c2e-1f0b-4d7a-9a43-0e3c7d1d2b11');
    expect(parseCategory('ubuntu-22.04_lts; scheme="http://e.com/os#"').term).toBe('ubuntu-22.04_lts');
    expect(parseCategory('C1R2048D20; scheme="http://e.com/flavor#"').term).toBe('C1R2048D20');
  });

  it('class-less categories (query filters) are accepted without a class', () => {
    const c = parseCategory(`compute; scheme="${INFRA}"`);
    expect(c).toEqual({ term: 'compute', scheme: INFRA, rel: [] });
    expect(c.class).toBeUndefined();
  });

  it('unquoted class=kind', () => {
    expect(parseCategory(`compute; scheme="${INFRA}"; class=kind`).class).toBe('kind');
  });

  it("a trailing ';', and several", () => {
    expect(parseCategory(`${COMPUTE};`).class).toBe('kind');
    expect(parseCategory(`${COMPUTE}; ;`).class).toBe('kind');
  });

  it("whitespace after ';', before ';' and around '='", () => {
    const c = parseCategory(`compute ;scheme = "${INFRA}" ;\t class= "kind"  ;  title ="T"`);
    expect(c).toMatchObject({ term: 'compute', scheme: INFRA, class: 'kind', title: 'T' });
  });

  it('relative and absolute locations', () => {
    expect(parseCategory(`${COMPUTE}; location="/compute/"`).location).toBe('/compute/');
    expect(parseCategory(`${COMPUTE}; location="http://example.com/compute/"`).location).toBe(
      'http://example.com/compute/',
    );
  });

  it('a full 1.1 query-interface rendering', () => {
    const c = parseCategory(
      `storage; scheme="${INFRA}"; class="kind"; title="Storage Resource"; ` +
        'rel="http://schemas.ogf.org/occi/core#resource"; location="/storage/"; ' +
        'attributes="occi.storage.size{required} occi.storage.state{immutable} occi.x{immutable required}"; ' +
        'actions="http://schemas.ogf.org/occi/infrastructure/storage/action#resize http://schemas.ogf.org/occi/infrastructure/storage/action#online"',
    );
    expect(c).toEqual({
      term: 'storage',
      scheme: INFRA,
      class: 'kind',
      title: 'Storage Resource',
      rel: ['http://schemas.ogf.org/occi/core#resource'],
      location: '/storage/',
      attributes: [
        { name: 'occi.storage.size', type: 'string', mutable: true, required: true },
        { name: 'occi.storage.state', type: 'string', mutable: false, required: false },
        { name: 'occi.x', type: 'string', mutable: false, required: true },
      ],
      actions: [
        'http://schemas.ogf.org/occi/infrastructure/storage/action#resize',
        'http://schemas.ogf.org/occi/infrastructure/storage/action#online',
      ],
    });
  });

  it('a user mixin definition (POST /-/)', () => {
    const c = parseCategory(
      'my_stuff; scheme="http://example.com/occi/my_stuff#"; class="mixin"; ' +
        'rel="http:/example.com/occi/something_else#mixin"; location="/my_stuff/"',
    );
    expect(c).toMatchObject({
      class: 'mixin',
      location: '/my_stuff/',
      rel: ['http:/example.com/occi/something_else#mixin'],
    });
  });
});

describe('Link: lenient input', () => {
  it('the spec example with quoted category, self and attributes', () => {
    const l = parseLink(
      `</network/123>; rel="${INFRA}network"; self="/link/networkinterface/456"; ` +
        `category="${INFRA}networkinterface"; occi.networkinterface.interface="eth0"; ` +
        'occi.networkinterface.mac="00:11:22:33:44:55"',
    );
    expect(l).toEqual({
      target: '/network/123',
      rel: [`${INFRA}network`],
      self: '/link/networkinterface/456',
      categories: [`${INFRA}networkinterface`],
      attributes: {
        'occi.networkinterface.interface': 'eth0',
        'occi.networkinterface.mac': '00:11:22:33:44:55',
      },
    });
  });

  it('category= unquoted (as the ABNF has it), with several type identifiers', () => {
    const l = parseLink(
      `</network/1>; rel="${INFRA}network"; category=${INFRA}networkinterface ` +
        'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface',
    );
    expect(l.categories).toEqual([
      `${INFRA}networkinterface`,
      'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface',
    ]);
  });

  it('absolute target, trailing ; and spaces', () => {
    const l = parseLink(` <http://example.com/storage/9> ;rel = "${INFRA}storage" ; `);
    expect(l).toMatchObject({ target: 'http://example.com/storage/9', rel: [`${INFRA}storage`] });
  });

  it('an action link', () => {
    const l = parseLink(
      '</compute/123?action=start>; rel="http://schemas.ogf.org/occi/infrastructure/compute/action#start"',
    );
    expect(l.target).toBe('/compute/123?action=start');
  });
});

describe('X-OCCI-Location', () => {
  it('relative and absolute, quoted or not', () => {
    expect(
      parseTextHeaders({ 'x-occi-location': ['/compute/1, http://e.com/compute/2, "/compute/3"'] }).locations,
    ).toEqual(['/compute/1', 'http://e.com/compute/2', '/compute/3']);
  });

  it('rejects empty and whitespace-bearing locations', () => {
    expectOcciError(
      () => parseLocation('X-OCCI-Location', '""'),
      400,
      /X-OCCI-Location header/,
      /invalid location/,
    );
    expectOcciError(() => parseLocation('X-OCCI-Location', '"/a b"'), 400, /X-OCCI-Location header/);
  });
});

describe('malformed text → 400 naming the header and the fault', () => {
  it('Category: missing scheme', () => {
    expectOcciError(() => parseCategory('compute; class="kind"'), 400, /^Category header/, /missing scheme/);
  });

  it("Category: scheme without '#'", () => {
    expectOcciError(
      () => parseCategory('compute; scheme="http://schemas.ogf.org/occi/infrastructure"; class="kind"'),
      400,
      /^Category header/,
      /must end with '#'/,
    );
  });

  it('Category: bad terms', () => {
    for (const term of ['', '_compute', '-compute', '.x', 'com pute', 'cömpute', 'a/b', '"compute"']) {
      expectOcciError(
        () => parseCategory(`${term}; scheme="${INFRA}"; class="kind"`),
        400,
        /^Category header/,
        /invalid term/,
      );
    }
  });

  it('Category: unbalanced quotes', () => {
    expectOcciError(
      () => parseCategory(`${COMPUTE}; title="abc`),
      400,
      /^Category header/,
      /unbalanced quotes/,
    );
    expectOcciError(
      () => parseTextHeaders({ category: [`${COMPUTE}; title="a\\"`] }),
      400,
      /^Category header/,
      /unbalanced quotes/,
    );
  });

  it('Category: bad class', () => {
    expectOcciError(
      () => parseCategory(`compute; scheme="${INFRA}"; class="resource"`),
      400,
      /^Category header/,
      /class of 'compute' must be kind, mixin or action/,
    );
    expectOcciError(
      () => parseCategory(`compute; scheme="${INFRA}"; class=`),
      400,
      /^Category header/,
      /class/,
    );
  });

  it('Category: a parameter without =, and bad attribute definitions', () => {
    expectOcciError(() => parseCategory(`${COMPUTE}; title`), 400, /^Category header/, /expected key=value/);
    expectOcciError(
      () => parseCategory(`${COMPUTE}; attributes="occi.x{mutable}"`),
      400,
      /^Category header/,
      /unknown attribute property 'mutable'/,
    );
    expectOcciError(
      () => parseCategory(`${COMPUTE}; attributes="occi.x{required"`),
      400,
      /^Category header/,
      /bad attribute definition/,
    );
  });

  it('Link: missing <target>, empty target, missing rel, unbalanced quotes', () => {
    expectOcciError(() => parseLink(`/network/1; rel="${INFRA}network"`), 400, /^Link header/, /<location>/);
    expectOcciError(() => parseLink(`<>; rel="${INFRA}network"`), 400, /^Link header/, /empty target/);
    expectOcciError(() => parseLink('</network/1>'), 400, /^Link header/, /missing rel/);
    expectOcciError(() => parseLink(`</network/1>; rel="${INFRA}network`), 400, /^Link header/, /unbalanced/);
  });

  it('Link: attribute without value or with a bad name', () => {
    expectOcciError(
      () => parseLink(`</network/1>; rel="${INFRA}network"; occi.networkinterface.interface=`),
      400,
      /^Link header/,
      /has no value/,
    );
    expectOcciError(
      () => parseLink(`</network/1>; rel="${INFRA}network"; foo`),
      400,
      /^Link header/,
      /expected key=value/,
    );
    expectOcciError(
      () => parseLink(`</n/1>; rel="${INFRA}network"; a b=1`),
      400,
      /^Link header/,
      /invalid attribute name/,
    );
  });

  it('X-OCCI-Attribute: without value, without =, bad name, unbalanced quotes', () => {
    const h = (v: string) => () => parseTextHeaders({ 'x-occi-attribute': [v] });
    expectOcciError(
      h('occi.compute.cores='),
      400,
      /^X-OCCI-Attribute header/,
      /'occi.compute.cores' has no value/,
    );
    expectOcciError(h('occi.compute.cores'), 400, /^X-OCCI-Attribute header/, /expected name=value/);
    expectOcciError(h('=2'), 400, /^X-OCCI-Attribute header/, /expected name=value/);
    expectOcciError(h('occi compute=2'), 400, /^X-OCCI-Attribute header/, /invalid attribute name/);
    expectOcciError(h('occi.compute.hostname="abc'), 400, /^X-OCCI-Attribute header/, /unbalanced quotes/);
  });

  it('X-OCCI-Attribute: duplicate attribute, repeated or comma-joined', () => {
    expectOcciError(
      () => parseTextHeaders({ 'x-occi-attribute': ['occi.compute.cores=2', 'occi.compute.cores=4'] }),
      400,
      /^X-OCCI-Attribute header/,
      /'occi.compute.cores' given twice/,
    );
    expectOcciError(
      () => parseTextHeaders({ 'x-occi-attribute': ['occi.compute.cores=2, occi.compute.cores=2'] }),
      400,
      /given twice/,
    );
  });

  // Regression, fixed (was: src/rendering/text/parse-values.ts parseLink): attributes of a Link header are stored with
  // last-wins, so a duplicate is silently accepted, unlike X-OCCI-Attribute which answers 400.
  it('Link: duplicate attribute', () => {
    expectOcciError(
      () =>
        parseLink(
          `</network/1>; rel="${INFRA}network"; occi.networkinterface.interface="eth0"; occi.networkinterface.interface="eth1"`,
        ),
      400,
      /^Link header/,
      /given twice/,
    );
  });

  // Regression, fixed (was: src/rendering/text/parse-values.ts parseLink): link attributes go into a plain `{}`, so
  // an attribute named `__proto__` (a valid attribute-name) is swallowed by the prototype setter
  // and silently lost; X-OCCI-Attribute uses a null-prototype map and keeps it.
  it('Link: an attribute named __proto__ is kept like any other', () => {
    const l = parseLink(`</network/1>; rel="${INFRA}network"; __proto__="x"`);
    expect(Object.keys(l.attributes)).toEqual(['__proto__']);
  });

  it('text/plain body: errors name the line and the field', () => {
    expectOcciError(
      () => parseTextPlainBody(`Category: ${COMPUTE}\nX-OCCI-Attribute: occi.compute.cores=\n`),
      400,
      /^text\/plain body line 2: X-OCCI-Attribute header/,
      /has no value/,
    );
    expectOcciError(
      () => parseTextPlainBody('Content-Type: text/plain\n'),
      400,
      /line 1/,
      /unknown field 'Content-Type'/,
    );
    expectOcciError(() => parseTextPlainBody('just some text\n'), 400, /line 1/, /expected 'Name: value'/);
  });

  it('error messages keep control characters out', () => {
    expectOcciError(
      () => parseCategory('a\r\nb; scheme="x#"'),
      400,
      /^Category header: invalid term 'a\?\?b'$/,
    );
  });
});

describe('whole requests', () => {
  it('text/occi headers plus an OK body; text/plain body plus headers', () => {
    const viaHeaders = parseRequest({
      headers: { category: [COMPUTE], 'x-occi-attribute': ['occi.compute.cores=2'] },
      contentType: 'text/occi',
      body: 'OK\n',
    });
    const viaBody = parseRequest({
      headers: {},
      contentType: 'text/plain; charset=utf-8',
      body: `Category: ${COMPUTE}\nX-OCCI-Attribute: occi.compute.cores=2\n`,
    });
    expect(viaBody).toEqual(viaHeaders);
  });

  it('text/occi with OCCI data in the body is a 400', () => {
    expectOcciError(
      () => parseRequest({ headers: {}, contentType: 'text/occi', body: `Category: ${COMPUTE}\n` }),
      400,
      /text\/occi/,
    );
  });

  it('text/uri-list bodies give locations, skipping comments', () => {
    const parsed = parseRequest({
      headers: {},
      contentType: 'text/uri-list',
      body: '# a comment\r\n/compute/1\r\nhttp://e.com/compute/2\r\n\r\n',
    });
    expect(parsed.locations).toEqual(['/compute/1', 'http://e.com/compute/2']);
  });
});

describe('media negotiation (Accept)', () => {
  it('no Accept, an empty one, or */* → text/plain', () => {
    expect(negotiate(undefined, false)).toBe('text/plain');
    expect(negotiate('', false)).toBe('text/plain');
    expect(negotiate('*/*', false)).toBe('text/plain');
    expect(negotiate('*/*', true)).toBe('text/plain');
    expect(negotiate('text/*', false)).toBe('text/plain');
  });

  it('each supported type by name, case-insensitively and with parameters', () => {
    expect(negotiate('text/occi', false)).toBe('text/occi');
    expect(negotiate('Text/OCCI', false)).toBe('text/occi');
    expect(negotiate('text/plain; charset=utf-8', false)).toBe('text/plain');
    expect(negotiate('text/occi+plain', false)).toBe('text/plain');
    expect(negotiate('application/occi+json', false)).toBe('application/occi+json');
    expect(negotiate('application/*', false)).toBe('application/occi+json');
    expect(negotiate('text/uri-list', true)).toBe('text/uri-list');
  });

  it('application/json → application/occi+json', () => {
    expect(negotiate('application/json', false)).toBe('application/occi+json');
    expect(negotiate('application/json', true)).toBe('application/occi+json');
  });

  it('application/xml → 406 naming what is supported', () => {
    expectOcciError(
      () => negotiate('application/xml', false),
      406,
      /^Accept/,
      /application\/xml/,
      /text\/occi/,
    );
    expectOcciError(() => negotiate('text/html, image/png;q=0.5', true), 406);
  });

  it('text/uri-list on a non-listing → 400; with a fallback the fallback wins', () => {
    expectOcciError(() => negotiate('text/uri-list', false), 400, /text\/uri-list/, /listings/);
    expect(negotiate('text/uri-list, text/occi;q=0.5', false)).toBe('text/occi');
  });

  it('q-values are respected, ties keep the client order, q=0 excludes', () => {
    expect(negotiate('text/occi;q=0.5, application/occi+json', false)).toBe('application/occi+json');
    expect(negotiate('text/plain;q=0.2, text/occi;q=0.9', false)).toBe('text/occi');
    expect(negotiate('text/occi, text/plain', false)).toBe('text/occi');
    expect(negotiate('text/plain, text/occi', false)).toBe('text/plain');
    expect(negotiate('*/*;q=0.1, application/occi+json', false)).toBe('application/occi+json');
    expect(negotiate('text/occi; q=0.8, application/xml', false)).toBe('text/occi');
    expectOcciError(() => negotiate('text/plain;q=0', false), 406);
    expect(negotiate('text/plain;q=0, text/occi;q=0.1', false)).toBe('text/occi');
  });
});

describe('request Content-Type', () => {
  it('maps every supported type, ignoring parameters and case', () => {
    expect(requestFormat('text/plain', true)).toBe('text-body');
    expect(requestFormat('text/plain; charset=utf-8', true)).toBe('text-body');
    expect(requestFormat('text/occi+plain', true)).toBe('text-body');
    expect(requestFormat('text/occi', false)).toBe('headers');
    expect(requestFormat('TEXT/OCCI', true)).toBe('headers');
    expect(requestFormat('application/occi+json', true)).toBe('json');
    expect(requestFormat('application/json; charset=utf-8', true)).toBe('json');
    expect(requestFormat('text/uri-list', true)).toBe('uri-list');
  });

  it('no Content-Type: a body is read as text/plain, otherwise headers only', () => {
    expect(requestFormat(undefined, true)).toBe('text-body');
    expect(requestFormat(undefined, false)).toBe('headers');
    expect(requestFormat('', false)).toBe('headers');
  });

  it('anything else → 415 naming the type', () => {
    expectOcciError(() => requestFormat('application/xml', true), 415, /application\/xml/, /not supported/);
    expectOcciError(
      () => requestFormat('multipart/form-data; boundary=x', true),
      415,
      /multipart\/form-data'/,
    );
  });
});

// Inputs that once made a parser quadratic (seconds of CPU from one request), parsed here whole
// with their results checked. How fast they parse is not asserted: an outcome that depends on how
// busy the machine is would one day fail a good change. Speed is the benchmark's to measure; a
// quadratic regression shows here as a test taking seconds, not as a failure.
describe('inputs that once made a parser quadratic', () => {
  const N = 40_000;

  it('a long quoted title', () => {
    const c = parseCategory(`${COMPUTE}; title="${'a, b;'.repeat(N / 5)}"`);
    expect(c.title).toBe('a, b;'.repeat(N / 5));
  });

  it('many comma-joined attributes', () => {
    const value = Array.from({ length: N / 10 }, (_, i) => `a${i}=${i}`).join(', ');
    const { attributes } = parseTextHeaders({ 'x-occi-attribute': [value] });
    expect(Object.keys(attributes)).toHaveLength(N / 10);
    expect(attributes[`a${N / 10 - 1}`]).toBe(N / 10 - 1);
  });

  // Regression, fixed (was: src/rendering/text/parse-values.ts, NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/):
  // `\d+\.?\d*` can split a run of digits in n ways, so a long digit run that is not a number
  // backtracks quadratically: `X-OCCI-Attribute: a=111…1x` with 40 000 digits takes ~2.5 s,
  // 80 000 ~6.5 s (a CPU denial of service through a text/plain body).
  it('a long bare token made of digits is a string, not a number', () => {
    expect(parseAttribute('X-OCCI-Attribute', `a=${'1'.repeat(N)}x`)).toEqual(['a', `${'1'.repeat(N)}x`]);
  });

  // Regression, fixed (was: src/rendering/text/parse-values.ts parseAttributeDefinitions): the split regex
  // /\s+(?![^{]*\})/ rescans the rest of the list for every blank, so `attributes="a a a …"`
  // is quadratic: 40 000 names take ~3 s, 80 000 ~9 s.
  it('a long attributes="…" list in a Category', () => {
    expect(parseCategory(`${COMPUTE}; attributes="${'a '.repeat(N)}"`).attributes).toHaveLength(N);
  });
});
