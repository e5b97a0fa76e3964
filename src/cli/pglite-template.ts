// Makes the pre-initialised embedded database that a first start copies into DATA_DIR (see
// src/database/pglite-template.ts): `node dist/cli/pglite-template.js [folder]`, run by
// `npm run build` (and so by `npm start`); the folder defaults to dist/pglite-template.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { initialisePglite } from '../database/pglite-settings.js';
import { defaultTemplateDir, writeTemplate } from '../database/pglite-template.js';

async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? defaultTemplateDir());
  const started = performance.now();
  const manifest = await writeTemplate(target, initialisePglite);
  console.log(
    `embedded database template: ${target} (PGlite ${manifest.pglite}, ${manifest.files} files, ` +
      `${(manifest.bytes / 1048576).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`,
  );
}

main().catch((error: unknown) => {
  console.error('cannot make the embedded database template:', error);
  process.exit(1);
});
