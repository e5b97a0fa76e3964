// Imported first by main.ts, so that it runs before the rest of the application is loaded.
//
// V8 lets the old generation grow up to 4x between full collections when it has room, so under
// load a service with ~40 MiB of live objects reached 300 MiB resident, mostly garbage waiting for
// a collection. A growth step of 1.4x keeps the peak under 200 MiB at no measurable cost in
// throughput (docs/performance.md, "Memory"). It is a V8 heuristic read at each collection, so it
// can be set at run time (the heap size limits cannot).
import v8 from 'node:v8';

v8.setFlagsFromString('--heap-growing-percent=40');
