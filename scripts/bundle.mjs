// Bundles the compiled service (`<build>/server.js` and what it imports, tsc's output) into one
// CommonJS file, `<build>/service.cjs`, so that a start reads, resolves and links one module
// instead of ~3,200: loading the modules was ~1.2 s of a 1.5-2 s start (docs/performance.md,
// "Embedded database: start and memory"). `<build>/main.js` (src/main.ts) runs it through V8's
// code cache (src/code-cache.ts), which needs a script: V8 caches the bytecode of a script's
// functions after they ran, and Node has no public way to give it an ES module's.
// Run by `npm run build` after `nest build`; `node scripts/bundle.mjs [build folder]`.
//
// Why a script and not `nest build --builder rspack`/webpack: the Nest CLI's bundlers keep
// node_modules out of the bundle (webpack-node-externals), and the dependencies are what costs
// at start. esbuild bundles the JavaScript tsc already wrote (decorator metadata included).
//
// The rest of the build folder stays as tsc wrote it: the CLIs (dist/cli/), the TypeORM CLI's
// data source, and the modules kept as files below.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';

const buildDir = resolve(process.argv[2] ?? 'dist');
const entry = join(buildDir, 'server.js');
const outfile = join(buildDir, 'service.cjs');
// src/code-cache.ts's folder: caches of an earlier bundle are of no use.
const codeCacheDir = join(buildDir, 'code-cache');

// Packages loaded from node_modules at run time, not bundled:
// - they read files beside their own code (__dirname, import.meta.url): .proto files
//   (@grpc/*, grpc-health-check), WebAssembly and data files (PGlite), the Swagger UI's assets,
//   pino's worker files;
// - or another package loads them by a computed name (TypeORM: `PlatformTools.load('pg')`), and
//   one copy must be shared (pg's type parsers are global to it);
// - or they are loaded from node_modules anyway, and one copy is enough: reflect-metadata, which
//   @nestjs/typeorm's run-time `require('typeorm')` (a createRequire esbuild cannot follow) loads
//   with a second TypeORM; each copy installs its functions on the global Reflect, the last wins.
//   Bundling that second TypeORM too made GETs dearer, not cheaper (docs/performance.md, "What
//   did not help").
const EXTERNAL = [
  '@electric-sql/pglite',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@grpc/reflection',
  'grpc-health-check',
  'pg',
  'pino',
  'reflect-metadata',
  'swagger-ui-dist',
];

// Modules of the service kept as files of their own, required by the bundle:
// - those that find files relative to themselves (import.meta.url): bundled, their location would
//   be service.cjs's. `database/pglite-template.js` finds `<build>/pglite-template`;
// - `v8-flags.js`, which main.js loads before the bundle: one module, so one state (whether the
//   heap is tuned, which V8's code cache must know).
const KEEP_AS_FILES = ['database/pglite-template.js', 'v8-flags.js'];

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

// A bundled dependency's __dirname or `new URL(…, import.meta.url)` would now point beside
// service.cjs, and would fail only when that code runs. Checked on the bundle (but for its
// banner), at build time; the modules that mention them are noted while loading, to name them.
const PROBLEMS = [
  [/\b__(dirname|filename)\b/, '__dirname or __filename'],
  [/new URL\([^)]*(import\.meta\.url|__importMetaUrl)/, 'new URL(…, import.meta.url)'],
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
      const ascii = asciiRegExps(source, args.path);
      return ascii === source ? undefined : { contents: ascii, loader: 'js' };
    });
  },
};

