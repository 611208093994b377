// A corpus of application/occi+json documents, each with the definition it is an instance of: the
// examples of our schema, the renderings the rendering tests check (the shipped model, each of its
// categories, entities, collections), and the answers of a short session against the whole stack.
// The suite validates these against our schema; the cross-check (test/schema/official-schema.test.ts)
// validates the same ones against the official schema, so the two cannot drift apart unseen.
import type { OcciDocument } from '../../src/rendering/document.js';
import { categoryJson, jsonDocument } from '../../src/rendering/json/render-json.js';
import { compute, computeWithLink, identityContext, nic } from '../rendering/fixtures.js';
import { startE2eStack } from './e2e-stack.js';
import { occiClient } from './occi-clients.js';
import { definitionOfResponse, OCCI_SCHEMA, type OcciDocumentSchema } from './occi-schema.js';

export interface CorpusDocument {
  /** Where the document comes from, for failure messages. */
  source: string;
  definition: OcciDocumentSchema;
  document: unknown;
}

const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';

function schemaExamples(): CorpusDocument[] {
  return Object.entries(OCCI_SCHEMA.$defs).flatMap(([name, d]) =>
    (d.examples ?? []).map((document, i) => ({
      source: `schema example ${name} #${i + 1}`,
      definition: name as OcciDocumentSchema,
      document,
    })),
  );
}

async function renderings(): Promise<CorpusDocument[]> {
  const ctx = await identityContext();
  const render = (doc: OcciDocument) => jsonDocument(doc, ctx);
  const all = ctx.registry.all();
  const bare = { ...compute, mixins: [], actions: [], title: undefined, summary: undefined };
  return [
    {
      source: 'rendered model',
      definition: 'model',
      document: render({ type: 'categories', categories: all }),
    },
    ...all.map((c) => ({
      source: `rendered ${c.class} ${c.scheme}${c.term}`,
      definition: c.class,
      document: categoryJson(c, ctx),
    })),
    ...[compute, computeWithLink, bare].map((entity, i) => ({
      source: `rendered resource #${i + 1}`,
      definition: 'resource' as const,
      document: render({ type: 'entity', entity }),
    })),
    { source: 'rendered link', definition: 'link', document: render({ type: 'entity', entity: nic }) },
    {
      source: 'rendered resource collection',
      definition: 'resource_collection',
      document: render({ type: 'collection', entities: [compute, computeWithLink] }),
    },
    {
      source: 'rendered empty collection',
      definition: 'resource_collection',
      document: render({ type: 'collection', entities: [] }),
    },
    {
      source: 'rendered link collection',
      definition: 'link_collection',
      document: render({ type: 'collection', entities: [nic] }),
    },
    {
      source: 'rendered mixed collection',
      definition: 'model',
      document: render({ type: 'collection', entities: [compute, nic] }),
    },
  ];
}

/** The JSON answers of a session a client could run: discovery, a user mixin, create, read, list, act, fail. */
async function session(): Promise<CorpusDocument[]> {
  const stack = await startE2eStack();
  try {
    const client = occiClient('application/occi+json', () => stack.url);
    const token = stack.alice.token;
    await client.queryInterface([], { token });
    await client.queryInterface([{ term: 'compute', scheme: INFRA, class: 'kind' }], { token });
    await client.addMixin(
      { term: 'corpus', scheme: 'http://example.com/occi/corpus#', location: '/corpus/' },
      { token },
    );
    const created = await client.create('/compute/', { kind: `${INFRA}compute` }, { token });
    const location = new URL(created.headers.get('location') ?? '/compute/none', stack.url).pathname;
    await stack.settle();
    await client.raw('GET', location, { token });
    await client.raw('GET', '/compute/', { token });
    await client.action(location, 'http://schemas.ogf.org/occi/infrastructure/compute/action#stop', {
      token,
    });
    await client.raw('GET', '/compute/999999', { token });
    await client.create('/compute/', { kind: `${INFRA}compute` });
    return client.responses
      .filter((r) => r.contentType === 'application/occi+json' && r.body !== '')
      .map((r, i) => {
        const document = JSON.parse(r.body) as unknown;
        return {
          source: `session answer #${i + 1} (${r.status})`,
          definition: definitionOfResponse(r.status, document),
          document,
        };
      });
  } finally {
    await stack.close();
  }
}

export async function occiJsonCorpus(): Promise<CorpusDocument[]> {
  return [...schemaExamples(), ...(await renderings()), ...(await session())];
}
