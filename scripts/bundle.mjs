// Bundles the compiled service (`<build>/main.js`, tsc's output) into one file in its place, so
// that a start reads, resolves and links one module instead of ~3,200: loading the modules was
// ~1.2 s of a 1.5-2 s start (docs/performance.md, "Embedded database: start and memory").
// Run by `npm run build` after `nest build`; `node scripts/bundle.mjs [build folder]`.
//
// Why a script and not `nest build --builder rspack`/webpack: the Nest CLI's bundlers keep
// node_modules out of the bundle (webpack-node-externals), and the dependencies are what costs
// at start. esbuild bundles the JavaScript tsc already wrote (decorator metadata included).
//
// The rest of the build folder stays as tsc wrote it: the CLIs (dist/cli/), the TypeORM CLI's
// data source, and the modules kept as files below.
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const buildDir = resolve(process.argv[2] ?? 'dist');
const entry = join(buildDir, 'main.js');

// Packages loaded from node_modules at run time, not bundled:
// - they read files beside their own code (__dirname, import.meta.url): .proto files
//   (@grpc/*, grpc-health-check), WebAssembly and data files (PGlite), the Swagger UI's assets,
//   pino's worker files;
// - or another package loads them by a computed name (TypeORM: `PlatformTools.load('pg')`), and
//   one copy must be shared (pg's type parsers are global to it).
const EXTERNAL = [
  '@electric-sql/pglite',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@grpc/reflection',
  'grpc-health-check',
  'pg',
  'pino',
  'swagger-ui-dist',
];

// Modules of the service that find files relative to themselves (import.meta.url): bundled, their
// location would be main.js's. `database/pglite-template.js` finds `<build>/pglite-template`.
const KEEP_AS_FILES = ['database/pglite-template.js'];

// Packages that a dependency imports only when a feature is used that this service does not use
// (Nest's Kafka, MQTT, NATS, Redis and RabbitMQ transports, WebSockets, Fastify): not installed,
// so left as imports, which would fail at run time if that feature were ever used. Only a
// dependency's import may be missing: one of the service's own is an error, as without a plugin.
const missingPackages = {
  name: 'missing-optional-packages',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      if (!args.importer.includes('/node_modules/')) return undefined;
      const found = await esbuild.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (found.errors.length === 0) return found;
      return { path: args.path, external: true };
    });
  },
};

const keepAsFiles = {
  name: 'keep-as-files',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\./ }, (args) => {
      const target = relative(buildDir, resolve(args.resolveDir, args.path));
      if (!KEEP_AS_FILES.includes(target)) return undefined;
      return { path: `./${target}`, external: true };
    });
  },
};

// An ES module has no __dirname, and `new URL(…, import.meta.url)` would now point beside
// main.js: a bundled dependency doing either would fail only when that code runs. Checked on the
// bundle, at build time; the modules that mention them are noted while loading, to name them.
const PROBLEMS = [
  [/\b__(dirname|filename)\b/, '__dirname or __filename'],
  [/new URL\([^)]*import\.meta\.url/, 'new URL(…, import.meta.url)'],
];
const mentions = new Map(PROBLEMS.map(([, what]) => [what, []]));
const noteMentions = {
  name: 'note-mentions',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.[cm]?js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      for (const [pattern, what] of PROBLEMS) {
        if (pattern.test(source)) mentions.get(what).push(relative(process.cwd(), args.path));
      }
      return undefined;
    });
  },
};

const result = await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Nest names providers and logs by class names, @nestjs/swagger names schemas by them: keep
  // them when esbuild renames clashing top-level names (`ProfileService2`). It costs: every
  // function esbuild emits is named through a helper, the closures made per call too, 3.7% of a
  // GET's instructions (docs/performance.md, "Now: one bundled file").
  keepNames: true,
  // Without white space and with shorter syntax (names are kept): a smaller source that V8 holds
  // in memory, 5.4 MiB against 8.1 (peak RSS under load +3-6 MB over the unbundled build, against
  // +13-15 MB unminified). Stack traces map back through main.js.map (node --enable-source-maps).
  minifyWhitespace: true,
  minifySyntax: true,
  external: EXTERNAL,
  plugins: [keepAsFiles, missingPackages, noteMentions],
  // CommonJS dependencies call require(): in an ES module it has to be made.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

const code = readFileSync(entry, 'utf8');
const found = PROBLEMS.filter(([pattern]) => pattern.test(code));
for (const [, what] of found) {
  console.error(
    `bundle: ${what} in the bundle, from one of: ${mentions.get(what).join(', ')}; ` +
      'add its package to EXTERNAL',
  );
}
if (found.length > 0) process.exit(1);

const inputs = Object.keys(result.metafile.inputs).length;
const bytes = result.metafile.outputs[relative(process.cwd(), entry)]?.bytes ?? code.length;
console.log(
  `bundle: ${relative(process.cwd(), entry)}, ${inputs} modules in one file, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
);
