// The entity service used when no rule maps an operation: every backend-bound request gets a 501
// that says which operation is missing, and no backend categories are contributed.
import { notImplemented } from '../occi/errors.js';
import { typeId } from '../occi/model.js';
import type { CollectionRef, EntityService, Operation } from './operation.js';

function collectionName(c: CollectionRef): string {
  if (c.type === 'kind') return typeId(c.kind);
  if (c.type === 'mixin') return typeId(c.mixin);
  return c.path;
}

export function describeOperation(o: Operation): string {
  switch (o.op) {
    case 'list':
    case 'delete-all':
      return `${o.op} of ${collectionName(o.collection)}`;
    case 'collection-action':
      return `action '${o.input.action.term}' on ${collectionName(o.collection)}`;
    case 'create':
      return `create of ${typeId(o.input.kind)}`;
    case 'action':
      return `action '${o.input.action.term}' on ${typeId(o.entity.kind)}`;
    case 'associate':
    case 'dissociate':
    case 'set-members':
      return `${o.op} on ${typeId(o.mixin)}`;
    default:
      return `${o.op} of ${typeId(o.entity.kind)}`;
  }
}

export const unmappedService: EntityService = {
  async execute(operation) {
    throw notImplemented(`no backend rule maps the ${describeOperation(operation)}`);
  },
  async categories() {
    return [];
  },
};
