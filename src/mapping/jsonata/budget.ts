// Deterministic limits of expression evaluation: work is counted (evaluation steps, items
// produced), not timed, so a request succeeds or fails the same way on an idle and a busy
// machine. One Budget is meant to be shared by every evaluation of one request.
import { ExpressionError } from './errors.js';

export interface ExpressionLimits {
  /** Evaluation steps: one per expression node evaluated, plus one per item a node produces. */
  maxSteps: number;
  /**
   * Nesting of function calls in progress (recursion included). Compiled code counts every
   * lambda call, tail calls included (it does not eliminate them); on the jsonata fallback it is
   * the function-call nodes in progress, which also counts calls running side by side in the
   * library's concurrently evaluated object and array constructors.
   */
  maxDepth: number;
  /** Largest value one node may build: items of a sequence or array, keys of an object, characters of a string. */
  maxOutput: number;
}

// maxSteps: `GET /compute/` over 1,000 simulator-like servers uses about 310,000 steps with the
// shipped rules (the list's steps, the result, the compute entity map on each server and the
// shared functions it calls; measured by test/expressions/budget.test.ts); the default is ~30×
// that, so a list result fits with room to spare while a runaway stops after a few tenths of a
// second of CPU.
// maxOutput: a 1,000-server list builds arrays of 1,000 items and strings of a few kB.
export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = Object.freeze({
  maxSteps: 10_000_000,
  maxDepth: 200,
  maxOutput: 1_000_000,
});

export class Budget {
  readonly limits: ExpressionLimits;
  private steps = 0;
  /** Function calls in progress (maintained by the evaluators). */
  depth = 0;
  constructor(limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS) {
    this.limits = limits;
  }

  /** Steps used so far. */
  get used(): number {
    return this.steps;
  }

  /** Counts `n` steps; throws once the budget is spent. */
  step(n = 1): void {
    this.steps += n;
    if (this.steps > this.limits.maxSteps) this.overSteps();
  }

  enter(): void {
    if (++this.depth > this.limits.maxDepth) {
      this.depth--;
      throw new ExpressionError(
        `expression nested deeper than ${this.limits.maxDepth} function calls (maxDepth)`,
        'depth',
      );
    }
  }

  exit(): void {
    this.depth--;
  }

  /** Checks the size of a value being built (items or characters). */
  output(size: number): void {
    if (size > this.limits.maxOutput) {
      throw new ExpressionError(
        `expression built a value of ${size} items or characters, more than ${this.limits.maxOutput} (maxOutput)`,
        'output',
      );
    }
  }

  private overSteps(): never {
    throw new ExpressionError(
      `expression used more than ${this.limits.maxSteps} evaluation steps (maxSteps)`,
      'steps',
    );
  }
}
