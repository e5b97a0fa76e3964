// The entry point, `node dist/main.js`: V8's flags first (src/v8-flags.ts), then the service
// (src/server.ts), from the bundle that `npm run build` makes of it (dist/service.cjs) compiled
// through V8's code cache (src/code-cache.ts). Kept small and out of the bundle: it runs before
// the bundle is compiled.
import './v8-flags.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CodeCache, runBundle } from './code-cache.js';

interface Service {
  run(codeCache?: CodeCache): Promise<void>;
}

const bundle = fileURLToPath(new URL('./service.cjs', import.meta.url));
if (existsSync(bundle)) {
  const { exports, codeCache } = runBundle(bundle);
  await (exports as Service).run(codeCache);
} else {
  // Compiled but not bundled (`nest build` alone): the modules as tsc wrote them.
  const { run } = await import('./server.js');
  await run();
}