// V8 keeps the source of a script in memory, as one string: in one byte per character if every
// character fits, else in two. esbuild writes ASCII (`\uXXXX` escapes) but for regular expression
// literals, which it leaves as written; validator.js (class-validator's) has 77 with Cyrillic,
// Greek, Arabic… letters, which made the 5.4 MiB bundle an 11 MiB string, resident for the
// life of the process. Written with escapes, which mean the same in a pattern (a UTF-16 code unit
// each; a surrogate pair of escapes is one code point with the `u` flag), it is 5.4 MiB. Only
// the files that have such characters are parsed (TypeScript's parser, a dev dependency already).
function asciiRegExps(source, path) {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(source)) return source;
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const edits = [];
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const start = node.getStart(file);
      const text = source.slice(start, node.getEnd());
      const escaped = text.replace(
        // eslint-disable-next-line no-control-regex
        /[^\x00-\x7f]/g,
        (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      if (escaped !== text) edits.push([start, node.getEnd(), escaped]);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let result = source;
  for (const [start, end, text] of edits.reverse()) {
    result = result.slice(0, start) + text + result.slice(end);
  }
  return result;
}

// keepNames (above) names every function through esbuild's `__name` helper, which defines its
// `name` property: once for a module's own functions and classes, but at every call for the
// functions made inside a function (Nest's per-request closures, say). Defining `name` on a fresh
// closure turns it into a dictionary-mode object, a map change V8 logs about ten times per REST
// GET. Those names are the ones V8 infers anyway (esbuild renames top-level names only), so the
// `__name` calls inside functions are blanked out after the build, to spaces of the same length,
// which keeps the source map exact; a class made inside a function keeps its `__name` (Swagger
// names schemas by class). The bodies of esbuild's module wrappers (`__commonJS`, `__esm`) are
// module level: they run once. There, only `__name(f, "f")` of a function declared under that very
// name is blanked (renamed ones, `ProfileService2`, keep theirs): see `visit`.
function unnameFunctions(code, file) {
  const blanks = [];
  const isFunction = (node) =>
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node);
  let moduleLevel = 0;
  const declaredIn = (block) =>
    new Set(block.statements.filter(ts.isFunctionDeclaration).flatMap((d) => d.name?.text ?? []));
  const declaredFunctions = (fn) =>
    fn.body !== undefined && ts.isBlock(fn.body) ? declaredIn(fn.body) : new Set();
  // At module level (the file's top, or a module wrapper's body), `__name(f, "f")` of a function
  // declared there under that very name: V8 names it so already, and the helper's redefined `name`
  // only costs (a function whose `name` was redefined is bound per call on a slow path that gives
  // each bound function a map of its own: Express's `logerror.bind(this)` in every call).
  const visit = (node, inner, moduleScope) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const callee = node.expression.text;
      if ((callee === '__commonJS' || callee === '__esm') && node.arguments.length > 0) {
        const [modules, ...rest] = node.arguments;
        if (ts.isObjectLiteralExpression(modules)) {
          for (const property of modules.properties) {
            const body = ts.isMethodDeclaration(property)
              ? property.body
              : ts.isPropertyAssignment(property) && isFunction(property.initializer)
                ? property.initializer.body
                : undefined;
            if (body !== undefined) visit(body, undefined, declaredIn(body));
            else visit(property, inner, moduleScope);
          }
          for (const argument of rest) visit(argument, inner, moduleScope);
          return;
        }
      }
      if (callee === '__name' && node.arguments.length === 2) {
        const [target, name] = node.arguments;
        const unnamed =
          ts.isStringLiteral(name) &&
          (inner !== undefined
            ? ts.isFunctionExpression(target) ||
              ts.isArrowFunction(target) ||
              (ts.isIdentifier(target) && inner.has(target.text))
            : ts.isIdentifier(target) &&
              name.text === target.text &&
              moduleScope?.has(target.text) === true &&
              ts.isExpressionStatement(node.parent));
        if (unnamed) {
          const statement =
            ts.isExpressionStatement(node.parent) &&
            (ts.isBlock(node.parent.parent) || ts.isSourceFile(node.parent.parent));
          // `__name` becomes spaces (a `;` first where it starts a statement, against ASI), its
          // second argument too: `(target)`, of the same length.
          blanks.push([node.expression.getStart(file), node.expression.end, statement ? ';' : '']);
          blanks.push([target.end, node.end - 1, '']);
          if (inner === undefined) moduleLevel++;
          visit(target, inner, moduleScope);
          return;
        }
      }
    }
    if (isFunction(node)) {
      ts.forEachChild(node, (child) => visit(child, declaredFunctions(node), undefined));
      return;
    }
    ts.forEachChild(node, (child) => visit(child, inner, moduleScope));
  };
  file.forEachChild((child) => visit(child, undefined, declaredIn(file)));
  const chars = code.split('');
  for (const [start, end, first] of blanks) {
    for (let i = start; i < end; i++) chars[i] = i === start && first !== '' ? first : ' ';
  }
  return { code: chars.join(''), unnamed: blanks.length / 2 - moduleLevel, moduleLevel };
}

