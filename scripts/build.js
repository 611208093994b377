// Compiles src/ into dist/: the installed command runs plain JavaScript, no TypeScript compiler at
// run time. Run by `npm ci` (the `prepare` script) and before the tests; types are checked by
// `npm run typecheck`, not here.
//
// One bundle from src/cli.ts, its dependencies included, split at the subcommands' dynamic imports
// (so `simulator` does not load the server, nor `serve --backend` the simulator), with the rule
// files' JSON Schema validator precompiled (see below). Loading a few large files starts faster
// than resolving and loading the hundreds of small modules of src/ and node_modules/
// (docs/operations.md has the figures). Files are found from the package root
// (src/package-root.ts), not relative to the module, so mappings/ and schemas/ resolve from dist/.
// Building needs the devDependencies (esbuild): `npm ci`, not `npm ci --omit=dev`.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The options of src/mapping/schema-validator.ts: the generated validator must behave as that one. */
const AJV_OPTIONS = { strict: true, allErrors: true };

/**
 * Puts Ajv's standalone code for schemas/mapping.schema.json in place of schema-validator.ts: the
 * same `validate` export, compiled now instead of at every start.
 */
const precompiledSchema = {
  name: 'precompiled-schema',
  /** @param {import('esbuild').PluginBuild} b */
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]mapping[\\/]schema-validator\.ts$/ }, async () => {
      const schema = JSON.parse(await readFile(`${root}schemas/mapping.schema.json`, 'utf8'));
      const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true } });
      return {
        contents: standalone.default(ajv, ajv.compile(schema)),
        loader: 'js',
        resolveDir: `${root}src/mapping`,
      };
    });
  },
};

/** Builds dist/ from src/; resolves when done, rejects with esbuild's errors. */
export async function buildDist() {
  // A clean dist/: nothing from an earlier build lives on.
  await rm(`${root}dist`, { recursive: true, force: true });
  await build({
    entryPoints: [`${root}src/cli.ts`],
    outdir: `${root}dist`,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The CommonJS dependencies (ajv, jsonata…) call require() for Node's built-ins: give each
    // ES module chunk one.
    banner: {
      js: "import { createRequire as __snfOcciCreateRequire } from 'node:module'; const require = __snfOcciCreateRequire(import.meta.url);",
    },
    plugins: [precompiledSchema],
    sourcemap: true,
    logLevel: 'warning',
  });
  await prepareShippedRules();
}

/**
 * Writes dist/prepared-rules.json: the shipped rule files parsed once here (data and positions),
 * so that a start reads them instead of parsing their YAML (src/mapping/prepared-rules.ts). The
 * tool doing it is bundled into dist/ for the time it runs, so that it finds the package root.
 */
async function prepareShippedRules() {
  const tool = `${root}dist/prepare-rules.tmp.mjs`;
  try {
    await build({
      entryPoints: [`${root}src/mapping/prepared-rules.ts`],
      outfile: tool,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      banner: {
        js: "import { createRequire as __snfOcciCreateRequire } from 'node:module'; const require = __snfOcciCreateRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    const { prepareRules, PREPARED_RULES_FILE } = await import(pathToFileURL(tool).href);
    await writeFile(PREPARED_RULES_FILE, JSON.stringify(await prepareRules(`${root}mappings`)));
  } finally {
    await rm(tool, { force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDist();
