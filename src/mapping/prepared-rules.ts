// The shipped rule files parsed ahead of time: `npm run build` writes dist/prepared-rules.json
// (each file's data and positions, by the sha256 of its text), and a load reads a file from it
// instead of parsing its YAML when the text is the same. Any other text is parsed as ever.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packagePath } from '../package-root.js';
import {
  type PreparedSource,
  parseSourceFile,
  prepareSourceFile,
  preparedSourceFile,
  type SourceFile,
} from './source-file.js';

/** Where the build puts the prepared files. */
export const PREPARED_RULES_FILE = packagePath('dist', 'prepared-rules.json');

/** Bumped when PreparedSource changes shape: a file of another format is ignored. */
const FORMAT = 1;

interface PreparedRules {
  format: number;
  files: Record<string, PreparedSource>;
}

/** The prepared files by digest, read afresh for each load (none when dist/ is not built). */
export async function readPreparedRules(): Promise<ReadonlyMap<string, PreparedSource>> {
  try {
    const read = JSON.parse(await readFile(PREPARED_RULES_FILE, 'utf8')) as PreparedRules;
    if (read.format === FORMAT && read.files) return new Map(Object.entries(read.files));
  } catch {
    // not built (tests from the sources): every file is parsed
  }
  return new Map();
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** A rule file with positions: its prepared form when its text is one of theirs, else parsed. */
export function sourceFileFor(
  prepared: ReadonlyMap<string, PreparedSource>,
  path: string,
  text: string,
): SourceFile {
  const found = prepared.get(digest(text));
  return found ? preparedSourceFile(path, text, found) : parseSourceFile(path, text);
}

/** The prepared form of every rule file below `dir` (for the build). */
export async function prepareRules(dir: string): Promise<PreparedRules> {
  const files: Record<string, PreparedSource> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile() || !/\.ya?ml$/.test(e.name)) continue;
    const text = await readFile(join(e.parentPath, e.name), 'utf8');
    const one = prepareSourceFile(text);
    if (one) files[digest(text)] = one;
  }
  return { format: FORMAT, files };
}
