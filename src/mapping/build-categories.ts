// Turns the category sections of rule files (kinds, mixins, actions) into model categories and
// cross-checks them: duplicates, unknown parents, actions, depends and applies, bad defaults.
import { CORE_KINDS } from '../occi/core-kinds.js';
import type {
  Action,
  AttributeDefinition,
  AttributeType,
  AttributeValue,
  Category,
  Kind,
  Mixin,
} from '../occi/model.js';
import { typeId } from '../occi/model.js';
import { valueMismatch } from '../occi/attribute-values.js';
import { type Problem, problem } from './problems.js';
import type { CheckedFile } from './source-file.js';

export interface Position {
  file: string;
  line: number;
  col: number;
}

export interface CategoryDecls {
  categories: Category[];
  /** Where each category (by type identifier) was declared. */
  origins: Map<string, Position>;
}

interface RawAttribute {
  type?: AttributeType;
  mutable?: boolean;
  required?: boolean;
  default?: AttributeValue;
  description?: string;
  pattern?: string;
  enum?: string[];
  aliasOf?: string;
}
interface RawCategory {
  term: string;
  scheme: string;
  title?: string;
  parent?: string;
  location?: string;
  depends?: string[];
  applies?: string[];
  attributes?: Record<string, RawAttribute>;
  actions?: string[];
  source?: string[];
  target?: string[];
  aliases?: string[];
  tolerates?: string[];
}
interface RawFile {
  kinds?: RawCategory[];
  mixins?: RawCategory[];
  actions?: RawCategory[];
}

function attributeDefinitions(raw: Record<string, RawAttribute> | undefined): AttributeDefinition[] {
  return Object.entries(raw ?? {}).map(([name, a]) => {
    const def: AttributeDefinition = {
      name,
      type: a.type ?? 'string',
      mutable: a.mutable ?? true,
      required: a.required ?? false,
    };
    if (a.default !== undefined) def.default = a.default;
    if (a.description !== undefined) def.description = a.description;
    if (a.pattern !== undefined) def.pattern = a.pattern;
    if (a.enum !== undefined) def.enum = a.enum;
    if (a.aliasOf !== undefined) def.aliasOf = a.aliasOf;
    return def;
  });
}

