// The text renderings (text/plain body lines, text/occi headers, text/uri-list) in the shapes the
// OCCI specification shows, and the limits of what they can carry safely.
import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Link, Resource } from '../../src/occi/model.js';
import { render } from '../../src/rendering/render.js';
import { parseTextHeaders } from '../../src/rendering/text/parse-text.js';
import { foldFields, MAX_FOLDED_LINE, textFields } from '../../src/rendering/text/render-text.js';
import { identityContext } from './fixtures.js';

const ctx = await identityContext();
const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
const ACTION = 'http://schemas.ogf.org/occi/infrastructure/compute/action#';

const vm: Resource = {
  kind: `${INFRA}compute`,
  mixins: [],
  id: 'urn:uuid:b9ff813e-fee5-4a9d-b839-673f39746096',
  location: '/compute/b9ff813e',
  title: 'My Dummy VM',
  attributes: { 'occi.compute.state': 'inactive', 'occi.compute.memory': 2.5, 'occi.compute.cores': 2 },
  actions: [`${ACTION}start`],
  links: [],
};

const nic: Link = {
  kind: `${INFRA}networkinterface`,
  mixins: [],
  id: 'nic-1',
  location: '/link/networkinterface/456',
  attributes: { 'occi.networkinterface.interface': 'eth0' },
  actions: [],
  source: { location: '/compute/b9ff813e' },
  target: { location: '/network/123', kind: `${INFRA}network` },
};

describe('entity rendering follows the spec examples', () => {
  it('GET /compute/… in text/plain (GFD.185 §3.8.2 shape)', () => {
    const { contentType, headers, body } = render({ type: 'entity', entity: vm }, 'text/plain', ctx);
    expect(contentType).toBe('text/plain; charset=utf-8');
    expect(headers).toEqual([]);
    expect(body.split('\n')).toEqual([
      `Category: compute; scheme="${INFRA}"; class="kind"; title="Compute resource"`,
      `Link: </compute/b9ff813e?action=start>; rel="${ACTION}start"`,
      'X-OCCI-Attribute: occi.core.id="urn:uuid:b9ff813e-fee5-4a9d-b839-673f39746096"',
      'X-OCCI-Attribute: occi.core.title="My Dummy VM"',
      'X-OCCI-Attribute: occi.compute.state="inactive"',
      'X-OCCI-Attribute: occi.compute.memory=2.5',
      'X-OCCI-Attribute: occi.compute.cores=2',
      '',
    ]);
  });

  it('the same fields as text/occi headers, folded into one line per field, with an OK body', () => {
    const occi = render({ type: 'entity', entity: vm }, 'text/occi', ctx);
    expect(occi.body).toBe('OK\n');
    const fields = textFields({ type: 'entity', entity: vm }, ctx, true);
    expect(occi.headers).toEqual(foldFields(fields));
    expect(occi.headers.map(([n]) => n)).toEqual(['Category', 'Link', 'X-OCCI-Attribute']);
    const attributes = fields.filter(([n]) => n === 'X-OCCI-Attribute').map(([, v]) => v);
    expect(occi.headers[2]![1]).toBe(attributes.join(', '));
  });

  it('folds repeated fields into comma-separated lines of at most 8000 characters', () => {
    const many: [string, string][] = Array.from({ length: 1000 }, (_, i) => [
      'X-OCCI-Location',
      `http://cloud.example.org:8080/compute/${100000 + i}`,
    ]);
    const folded = foldFields([['Category', 'a'], ...many, ['Category', 'b']]);
    expect(folded[0]).toEqual(['Category', 'a, b']);
    const lines = folded.slice(1);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThan(10);
    for (const [name, value] of lines) {
      expect(name).toBe('X-OCCI-Location');
      expect(value.length).toBeLessThanOrEqual(MAX_FOLDED_LINE);
    }
    expect(lines.flatMap(([, v]) => v.split(', '))).toEqual(many.map(([, v]) => v));
  });

  it("a resource's links as Link headers with self, category and link attributes", () => {
    const fields = textFields({ type: 'entity', entity: { ...vm, actions: [], links: [nic] } }, ctx, false);
    expect(fields.filter(([n]) => n === 'Link')).toEqual([
      [
        'Link',
        `</network/123>; rel="${INFRA}network"; self="/link/networkinterface/456"; ` +
          `category="${INFRA}networkinterface"; occi.core.id="nic-1"; occi.networkinterface.interface="eth0"`,
      ],
    ]);
  });

  it('a collection: X-OCCI-Location lines, or a text/uri-list with CRLF', () => {
    const absolute = { ...ctx, url: (p: string) => `http://example.com${p}` };
    const doc = { type: 'collection' as const, entities: [vm, nic] };
    expect(render(doc, 'text/plain', absolute).body).toBe(
      'X-OCCI-Location: http://example.com/compute/b9ff813e\n' +
        'X-OCCI-Location: http://example.com/link/networkinterface/456\n',
    );
    expect(render(doc, 'text/uri-list', absolute)).toEqual({
      contentType: 'text/uri-list; charset=utf-8',
      headers: [],
      body: 'http://example.com/compute/b9ff813e\r\nhttp://example.com/link/networkinterface/456\r\n',
    });
  });

  it('non-ASCII is escaped in headers and kept in text/plain bodies', () => {
    const entity = { ...vm, title: 'Ωmega "VM", ok; \\ done' };
    const header = textFields({ type: 'entity', entity }, ctx, true).find(([, v]) =>
      v.startsWith('occi.core.title'),
    );
    const line = textFields({ type: 'entity', entity }, ctx, false).find(([, v]) =>
      v.startsWith('occi.core.title'),
    );
    expect(header?.[1]).toBe('occi.core.title="\\u03a9mega \\"VM\\", ok; \\\\ done"');
    expect(line?.[1]).toBe('occi.core.title="Ωmega \\"VM\\", ok; \\\\ done"');
  });
});

