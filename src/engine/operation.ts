// The OCCI operations the server hands to the engine once a request is parsed, routed and
// checked against the model. What an operation means for a backend is the engine's (and the
// rules') business; the server only knows these shapes.
import type { AttributeValue, Category, Kind, Mixin } from '../occi/model.js';
import type { CategoryRegistry } from '../occi/registry.js';
import type { OcciDocument } from '../rendering/document.js';
import type { ParsedCategory, ParsedLink } from '../rendering/parsed.js';
import type { Telemetry } from './telemetry.js';
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
    }
  | { op: 'replace'; entity: EntityRef; input: EntityInput }
  | { op: 'delete'; entity: EntityRef }
  | { op: 'action'; entity: EntityRef; input: ActionInput }
  | { op: 'collection-action'; collection: CollectionRef; input: ActionInput; filter: Filter }
  | { op: 'associate' | 'dissociate' | 'set-members'; mixin: Mixin; locations: string[] };

export interface OperationResult {
  status: number;
  document: OcciDocument;
  headers?: Record<string, string>;
}

export interface OperationContext {
  caller: Caller;
  /** The model as this caller sees it (provider categories, templates, their own mixins). */
  registry: CategoryRegistry;
  signal?: AbortSignal;
  /** Where to report the work done for this request (default: the service's own). */
  telemetry?: Telemetry;
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
  categories(context: Omit<OperationContext, 'registry'>): Promise<Category[]>;
  /** The backend's id for the caller (validating their token), when the backend knows one. */
  identify?(caller: Caller, context?: Pick<OperationContext, 'telemetry'>): Promise<string | undefined>;
  /** Where a pass-through route sends this path (undefined when no route declares its prefix). */
  passthrough?(caller: Caller, path: string, search: string): Promise<PassthroughTarget | undefined>;
  /** Whether some pass-through route declares a prefix of this path (cheap, synchronous). */
  isPassthrough?(path: string): boolean;
}
