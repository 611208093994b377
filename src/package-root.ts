// Where the package's own files are (package.json, mappings/, schemas/): the nearest directory
// holding a package.json above this module. The same answer whether the module runs from src/
// (tests, tsx) or from the bundled dist/ (the installed command), whose files sit at other depths.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`snf-occi: no package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package, e.g. packagePath('schemas', 'mapping.schema.json'). */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