describe('the query interface in text', () => {
  it('renders a kind with rel, location, attribute properties and actions (GFD.185 shape)', () => {
    const storage = ctx.registry.get(`${INFRA}storage`)!;
    const [[name, value]] = textFields({ type: 'categories', categories: [storage] }, ctx, true) as [
      [string, string],
    ];
    expect(name).toBe('Category');
    expect(value).toMatch(
      /^storage; scheme="http:\/\/schemas\.ogf\.org\/occi\/infrastructure#"; class="kind"; /,
    );
    expect(value).toContain('; rel="http://schemas.ogf.org/occi/core#resource"');
    expect(value).toContain('; location="/storage/"');
    expect(value).toContain('attributes="occi.storage.size{required} occi.storage.state{immutable}');
    expect(value).toContain(`actions="http://schemas.ogf.org/occi/infrastructure/storage/action#online `);
  });

  it('an action category has neither location nor actions', () => {
    const stop = ctx.registry.get(`${ACTION}stop`)!;
    const [[, value]] = textFields({ type: 'categories', categories: [stop] }, ctx, true) as [
      [string, string],
    ];
    expect(value).toBe(
      `stop; scheme="${ACTION}"; class="action"; title="Stop the compute instance"; attributes="method"`,
    );
  });
});

describe('known limits of the text renderings', () => {
  // Regression, fixed (was: src/rendering/text/parse-values.ts splitHeaderValues / parseLink): ',' and ';' are legal
  // in a URI (RFC 3986 sub-delims) and the renderer writes `<target>` unquoted, but the parser
  // splits on them even between '<' and '>'. `Link: </network/a,b>; rel="…"` becomes two bogus
  // values, and `</network/a;b>` gives "Link header: expected <location> first" (400).
  it('a link target containing "," or ";" survives render → parse', () => {
    for (const location of ['/network/a,b', '/network/a;b']) {
      const link = { ...nic, target: { ...nic.target, location } };
      const fields = textFields({ type: 'entity', entity: { ...vm, actions: [], links: [link] } }, ctx, true);
      const parsed = parseTextHeaders({ link: fields.filter(([n]) => n === 'Link').map(([, v]) => v) });
      expect(parsed.links.map((l) => l.target)).toEqual([location]);
    }
  });

  // Regression, fixed (was: src/rendering/text/render-text.ts): textFields(…, ascii=true) promises to escape
  // "everything outside printable ASCII (for headers)", but locations (X-OCCI-Location, the
  // <…> of Link and action links) and the term of a category missing from the registry (e.g. an
  // image template named by the backend) are written verbatim. A location or image id carrying
  // CR/LF or non-Latin-1 text makes a header value that node refuses (ERR_INVALID_CHAR → 500).
  it('locations and unregistered terms are header-safe too', () => {
    const entity: Resource = {
      ...vm,
      location: '/compute/\u65e5\u672c\r\nX-Injected: 1',
      mixins: ['http://example.com/occi/os_tpl#img\r\nX-Injected: 1'],
    };
    const docs = [
      { type: 'entity' as const, entity },
      { type: 'collection' as const, entities: [entity] },
    ];
    for (const doc of docs) {
      for (const [name, value] of render(doc, 'text/occi', ctx).headers) {
        expect(() => validateHeaderValue(name, value)).not.toThrow();
      }
    }
  });
});