// Strict, as the ES modules it is mostly made of (and as the ES module bundle was): the directive
// must come first, before anything esbuild or this banner writes. Then `import.meta.url` of the
// bundled ES modules: the bundle's own URL.
const BANNER =
  '"use strict";const __importMetaUrl=require("node:url").pathToFileURL(__filename).href;';

/** Where the bundle calls `import(…)` (not in strings: `Function("… import(x)")` is not cached). */
function dynamicImports(file) {
  const found = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      found.push(node.getStart(file));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { 'import.meta.url': '__importMetaUrl' },
  supported: { 'dynamic-import': false },
  // Nest names providers and logs by class names, @nestjs/swagger names schemas by them: keep
  // them when esbuild renames clashing top-level names (`ProfileService2`). It costs: every
  // function esbuild emits is named through a helper, the closures made per call too, 3.7% of a
  // GET's instructions (docs/performance.md, "Now: one bundled file").
  keepNames: true,
  // Without white space and with shorter syntax (names are kept): a smaller source that V8 holds
  // in memory, 5.4 MiB against 8.1 (peak RSS under load +3-6 MB over the unbundled build, against
  // +13-15 MB unminified). Stack traces map back through service.cjs.map (node --enable-source-maps).
  minifyWhitespace: true,
  minifySyntax: true,
  external: EXTERNAL,
  plugins: [keepAsFiles, missingPackages, noteMentions],
  banner: { js: BANNER },
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

const built = readFileSync(outfile, 'utf8');
const parsed = ts.createSourceFile(
  'service.cjs',
  built,
  ts.ScriptTarget.Latest,
  true,
  ts.ScriptKind.JS,
);
const { code, unnamed, moduleLevel } = unnameFunctions(built, parsed);
writeFileSync(outfile, code);
rmSync(codeCacheDir, { recursive: true, force: true });
const body = code.startsWith(BANNER) ? code.slice(BANNER.length) : code;
const found = PROBLEMS.filter(([pattern]) => pattern.test(body));
for (const [, what] of found) {
  console.error(
    `bundle: ${what} in the bundle, from one of: ${mentions.get(what).join(', ')}; ` +
      'add its package to EXTERNAL',
  );
}
// A dynamic `import()` fails in code that V8 took from its code cache (Node has then lost the
// callback that loads the module): the build turns them into require() (`supported` above).
const imports = dynamicImports(parsed);
for (const at of imports) {
  console.error(
    `bundle: a dynamic import() in the bundle, at ${JSON.stringify(built.slice(at - 60, at + 40))}`,
  );
}
if (found.length > 0 || imports.length > 0) process.exit(1);

// One byte per character in memory (see asciiRegExps): anything esbuild did not escape fails.
// eslint-disable-next-line no-control-regex
const nonAscii = /[^\x00-\x7f]/.exec(code);
if (nonAscii !== null) {
  const around = code.slice(Math.max(0, nonAscii.index - 60), nonAscii.index + 20);
  console.error(
    `bundle: a character that is not ASCII in the bundle, in ${JSON.stringify(around)}: V8 would ` +
      'hold the whole source in two bytes per character; escape it (asciiRegExps)',
  );
  process.exit(1);
}

const inputs = Object.keys(result.metafile.inputs).length;
const bytes = result.metafile.outputs[relative(process.cwd(), outfile)]?.bytes ?? code.length;
console.log(
  `bundle: ${relative(process.cwd(), outfile)}, ${inputs} modules in one file, ${(bytes / 2 ** 20).toFixed(1)} MiB; ${unnamed} functions made inside functions and ${moduleLevel} module-level functions of the same name left to V8's names`,
);
