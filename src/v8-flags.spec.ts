import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// src/v8-flags.ts sets V8 flags at run time with v8.setFlagsFromString, which V8 does not promise
// to keep: a flag it no longer knows only prints "unrecognized flag" on stderr, and the lever is
// gone without a failure. These tests run on the Node that runs the suite (CI: 20 and 24).

const source = readFileSync(new URL('./v8-flags.ts', import.meta.url), 'utf8');
const flags = [...source.matchAll(/setFlagsFromString\('([^']+)'\)/g)].map((match) => match[1]);

/** Runs `script` in a fresh Node with `nodeArgs`; its stdout and stderr. */
function node(nodeArgs: string[], script: string): { stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [...nodeArgs, '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (run.status !== 0) throw new Error(`node exited ${String(run.status)}: ${run.stderr}`);
  return { stdout: run.stdout, stderr: run.stderr };
}

describe('the V8 flags the service sets at run time', () => {
  it('are the ones docs/performance.md measures', () => {
    expect(flags).toEqual([
      '--liftoff-only',
      '--no-allocation-site-pretenuring',
      '--heap-growing-percent=40',
      // V8's default, for the moment the code cache is made or read (withDefaultHeapStep).
      '--heap-growing-percent=0',
    ]);
  });

  it('are all known to this V8', () => {
    const set = flags.map((flag) => `v8.setFlagsFromString(${JSON.stringify(flag)});`).join('');
    const { stderr } = node([], `const v8 = require('node:v8');${set}`);
    expect(stderr).not.toMatch(/unrecognized flag/i);
  });

  // A literal whose objects all survive is what V8 pretenures (allocates in the old generation
  // from then on); with the flag set at run time, before the literal runs, it must not.
  const survivors =
    'function make(i) { return { i }; } const kept = []; for (let i = 0; i < 3e6; i++) kept.push(make(i));';
  // Small semi-spaces: many young collections, so V8 takes its decision well before the end
  // whatever the machine's load (with Node 24's larger default it sometimes got only as far as
  // "maybe tenure").
  const trace = [
    '--trace-pretenuring',
    '--trace-pretenuring-statistics',
    '--max-semi-space-size=1',
  ];
  const decided = /=> (maybe )?tenure/;

  it('include no allocation-site pretenuring, honoured when set at run time', () => {
    // The control: without the flag this V8 pretenures that literal (and its trace says so), so
    // the check below cannot pass merely because nothing is printed.
    expect(node(trace, survivors).stdout).toMatch(decided);
    const off = node(
      trace,
      `require('node:v8').setFlagsFromString('--no-allocation-site-pretenuring');${survivors}`,
    );
    expect(off.stdout).not.toMatch(decided);
  });
});
