// The built service as a separate process, for what only a process shows: signals, exit codes,
// the bundle. It is built as `npm run build` builds dist/ (tsc, then scripts/bundle.mjs) into a
// folder of its own below the repository (so that node_modules resolves), once per test file,
// never into dist/ (which CI, the benchmark and the container use).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServiceBuild {
  /** The entry point, `<dir>/main.js`. */
  main: string;
  remove(): void;
}

/**
 * Compiles src/ (tsc with the build settings) into `.test-data/build-*` and bundles its main.js as
 * `npm run build` does; at most 3 minutes for tsc and 1 for the bundle.
 */
export async function buildService(): Promise<ServiceBuild> {
  mkdirSync(join(ROOT, '.test-data'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.test-data', 'build-'));
  const run = promisify(execFile);
  await run(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dir],
    { cwd: ROOT, timeout: 180_000 },
  );
  await run(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), dir], {
    cwd: ROOT,
    timeout: 60_000,
  });
  return {
    main: join(dir, 'main.js'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it wrote so far. */
  output(): string;
  /** Resolves with the exit code (or the signal) and how long after `since` it came. */
  exited(
    since?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  kill(): void;
}

/** Starts `node <main>` with exactly `env` (plus PATH), and waits until GET `readyUrl` is 200. */
export async function startService(
  main: string,
  env: Record<string, string>,
  readyUrl: string,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited at start:\n${output}`);
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service was not ready within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    output: () => output,
    exited: async (since = Date.now()) => {
      const { code, signal, at } = await exit;
      return { code, signal, ms: at - since };
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
