// A rule file parsed with source positions, so that any value in it can be traced back to its
// file:line:col for error messages and for `explain`.
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
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

export function parseSourceFile(path: string, text: string): SourceFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: path, line, col };
  };
  const problems: Problem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    problems.push(problem(at(e.pos[0]), 'yaml-syntax', e.message.split('\n')[0]!));
  }
  const positionOf = (segments: readonly (string | number)[], key = false) => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
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
    return at(offset);
  };
  const lines = text.split('\n');
  const charAt = (p: { line: number; col: number }) => lines[p.line - 1]?.[p.col - 1] ?? '';
  const indentOf = (line: number) => /^ */.exec(lines[line - 1] ?? '')![0].length;
  const hasErrors = doc.errors.length > 0;
  return {
    path,
    data: hasErrors ? undefined : doc.toJS({ maxAliasCount: 100 }),
    problems,
    positionOf,
    charAt,
    indentOf,
  };
}

/** A source file after the schema check: cross-checks only look at the parts that passed. */
export interface CheckedFile extends SourceFile {
  isValid(path: readonly (string | number)[]): boolean;
}
