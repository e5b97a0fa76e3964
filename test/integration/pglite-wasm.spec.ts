// PGlite's WebAssembly, compiled once per process before PGlite starts (src/database/pglite-wasm.ts):
// it must be the module PGlite ships, compiled once, and one PGlite accepts in place of its own.
import { existsSync, statSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { compilePgliteWasm, pgliteWasmPath } from '../../src/database/pglite-wasm.js';
import { pgliteOptions } from '../../src/database/pglite-settings.js';

describe("PGlite's WebAssembly, compiled early", () => {
  it("is PGlite's own pglite.wasm, beside its entry point", () => {
    const path = pgliteWasmPath();
    expect(path).toMatch(/node_modules\/@electric-sql\/pglite\/dist\/pglite\.wasm$/);
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).size).toBeGreaterThan(1_000_000);
  });

  it('is compiled once, and a PGlite given it runs PostgreSQL', async () => {
    const compiled = await compilePgliteWasm();
    // A WebAssembly.Module (of the process's realm, not the test's: compare by tag).
    expect(Object.prototype.toString.call(compiled)).toBe('[object WebAssembly.Module]');
    await expect(compilePgliteWasm()).resolves.toBe(compiled);
    const db = new PGlite('memory://', {
      ...pgliteOptions(PGlite.defaultStartParams),
      pgliteWasmModule: compiled,
    });
    try {
      const { rows } = await db.query<{ setting: string }>(
        "SELECT current_setting('shared_buffers') AS setting",
      );
      expect(rows).toEqual([{ setting: '16MB' }]);
    } finally {
      await db.close();
    }
  }, 60_000);
});
