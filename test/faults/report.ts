// What each fault scenario saw, attached to its test (vitest's task meta) so that the table
// reporter (table-reporter.ts) can print scenarios × outcome at the end of `npm run test:faults`.
import type { TaskMeta } from 'vitest';

export interface ScenarioCell {
  /** Which table the row belongs to ('write steps', 'under load'…). */
  table: string;
  /** The row: a scenario (and step). */
  row: string;
  /** The column: the fault, or what was measured. */
  column: string;
  /** What is printed in the cell. */
  value: string;
}

declare module 'vitest' {
  interface TaskMeta {
    faultCells?: ScenarioCell[];
  }
}

/** Adds a cell to the test's report (several per test are fine). */
export function report(meta: TaskMeta, cell: ScenarioCell): void {
  meta.faultCells ??= [];
  meta.faultCells.push(cell);
}

/** The suite's length: `FAULTS=full` runs every fault at every step; the default is the short mode. */
export const FULL = process.env.FAULTS === 'full';
