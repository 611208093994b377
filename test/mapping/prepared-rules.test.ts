// The shipped rule files parsed ahead of time (dist/prepared-rules.json) answer as a parse at load
// does: the same data, and the same position for every path the data has, for its key, and for
// paths that go past the data (the nearest existing parent).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/package-root.js';
import { prepareRules } from '../../src/mapping/prepared-rules.js';
import { parseSourceFile, prepareSourceFile, preparedSourceFile } from '../../src/mapping/source-file.js';

async function shippedFiles(): Promise<string[]> {
  const dir = packagePath('mappings');
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

/** Every data path of a value (keys and indices), the root included. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...prefix, i]));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

describe('prepared rule files', () => {
  it('has every shipped file, and answers every position as parsing does', async () => {
    const files = await shippedFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const path of files) {
      const text = await readFile(path, 'utf8');
      const prepared = prepareSourceFile(text);
      expect(prepared, path).toBeDefined();
      const parsed = parseSourceFile(path, text);
      // Through JSON, as the build writes it.
      const read = preparedSourceFile(path, text, JSON.parse(JSON.stringify(prepared)));
      expect(read.data).toEqual(parsed.data);
      expect(read.problems).toEqual(parsed.problems);
      for (const p of pathsOf(parsed.data)) {
        for (const q of [p, [...p, 'absent'], [...p, 999], [...p, 0, 'absent'], ['absent', ...p]]) {
          expect(read.positionOf(q), q.join('.')).toEqual(parsed.positionOf(q));
          expect(read.positionOf(q, true), `${q.join('.')} (key)`).toEqual(parsed.positionOf(q, true));
        }
      }
      for (let line = 1; line <= text.split('\n').length; line++) {
        expect(read.indentOf(line)).toBe(parsed.indentOf(line));
        expect(read.charAt({ line, col: 3 })).toBe(parsed.charAt({ line, col: 3 }));
      }
    }
    expect(Object.keys((await prepareRules(packagePath('mappings'))).files)).toHaveLength(files.length);
  });

  it('leaves files with problems or merge keys to a parse at load', () => {
    expect(prepareSourceFile('a: [1\n')).toBeUndefined();
    expect(prepareSourceFile('a: 1\na: 2\n')).toBeUndefined();
    expect(prepareSourceFile('a: {b: 1}\nc: {<<: {d: 2}}\n')).toBeUndefined();
    expect(prepareSourceFile('a: .inf\n')).toBeUndefined();
    expect(prepareSourceFile('a: {b: [1, 2]}\n')).toBeDefined();
  });

  it('answers positions through aliases as parsing does', () => {
    const text = 'a: &x {b: [1, {c: 2}]}\nd: *x\ne:\n  - &y 3\n  - *y\n';
    const parsed = parseSourceFile('f.yaml', text);
    const read = preparedSourceFile('f.yaml', text, prepareSourceFile(text)!);
    for (const p of pathsOf(parsed.data))
      for (const q of [p, [...p, 'absent'], [...p, 1, 'c']]) {
        expect(read.positionOf(q)).toEqual(parsed.positionOf(q));
        expect(read.positionOf(q, true)).toEqual(parsed.positionOf(q, true));
      }
  });
});
