#!/usr/bin/env node
// Entry point: runs the compiled JavaScript in dist/ (built from src/ by `npm ci`, through the
// `prepare` script, or by `npm run build`). No TypeScript compiler at run time.
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
  console.error('snf-occi: dist/ is missing: run `npm run build` (npm ci runs it) in the package directory');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
