// Prints the fault suite's tables at the end of the run: one per kind of scenario, a row per
// scenario (and step), a column per fault or measure, each cell what the scenario reported
// (report.ts). A failed scenario's cells are marked ✗.
import type { Reporter, TestCase } from 'vitest/node';
import type { ScenarioCell } from './report.js';

export default class FaultTableReporter implements Reporter {
  private readonly cells: (ScenarioCell & { failed: boolean })[] = [];

  onTestCaseResult(test: TestCase): void {
    const failed = test.result().state === 'failed';
    for (const c of test.meta().faultCells ?? []) this.cells.push({ ...c, failed });
  }

  onTestRunEnd(): void {
    const tables = [...new Set(this.cells.map((c) => c.table))];
    const out: string[] = [];
    for (const table of tables) {
      const cells = this.cells.filter((c) => c.table === table);
      const rows = [...new Set(cells.map((c) => c.row))];
      const columns = [...new Set(cells.map((c) => c.column))];
      const value = (row: string, column: string) => {
        const c = cells.find((x) => x.row === row && x.column === column);
        return c ? `${c.value}${c.failed ? ' ✗' : ''}` : '';
      };
      const grid = [['', ...columns], ...rows.map((r) => [r, ...columns.map((c) => value(r, c))])];
      const widths = grid[0]!.map((_, i) => Math.max(...grid.map((line) => line[i]!.length)));
      const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
      out.push('', table, line(grid[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
      for (const r of grid.slice(1)) out.push(line(r));
    }
    if (out.length) process.stdout.write(`${out.join('\n')}\n\n`);
  }
}
