import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A compiled `WebAssembly.Module`: opaque here, handed to PGlite as it is. */
export type WasmModule = object;
// Node's global; the TypeScript libs this project compiles with (no DOM) do not declare it.
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };

/**
 * PGlite's WebAssembly module (PostgreSQL, 9 MB), compiled once per process. PGlite reads and
 * compiles it itself when it starts, which puts the compile (~70 ms of wall time here, on V8's
 * background threads) on the start's critical path after the application has loaded. Started
 * early instead (server.ts, before it imports the application, on the embedded database only),
 * the read and the compile run beside the module loading, on the other core; PGlite is then given
 * the module (its `pgliteWasmModule` option) and only instantiates it
 * (docs/performance.md, "Embedded database: start and memory").
 */
let compiling: Promise<WasmModule | undefined> | undefined;

/**
 * The compiled module, or undefined when it could not be read or compiled: PGlite then loads it
 * itself, as without this, and reports its own error if it fails there too.
 */
export function compilePgliteWasm(): Promise<WasmModule | undefined> {
  compiling ??= (async () => {
    try {
      // Read at once (~10 ms): fs/promises reads in 512 KiB chunks, each needing a turn of the
      // event loop, which the module loading does not give for ~1 s; the compile is then late.
      return await WebAssembly.compile(readFileSync(pgliteWasmPath()));
    } catch {
      return undefined;
    }
  })();
  return compiling;
}

/** `pglite.wasm` beside the package's entry point (`<package>/dist/index.cjs`). */
export function pgliteWasmPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@electric-sql/pglite')), 'pglite.wasm');
}
