// Keeps docs/mapping.md and the problem catalogue in step, as fastify does for its error codes:
// the table of `check` error codes lists exactly the codes of PROBLEM_CATALOGUE, each with the
// hint the code gives. Adding, removing or rewording a code fails here until the docs follow.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CATALOGUE } from '../../src/mapping/problems.js';

const DOC = readFileSync(new URL('../../docs/mapping.md', import.meta.url), 'utf8');
const HEADING = /^#{2,3} .*error codes/i;

/** The cells of a Markdown table row; `\|` stands for a literal pipe inside a cell. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** The rows of the first table under the error-code heading, as {column name: cell}. */
function errorCodeTable(markdown: string): Record<string, string>[] {
  const lines = markdown.split('\n');
  const heading = lines.findIndex((l) => HEADING.test(l));
  if (heading < 0) return [];
  const start = lines.findIndex((l, i) => i > heading && l.trim().startsWith('|'));
  if (start < 0) return [];
  const header = cells(lines[start]!).map((c) => c.toLowerCase());
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith('|')) break;
    const row = cells(line);
    rows.push(Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
  }
  return rows;
}

const rows = errorCodeTable(DOC);
const codeOf = (row: Record<string, string>) => (row.code ?? '').replace(/`/g, '');

describe('docs/mapping.md error-code table', () => {
  it('exists, with code and hint columns', () => {
    expect(rows.length).toBeGreaterThan(0);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['code', 'hint']));
  });

  it('lists exactly the codes of PROBLEM_CATALOGUE, each once', () => {
    const documented = rows.map(codeOf);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(PROBLEM_CATALOGUE).sort());
  });

  it.each(Object.entries(PROBLEM_CATALOGUE))('gives the hint of %s as the catalogue does', (code, hint) => {
    const row = rows.find((r) => codeOf(r) === code);
    expect(row?.hint).toBe(hint);
  });
});
