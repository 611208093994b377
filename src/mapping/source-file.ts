// A rule file parsed with source positions, so that any value in it can be traced back to its
// file:line:col for error messages and for `explain`.
import { isDeepStrictEqual } from 'node:util';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import { type Problem, problem } from './problems.js';

export interface SourceFile {
  path: string;
  /** The plain data (undefined when the YAML did not parse). */
  data: unknown;
  problems: Problem[];
  /** Position of the value at a data path (keys and array indices); the nearest existing parent otherwise. */
  positionOf(path: readonly (string | number)[], key?: boolean): { file: string; line: number; col: number };
  /** The character at a position (for locating text inside scalars). */
  charAt(position: { line: number; col: number }): string;
  /** The indentation (in columns) of a 1-based line. */
  indentOf(line: number): number;
}

/** Line and column (1-based) of a position in a file. */
type LineCol = { line: number; col: number };

/**
 * A rule file parsed ahead of time (by the build, for the shipped files): its data, and the
 * position of every value and key, so that a start need not parse the YAML again. Positions are
 * keyed by data path (see pathKey); each holds the value's line and column, then the key's.
 */
export interface PreparedSource {
  data: unknown;
  positions: Record<string, [number, number, number, number]>;
}

/** A data path as a key of PreparedSource.positions: `k<key>` for map keys, `#<n>` for sequence items. */
const pathKey = (parts: readonly string[]) => parts.join('\u0000');

export function parseSourceFile(path: string, text: string): SourceFile {
  const parsed = parseWithPositions(text);
  const at = (offset: number) => ({ file: path, ...parsed.linePos(offset) });
  const problems: Problem[] = [];
  for (const e of [...parsed.doc.errors, ...parsed.doc.warnings]) {
    problems.push(problem(at(e.pos[0]), 'yaml-syntax', e.message.split('\n')[0]!));
  }
  const positionOf = (segments: readonly (string | number)[], key = false) =>
    at(parsed.offsetOf(segments, key));
  const hasErrors = parsed.doc.errors.length > 0;
  return {
    path,
    data: hasErrors ? undefined : parsed.doc.toJS({ maxAliasCount: 100 }),
    problems,
    positionOf,
    ...lineLookups(text),
  };
}

function parseWithPositions(text: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const root = (doc.contents as Node | null)?.range?.[0] ?? 0;
  /** The offset of the value at a data path; of the nearest existing parent when it has none. */
  const offsetOf = (segments: readonly (string | number)[], key: boolean): number => {
    let node: unknown = doc.contents;
    let offset = root;
    for (const [index, segment] of segments.entries()) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) break;
        const keyNode = pair.key as Node;
        const valueNode = pair.value as Node | null;
        const isLast = key && index === segments.length - 1;
        offset = (isLast || !valueNode?.range ? keyNode.range?.[0] : valueNode.range[0]) ?? offset;
        node = valueNode;
        if (isLast) break;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return offset;
  };
  return { doc, root, offsetOf, linePos: (offset: number): LineCol => lineCounter.linePos(offset) };
}

function lineLookups(text: string): Pick<SourceFile, 'charAt' | 'indentOf'> {
  const lines = text.split('\n');
  return {
    charAt: (p) => lines[p.line - 1]?.[p.col - 1] ?? '',
    indentOf: (line) => /^ */.exec(lines[line - 1] ?? '')![0].length,
  };
}

/**
 * Parses a rule file ahead of time; undefined when it has problems (those are reported by a
 * real parse at load) or data that JSON would not carry unchanged.
 */
export function prepareSourceFile(text: string): PreparedSource | undefined {
  const parsed = parseWithPositions(text);
  if (parsed.doc.errors.length > 0 || parsed.doc.warnings.length > 0) return undefined;
  // A merge key makes a node path that is no data path: such a file is parsed at load. (Through an
  // alias, the data has paths the nodes do not: the table holds offsetOf's answer for them.)
  let merges = false;
  visit(parsed.doc, {
    Pair: (_, pair) => {
      if (!isScalar(pair.key) || pair.key.value !== '<<') return undefined;
      merges = true;
      return visit.BREAK;
    },
  });
  if (merges) return undefined;
  const data = parsed.doc.toJS({ maxAliasCount: 100 });
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(data) ?? 'null'), data ?? null)) return undefined;
  const positions: PreparedSource['positions'] = {};
  // Every path the data has, with the positions offsetOf gives for it (key and value).
  const walk = (value: unknown, segments: (string | number)[], parts: string[]): void => {
    if (segments.length > 0) {
      const v = parsed.linePos(parsed.offsetOf(segments, false));
      const k = parsed.linePos(parsed.offsetOf(segments, true));
      const id = pathKey(parts);
      if (!(id in positions)) positions[id] = [v.line, v.col, k.line, k.col];
    }
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, [...segments, i], [...parts, `#${i}`]);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, item] of Object.entries(value)) walk(item, [...segments, k], [...parts, `k${k}`]);
    }
  };
  walk(data, [], []);
  const root = parsed.linePos(parsed.root);
  positions[pathKey([])] = [root.line, root.col, root.line, root.col];
  return { data, positions };
}

/** A rule file from its PreparedSource: the same answers as parseSourceFile, without parsing. */
export function preparedSourceFile(path: string, text: string, prepared: PreparedSource): SourceFile {
  const { positions } = prepared;
  const positionOf = (segments: readonly (string | number)[], key = false) => {
    // The longest prefix of the path that exists: a number names a sequence item or a map key.
    let found = positions[pathKey([])]!;
    const parts: string[] = [];
    for (const [index, segment] of segments.entries()) {
      const asKey = pathKey([...parts, `k${segment}`]);
      const asItem = typeof segment === 'number' ? pathKey([...parts, `#${segment}`]) : undefined;
      const id =
        asKey in positions ? asKey : asItem !== undefined && asItem in positions ? asItem : undefined;
      if (id === undefined) break;
      parts.push(id === asKey ? `k${segment}` : `#${segment}`);
      const p = positions[id]!;
      const isLast = key && index === segments.length - 1;
      found = isLast ? [p[2], p[3], p[2], p[3]] : p;
      if (isLast) break;
    }
    return { file: path, line: found[0], col: found[1] };
  };
  return { path, data: prepared.data, problems: [], positionOf, ...lineLookups(text) };
}

/** A source file after the schema check: cross-checks only look at the parts that passed. */
export interface CheckedFile extends SourceFile {
  isValid(path: readonly (string | number)[]): boolean;
}
