// The OCCI operations the server hands to the engine once a request is parsed, routed and
// checked against the model. What an operation means for a backend is the engine's (and the
// rules') business; the server only knows these shapes.
import type { RuleSet } from '../mapping/load-rules.js';
import type { OcciError } from '../occi/errors.js';
import type { AttributeValue, Category, Kind, Mixin } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { OcciDocument } from '../rendering/document.js';
import type { ParsedCategory, ParsedLink } from '../rendering/parsed.js';
import type { ActionInput, EntityInput } from './validate-request.js';

/** Who is asking: their credentials, passed through to the backend and never logged. */
export interface Caller {
  token?: string;
  /** Stable key for per-user data (user mixins). */
  userKey?: string;
}

export interface Filter {
  categories: ParsedCategory[];
  attributes: Record<string, AttributeValue>;
}

export interface EntityRef {
  kind: Kind;
  id: string;
  location: string;
}

export type CollectionRef =
  | { type: 'kind'; kind: Kind }
  | { type: 'mixin'; mixin: Mixin }
  | { type: 'path'; path: string };

export type Operation =
  | { op: 'list'; collection: CollectionRef; filter: Filter }
  | { op: 'delete-all'; collection: CollectionRef; filter: Filter }
  | { op: 'create'; input: EntityInput }
  | { op: 'get'; entity: EntityRef }
  | {
      op: 'update';
      entity: EntityRef;
      mixins: string[];
      attributes: Record<string, AttributeValue>;
      links: ParsedLink[];
      /** Immutable attributes the client sent (back): only a change from the entity's is refused. */
      immutable?: Record<string, AttributeValue>;
    }
  | {
      op: 'replace';
      entity: EntityRef;
      /** Its links are what the client sent back: the entity's own are kept, others are refused. */
      input: EntityInput;
      immutable?: Record<string, AttributeValue>;
    }
  /** `bulk`: part of a collection or subtree DELETE (rules may wait for what follows to be possible). */
  | { op: 'delete'; entity: EntityRef; bulk?: boolean }
  | { op: 'action'; entity: EntityRef; input: ActionInput }
  | { op: 'collection-action'; collection: CollectionRef; input: ActionInput; filter: Filter }
  | { op: 'associate' | 'dissociate' | 'set-members'; mixin: Mixin; locations: string[] };

export interface OperationResult {
  status: number;
  document: OcciDocument;
  headers?: Record<string, string>;
}

/** What a request hands to the engine besides the operation: everything it depends on, passed down. */
export interface RequestContext {
  /** The rule set the request was accepted with: used for every part of it, whatever reloads meanwhile. */
  ruleSet: RuleSet;
  caller: Caller;
  /** Names the request in logs and in the backend objects it creates. */
  requestId: string;
  signal?: AbortSignal;
}

export interface OperationContext extends RequestContext {
  /** The model as this caller sees it (provider categories, templates, their own mixins). */
  registry: CategoryRegistry;
}

/** Where a pass-through request goes: the full URL (service base + rest of the path + query) and the headers to add. */
export interface PassthroughTarget {
  url: string;
  headers: Record<string, string>;
}

/** What executes operations against a backend; the mapping engine implements it. */
export interface EntityService {
  execute(operation: Operation, context: OperationContext): Promise<OperationResult>;
  /** Categories the backend contributes for this caller (e.g. os_tpl/resource_tpl templates). */
  categories(context: RequestContext): Promise<Category[]>;
  /** The backend's id for the caller (validating their token), when the backend knows one. */
  identify?(ruleSet: RuleSet, caller: Caller): Promise<string | undefined>;
  /** The 401 for a request without credentials, with the backend's challenge (WWW-Authenticate). */
  unauthorized?(ruleSet: RuleSet, message: string): OcciError;
  /** Where a pass-through route sends this path (undefined when no route declares its prefix). */
  passthrough?(context: RequestContext, path: string, search: string): Promise<PassthroughTarget | undefined>;
}
