import { type PGliteOptions } from '@electric-sql/pglite';

/**
 * PostgreSQL settings of the embedded database, given on its command line so that they apply to
 * a data folder made by any version. shared_buffers: initdb writes 128MB into postgresql.conf,
 * and PGlite's WebAssembly memory holds all of it once touched (~120 MB of resident memory); the
 * service's tables are small, and their files stay in the OS page cache besides
 * (docs/performance.md, "Embedded database: start and memory").
 */
export const PGLITE_SETTINGS: readonly string[] = ['shared_buffers=16MB'];

/** PGlite's own start parameters (single-user mode, fsync off, …), then PGLITE_SETTINGS. */
export function pgliteOptions(defaultStartParams: readonly string[]): PGliteOptions {
  return {
    startParams: [...defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])],
  };
}

/** Runs initdb in `pgdata` through PGlite itself, with the service's settings, then closes it. */
export async function initialisePglite(pgdata: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(pgdata, pgliteOptions(PGlite.defaultStartParams));
  await db.waitReady;
  await db.close();
}
