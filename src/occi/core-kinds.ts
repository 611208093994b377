// The OCCI Core kinds (GFD.221): entity, resource and link. Built in because every model has them;
// everything else (the Infrastructure categories included) is declared in data files.
import { CORE_SCHEME, ENTITY, type AttributeDefinition, type Kind } from './model.js';

function attribute(name: string, props: Partial<AttributeDefinition>): AttributeDefinition {
  return { name, type: 'string', mutable: true, required: false, ...props };
}

export const CORE_KINDS: readonly Kind[] = [
  {
    class: 'kind',
    term: 'entity',
    scheme: CORE_SCHEME,
    title: 'Entity',
    actions: [],
    attributes: [
      attribute('occi.core.id', { mutable: false, description: 'Unique identifier of the entity' }),
      attribute('occi.core.title', { description: 'Display name of the entity' }),
    ],
  },
  {
    class: 'kind',
    term: 'resource',
    scheme: CORE_SCHEME,
    title: 'Resource',
    parent: ENTITY,
    location: '/resource/',
    actions: [],
    attributes: [attribute('occi.core.summary', { description: 'Summary of the resource' })],
  },
  {
    class: 'kind',
    term: 'link',
    scheme: CORE_SCHEME,
    title: 'Link',
    parent: ENTITY,
    location: '/link/',
    actions: [],
    attributes: [
      attribute('occi.core.source', { required: true, description: 'Location of the source resource' }),
      attribute('occi.core.target', { required: true, description: 'Location of the target resource' }),
      attribute('occi.core.source.kind', { mutable: false, description: 'Kind of the source resource' }),
      attribute('occi.core.target.kind', { description: 'Kind of the target resource' }),
    ],
  },
];
