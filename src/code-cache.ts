// Runs the bundled service (dist/service.cjs, scripts/bundle.mjs) through V8's code cache.
//
// Compiling is a large part of a start: the bundle's 5.4 MiB are parsed, and each function is
// compiled to bytecode the first time it runs (Nest's and TypeORM's start run thousands). V8 can
// save the bytecode of every function compiled so far (`vm.Script#createCachedData`) and take it
// back at the next compile of the same source, if made by the same V8 with the same flags. So a
// process compiles the bundle with the cache when there is one, and once the service is up writes
// one when there was none: from the second start on, a (re)start skips that work
// (docs/performance.md, "Now: V8's code cache"). Node's own compile cache (`module.enableCompileCache`, Node
// 22 and later) saves the cache right after the top-level compile, before any function has run,
// so it holds little of it (measured: no faster); and Node 20 has none.
//
// One file per bundle, Node version and command line, in `code-cache/` beside the bundle, written
// whole (a temporary file renamed) so that a reader never sees half of one. V8 itself checks the
// version, the flags and the length of the source: the name also holds a hash of the bundle's
// bytes, so that a bundle of the same length is never run with the bytecode of another. A folder
// that cannot be written (a read-only image) only means no cache.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { withDefaultHeapStep } from './v8-flags.js';

export type CodeCacheStatus =
  /** Compiled from the cache. */
  | 'used'
  /** Not looked for: source maps are on (`--enable-source-maps`), see runBundle. */
  | 'off'
  /** None for this bundle, Node and command line yet. */
  | 'missing'
  /** V8 refused it: made by another V8 or with other flags than now (it is written again). */
  | 'rejected';

export interface CodeCache {
  readonly status: CodeCacheStatus;
  /** The cache file, used or to be written (the bundle itself when 'off'). */
  readonly file: string;
  /**
   * Once the service is up: writes the cache unless it was used (once). Says what happened, for
   * the log; never throws (a cache that cannot be written costs only time).
   */
  settle(): string;
}

/** The folder of the caches, beside the bundle. */
export const CODE_CACHE_DIR = 'code-cache';

/**
 * Compiles and runs the CommonJS bundle `file` (a module of the service's start, with its own
 * `require` from its folder) and returns its exports, with the cache's state.
 */
export function runBundle(file: string): { exports: unknown; codeCache: CodeCache } {
  if (process.sourceMapsEnabled) {
    // Node maps stack traces through a source map only for the modules it loads itself, not for a
    // vm.Script: with --enable-source-maps (debugging), the bundle is required as it is.
    const reason = 'off (--enable-source-maps: Node maps stack traces of the modules it loads)';
    return {
      exports: createRequire(file)(file) as unknown,
      codeCache: { status: 'off', file, settle: () => reason },
    };
  }
  const bytes = readFileSync(file);
  const cacheFile = join(dirname(file), CODE_CACHE_DIR, cacheName(bytes));
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // CommonJS's wrapper, on the bundle's first line: the offset keeps its columns (and source map)
  // as they are in the file.
  const prefix = '(function (exports, require, module, __filename, __dirname) { ';
  // The bundle is ASCII (scripts/bundle.mjs checks it): one byte per character for V8 too.
  const source = `${prefix}${bytes.toString('latin1')}\n})`;
  const script = withDefaultHeapStep(
    () => new Script(source, { filename: file, columnOffset: -prefix.length, cachedData }),
  );
  const status: CodeCacheStatus =
    cachedData === undefined ? 'missing' : script.cachedDataRejected === true ? 'rejected' : 'used';
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  let settled: string | undefined;
  return {
    exports: module.exports,
    codeCache: {
      status,
      file: cacheFile,
      settle: () => (settled ??= status === 'used' ? `used ${cacheFile}` : save(script, cacheFile)),
    },
  };
}

function save(script: Script, cacheFile: string): string {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    // With V8's flags as the bundle is compiled: V8 checks them.
    const data = withDefaultHeapStep(() => script.createCachedData());
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, cacheFile);
    return `written ${cacheFile} (${(data.length / 2 ** 20).toFixed(1)} MiB)`;
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // No folder to remove it from.
    }
    return `not written (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * `<node version>-<arch>-<hash>.bin`, the hash of the bundle's bytes and of the command line's
 * options (V8's flags among them; V8 refuses a cache made with other flags).
 */
export function cacheName(bundle: Buffer, execArgv: readonly string[] = process.execArgv): string {
  const hash = createHash('sha256').update(bundle).update(JSON.stringify(execArgv));
  return `${process.version}-${process.arch}-${hash.digest('hex').slice(0, 32)}.bin`;
}
