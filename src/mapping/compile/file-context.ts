// What every compile pass works with: one checked rule file, the problems found in it so far, and
// expression compilation that reports errors at their line and column inside the YAML scalar.
import jsonata from 'jsonata';
import type { Position } from '../build-categories.js';
import { compileExpression, type Expression, type ExpressionError } from '../expressions.js';
import { type Problem, type ProblemCode, problem } from '../problems.js';
import type { CheckedFile } from '../source-file.js';

export type Raw = Record<string, unknown>;
export type DataPath = (string | number)[];

/** What an expression's input is: `empty` for rule expressions, which read named values only. */
export type InputKind = 'empty' | 'document';

export class FileContext {
  readonly problems: Problem[] = [];
  constructor(readonly file: CheckedFile) {}

  get data(): Raw | undefined {
    const d = this.file.data;
    return d && typeof d === 'object' && !Array.isArray(d) ? (d as Raw) : undefined;
  }

  valid(path: DataPath): boolean {
    return this.file.isValid(path);
  }

  at(path: DataPath, key = false): Position {
    return this.file.positionOf(path, key);
  }

  report(path: DataPath, code: ProblemCode, message: string, key = false): void {
    this.problems.push(problem(this.at(path, key), code, message));
  }

  /**
   * Compiles an expression; on error reports it at its position inside the YAML scalar. With
   * input `empty` (rule expressions), a path that reads a field of the input is reported: rules
   * read named values as `$name`.
   */
  expression(path: DataPath, source: unknown, input: InputKind = 'empty'): Expression | undefined {
    if (typeof source !== 'string') return undefined;
    try {
      const compiled = compileExpression(source);
      if (input === 'empty') {
        const field = rootField(compiled.ast ?? jsonata(source).ast());
        if (field) {
          this.problems.push(
            problem(
              this.positionInScalar(path, source, field.position),
              'reads-input',
              `'${field.name}' reads a field of the input, which is empty here: named values are $${field.name}`,
            ),
          );
        }
      }
      return compiled;
    } catch (e) {
      const err = e as ExpressionError;
      this.problems.push(
        problem(this.positionInScalar(path, source, err.position), 'expression', err.message),
      );
      return undefined;
    }
  }

  expressionMap(path: DataPath, raw: unknown): Map<string, Expression> | undefined {
    if (!raw || typeof raw !== 'object') return undefined;
    const out = new Map<string, Expression>();
    for (const [name, source] of Object.entries(raw as Raw)) {
      const e = this.expression([...path, name], source);
      if (e) out.set(name, e);
    }
    return out;
  }

  private positionInScalar(path: DataPath, source: string, offset: number | undefined): Position {
    const start = this.file.positionOf(path);
    if (offset === undefined) return start;
    const before = source.slice(0, Math.max(0, offset - 1));
    const lines = before.split('\n');
    const line = lines.length - 1;
    const col = lines[lines.length - 1]!.length;
    // Single-line scalars: the expression starts at the scalar (after a quote, if quoted).
    if (!source.includes('\n')) {
      const quoted = this.file.charAt(start) === '"' || this.file.charAt(start) === "'";
      return { ...start, col: start.col + col + (quoted ? 1 : 0) };
    }
    // Block scalars start on the line after the indicator, at the content's indentation.
    const indent = this.file.indentOf(start.line + 1);
    return { ...start, line: start.line + 1 + line, col: indent + col + 1 };
  }
}

type Node = { type?: string; value?: unknown; position?: number; [key: string]: unknown };

/**
 * The first field name read from the expression's own input (not from a `$variable`, a path
 * step or a predicate), e.g. `server` in `server.server.id`.
 */
function rootField(ast: unknown): { name: string; position?: number } | undefined {
  let found: { name: string; position?: number } | undefined;
  const visit = (node: unknown, root: boolean): void => {
    if (found || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n, root);
      return;
    }
    const n = node as Node;
    // `undefined` reads a field no input has: the idiom for "no value".
    if (n.type === 'name' && root && n.value !== 'undefined') {
      // jsonata gives the position of a name's last character.
      const name = String(n.value);
      found = { name, ...(n.position === undefined ? {} : { position: n.position - name.length + 1 }) };
      return;
    }
    if (n.type === 'path' && Array.isArray(n.steps)) {
      n.steps.forEach((step, i) => {
        const s = step as Node;
        if (i === 0 && s.type === 'name') visit(s, root);
        else if (i === 0) visit(s, root);
        else visit(s, false);
      });
      visit(n.group, false);
      return;
    }
    for (const [key, value] of Object.entries(n)) {
      if (key === 'stages' || key === 'predicate' || key === 'group' || key === 'terms') visit(value, false);
      else if (key !== 'procedure') visit(value, root);
    }
  };
  visit(ast, true);
  return found;
}
