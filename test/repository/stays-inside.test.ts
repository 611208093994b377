// A fresh clone must pass its own tests with nothing beside it: no source, test, script, benchmark
// or document may read a file outside the repository. This scans them for paths that leave it (a
// machine's absolute paths, the shared reference directory, more '../' than the file is deep) and
// allows one exception, the cross-check against the official OCCI schema, which is skipped when its
// copy is absent.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCANNED_DIRS = ['src', 'test', 'scripts', 'bench', 'bin', '.ci', 'docs', 'mappings', 'schemas'];
const SCANNED_FILES = ['README.md', 'package.json', 'vitest.config.ts', 'tsconfig.json', 'biome.json'];
/** The one file allowed to look outside, and what shows that it only does so when it can. */
const GUARDED_CROSS_CHECK = 'test/schema/official-schema.test.ts';
const GUARD = 'it.skipIf(!present)';

/** Written as regular expressions so that this file does not match itself. */
const OUTSIDE = [
  { pattern: /\/work\//, why: "an absolute path of the developers' machine" },
  { pattern: /\/home\/[a-z]/, why: 'an absolute path into a home directory' },
  { pattern: /shared\/reference/, why: 'the shared reference directory beside the checkout' },
  { pattern: /\.\.\/shared\b/, why: 'a directory beside the checkout' },
];

/** Problems of one file: each line naming a path outside the repository, with why. */
function escapes(file: string, text: string): string[] {
  const depth = file.split('/').length - 1;
  // Documents show other files' contents (a rule file's `$schema=../../…` modeline), relative to
  // those files: only their absolute and shared paths count.
  const countClimbs = !file.endsWith('.md');
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    for (const { pattern, why } of OUTSIDE) if (pattern.test(line)) found.push(`${at}: ${why}`);
    if (!countClimbs) return;
    for (const m of line.matchAll(/(?:\.\.\/)+/g)) {
      const ups = m[0].length / 3;
      if (ups > depth) found.push(`${at}: '${m[0]}' climbs ${ups} levels from a file ${depth} deep`);
    }
    for (const m of line.matchAll(/\b(?:join|resolve)\(([^)]*)\)/g)) {
      const ups = (m[1]!.match(/'\.\.'/g) ?? []).length;
      if (ups > depth) found.push(`${at}: ${m[0]} climbs ${ups} levels from a file ${depth} deep`);
    }
  });
  return found;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => !f.split(sep).includes('node_modules') && statSync(join(ROOT, f)).isFile())
    .map((f) => f.split(sep).join('/'));
}

describe('nothing in the repository reads outside it', () => {
  const files = [
    ...SCANNED_DIRS.flatMap(filesUnder),
    ...SCANNED_FILES.filter((f) => existsSync(join(ROOT, f))),
  ];

  it('scans the sources, tests, scripts and documents (this file included)', () => {
    expect(files).toContain('src/cli.ts');
    expect(files).toContain(
      relative(ROOT, fileURLToPath(import.meta.url))
        .split(sep)
        .join('/'),
    );
    expect(files).toContain('.ci/run');
    expect(files).toContain('docs/occi.md');
  });

  it('no file names a path outside the repository, but the one guarded cross-check', () => {
    const found = files
      .filter((f) => f !== GUARDED_CROSS_CHECK)
      .flatMap((f) => escapes(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('the cross-check looks outside only behind its guard, and skips itself when the copy is absent', () => {
    const text = readFileSync(join(ROOT, GUARDED_CROSS_CHECK), 'utf8');
    expect(escapes(GUARDED_CROSS_CHECK, text).length).toBeGreaterThan(0);
    expect(text).toContain(GUARD);
    expect(text.split(GUARD)).toHaveLength(2);
  });

  it('the scan finds what it is meant to find', () => {
    // Samples are assembled from pieces, so that this file does not match itself.
    const up = (n: number) => '../'.repeat(n);
    const machine = ['', 'work', 'shared'].join('/');
    expect(
      escapes('test/support/x.ts', `new URL('${up(3)}${'shared'}/x.json', import.meta.url)`),
    ).toHaveLength(2);
    expect(escapes('test/support/x.ts', `new URL('${up(2)}schemas/a.json', import.meta.url)`)).toEqual([]);
    expect(escapes('src/x.ts', "readFileSync(join(here, '..', '..'))")).toHaveLength(1);
    expect(escapes('docs/a.md', `see [the schema](${up(1)}schemas/a.json)`)).toEqual([]);
    expect(escapes('docs/a.md', `read ${up(1)}${'shared'}/notes`)).toHaveLength(1);
    expect(escapes('README.md', `clone it next to ${machine}`)).toHaveLength(1);
    expect(
      escapes('test/a.test.ts', `const dir = new URL('${up(1)}${'shared'}/reference/', ROOT)`),
    ).toHaveLength(2);
  });
});
