// V8 settings of the service, set at run time (the heap size limits cannot be; these can).
//
// Imported first by main.ts, so that it runs before the rest of the application is loaded:
// WebAssembly (the embedded database, PGlite: 8.7 MB of it) is compiled by Liftoff, V8's baseline
// compiler, and stays so: without --liftoff-only, V8 recompiles with TurboFan the functions that
// PostgreSQL runs while it boots, which cost ~1 s of CPU and 40-80 MiB of resident memory at each
// start, for 10-20% less CPU per request on the embedded database under load (docs/performance.md,
// "Embedded database: start and memory"; PostgreSQL, the production database, is not affected).
// It is read when a module is compiled, before PGlite loads. No other WebAssembly runs in the
// service but undici's HTTP parser (fetch of a JWKS), which is small. Node 20's V8 honours it set
// here; Node 24's reads it only when it starts, so `npm run start:prod` and the image also pass it
// on the command line (with --max-semi-space-size=16, Node 20's own young generation).

import v8 from 'node:v8';

v8.setFlagsFromString('--liftoff-only');

// No allocation-site pretenuring. V8 counts, per object or array literal in the code, how many of
// its objects survive a young-generation collection; past 85% it allocates that literal's objects
// in the old generation from then on, and never goes back. In a server that decision is taken
// against it: a literal that a request makes (Nest's route handler passes its guards
// `[req, res, next]`) can be seen alive in the calls in flight at one collection, is then
// allocated old, and each of those old arrays keeps its request's objects (req, res, their
// headers, the call's closures) alive through every young collection until the next full one.
// Measured on PostgreSQL, 6 s of GET at 16 connections (`--trace-gc-nvp`): 11.7 KB of each call
// promoted to the old generation and a full collection every 0.5 s; without pretenuring 0.02-0.15
// KB, none or one full collection in 6 s, and 22% less CPU per GET (docs/performance.md,
// "Pretenuring"). Set before anything is allocated, so that no decision is ever taken; Node 20 and
// Node 24 both honour it set here (src/v8-flags.spec.ts checks it).
v8.setFlagsFromString('--no-allocation-site-pretenuring');

// On PostgreSQL the step is set here, before anything is allocated: set only at bootstrap, the old
// generation's limit is the one computed with the default step during the start (up to 4x the
// live heap), and the first load ran the process to 245 MiB before a full collection brought it
// back (2 of 4 rounds of the side-by-side bench). On the embedded database, whose start allocates
// most (PGlite's memory), the start's CPU matters more: it waits for the bootstrap (HeapTuning).
let heapTuned = false;
if ((process.env.DATABASE_URL ?? '').trim() !== '') tuneHeapForLoad();

/**
 * Once the application is up (LifecycleModule calls this at bootstrap). V8 lets the old generation
 * grow up to 4x between full collections when it has room, so under load a service with ~40 MiB
 * of live objects reached 300 MiB resident, mostly garbage waiting for a collection. A growth step
 * of 1.4x keeps the peak under 200 MiB at no measurable cost in throughput (docs/performance.md,
 * "What each lever gave"). It is a heuristic read at each collection; set from the first line, it made the
 * start's heap grow in small steps, each a full collection: 10-20% of the CPU of a start.
 */
export function tuneHeapForLoad(): void {
  // Idempotent: it sets the same value again.
  v8.setFlagsFromString('--heap-growing-percent=40');
  heapTuned = true;
}

/**
 * Runs `work` with the heap's growth step at V8's default, then tunes it again if it was tuned:
 * for V8's code cache (src/code-cache.ts), whose check includes V8's flags. The step is set at load
 * on PostgreSQL but at bootstrap on the embedded database; the bundle is compiled (at load) and its
 * cache made (once the service is up) with the default step, so that one cache serves both
 * databases. For that moment only: the step is read by the garbage collector. The bundle shares
 * this module with main.ts (scripts/bundle.mjs keeps it a file of its own), and so its state.
 */
export function withDefaultHeapStep<T>(work: () => T): T {
  if (!heapTuned) return work();
  v8.setFlagsFromString('--heap-growing-percent=0');
  try {
    return work();
  } finally {
    tuneHeapForLoad();
  }
}