export function buildCategories(files: readonly CheckedFile[]): {
  decls: CategoryDecls;
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const categories: Category[] = [...CORE_KINDS];
  const origins = new Map<string, Position>();
  const refs: {
    from: string;
    path: (string | number)[];
    file: CheckedFile;
    target: string;
    expect: 'kind' | 'mixin' | 'action';
  }[] = [];
  const byId = new Map<string, Category>(CORE_KINDS.map((k) => [typeId(k), k]));
  const locations = new Map<string, string>();
  const declaredButInvalid = new Set<string>();

  for (const file of files) {
    const data = file.data as RawFile | undefined;
    if (!data || typeof data !== 'object') continue;
    for (const section of ['kinds', 'mixins', 'actions'] as const) {
      if (!Array.isArray(data[section])) continue;
      (data[section] ?? []).forEach((raw, index) => {
        const path = [section, index];
        if (!file.isValid(path)) {
          // Still known by name, so that references to it do not cascade into more problems.
          if (typeof raw?.term === 'string' && typeof raw.scheme === 'string')
            declaredButInvalid.add(typeId(raw));
          return;
        }
        const at = file.positionOf(path);
        const id = typeId(raw);
        const attributes = attributeDefinitions(raw.attributes);
        for (const def of attributes) {
          if (def.default !== undefined && valueMismatch(def, def.default)) {
            problems.push(
              problem(
                file.positionOf([...path, 'attributes', def.name, 'default']),
                'bad-default',
                `default of '${def.name}' ${valueMismatch(def, def.default)}`,
              ),
            );
          }
          if (def.pattern !== undefined) {
            try {
              new RegExp(def.pattern, 'u');
            } catch {
              problems.push(
                problem(
                  file.positionOf([...path, 'attributes', def.name, 'pattern']),
                  'schema',
                  `pattern of '${def.name}' is not a valid regular expression`,
                ),
              );
            }
          }
        }
        let category: Category;
        if (section === 'kinds') {
          category = {
            class: 'kind',
            term: raw.term,
            scheme: raw.scheme,
            attributes,
            actions: raw.actions ?? [],
          } satisfies Kind;
          if (raw.parent) category.parent = raw.parent;
          if (raw.location) category.location = raw.location;
          if (raw.aliases?.length) category.aliases = raw.aliases;
          if (raw.parent)
            refs.push({ from: id, path: [...path, 'parent'], file, target: raw.parent, expect: 'kind' });
          // A link kind names the kinds it joins (OCCI Infrastructure: a network interface joins a
          // compute to a network); the engine checks link ends against them.
          for (const end of ['source', 'target'] as const) {
            if (!raw[end]) continue;
            category[end] = raw[end];
            raw[end].forEach((k, i) => {
              refs.push({ from: id, path: [...path, end, i], file, target: k, expect: 'kind' });
            });
          }
        } else if (section === 'mixins') {
          category = {
            class: 'mixin',
            term: raw.term,
            scheme: raw.scheme,
            attributes,
            actions: raw.actions ?? [],
            depends: raw.depends ?? [],
            applies: raw.applies ?? [],
            location: raw.location ?? '',
          } satisfies Mixin;
          (raw.depends ?? []).forEach((d, i) => {
            refs.push({ from: id, path: [...path, 'depends', i], file, target: d, expect: 'mixin' });
          });
          (raw.applies ?? []).forEach((k, i) => {
            refs.push({ from: id, path: [...path, 'applies', i], file, target: k, expect: 'kind' });
          });
        } else {
          category = { class: 'action', term: raw.term, scheme: raw.scheme, attributes } satisfies Action;
          if (raw.tolerates?.length) category.tolerates = raw.tolerates;
        }
        if (raw.title) category.title = raw.title;
        (raw.actions ?? []).forEach((a, i) => {
          refs.push({ from: id, path: [...path, 'actions', i], file, target: a, expect: 'action' });
        });

        if (byId.has(id)) {
          const first = origins.get(id);
          problems.push(
            problem(
              at,
              'duplicate-category',
              `'${id}' is already declared${first ? ` at ${first.file}:${first.line}` : ' (built in)'}`,
            ),
          );
          return;
        }
        const paths: [string, (string | number)[]][] = [];
        if (category.class !== 'action' && category.location)
          paths.push([category.location, [...path, 'location']]);
        if (category.class === 'kind')
          for (const [i, a] of (category.aliases ?? []).entries()) paths.push([a, [...path, 'aliases', i]]);
        for (const [location, at] of paths) {
          const other = locations.get(location);
          if (other) {
            problems.push(
              problem(
                file.positionOf(at),
                'duplicate-location',
                `location '${location}' of '${id}' is already used by '${other}'`,
              ),
            );
          } else {
            locations.set(location, id);
          }
        }
        byId.set(id, category);
        origins.set(id, at);
        categories.push(category);
      });
    }
  }

  for (const ref of refs) {
    const target = byId.get(ref.target);
    if (target?.class === ref.expect || declaredButInvalid.has(ref.target)) continue;
    const code =
      ref.expect === 'action'
        ? 'unknown-action'
        : ref.expect === 'mixin'
          ? 'unknown-mixin'
          : ref.path.includes('parent')
            ? 'unknown-parent'
            : 'unknown-kind';
    problems.push(
      problem(
        ref.file.positionOf(ref.path),
        code,
        `'${ref.from}' refers to ${ref.expect} '${ref.target}', which is not declared`,
      ),
    );
  }

  for (const c of categories) {
    if (c.class !== 'kind') continue;
    const seen = new Set<string>();
    let cursor: Kind | undefined = c;
    while (cursor?.parent) {
      if (seen.has(cursor.parent) || cursor.parent === typeId(c)) {
        const at = origins.get(typeId(c));
        if (at) problems.push(problem(at, 'parent-cycle', `kind '${typeId(c)}' is its own ancestor`));
        break;
      }
      seen.add(cursor.parent);
      const next = byId.get(cursor.parent);
      cursor = next?.class === 'kind' ? next : undefined;
    }
  }
  return { decls: { categories, origins }, problems };
}
