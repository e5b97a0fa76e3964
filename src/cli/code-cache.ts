// Makes V8's code cache of the bundle for `npm run start:prod`'s command line (src/code-cache.ts),
// so that its first start already has it and an image, whose dist/ the service cannot write, has
// one at all: `node dist/cli/code-cache.js`, run by `npm run build` after the template. It starts
// the service as start:prod does (the same Node options: they are part of V8's check), on the
// embedded database in a temporary DATA_DIR, waits for the line that says the cache was written,
// and stops it. Other command lines (`node dist/main.js`) get theirs at their first start.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The entry point beside this CLI's folder, and the project's package.json above the build. */
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Longest wait for the service to start and write the cache, then to stop. */
const TIMEOUT_MS = 60_000;

/** The Node options of start:prod (`node <options> dist/main.js`). */
function startProdOptions(script: string | undefined): string[] {
  const words = (script ?? '').trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js') {
    throw new Error(`start:prod is not \`node [options] dist/main.js\`: ${String(script)}`);
  }
  return words.slice(1, -1);
}

async function main(): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const options = startProdOptions(pkg.scripts?.['start:prod']);
  const dataDir = mkdtempSync(join(tmpdir(), 'profile-service-code-cache-'));
  try {
    const child = spawn(process.execPath, [...options, MAIN], {
      cwd: ROOT,
      // Development mode, whatever the build's environment says (production without AUTH_*
      // settings would refuse to start): the start runs nearly the same code either way.
      env: {
        ...Object.fromEntries(
          Object.entries(process.env).filter(([name]) => !name.startsWith('AUTH_')),
        ),
        NODE_ENV: 'development',
        DATABASE_URL: '',
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        GRPC_PORT: String(await freePort()),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const said = (await codeCacheLine(child)).slice('V8 code cache: '.length);
      if (!/^(written|used) /.test(said)) throw new Error(said);
      console.log(`code cache for \`node ${options.join(' ')} dist/main.js\`: ${said}`);
    } finally {
      child.kill('SIGTERM');
      await exit(child);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The message of the service's `V8 code cache: …` log line. */
function codeCacheLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('no code cache line in time')), TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output
        .split('\n')
        .map((text) => {
          try {
            return (JSON.parse(text) as { msg?: unknown }).msg;
          } catch {
            return undefined;
          }
        })
        .find((msg) => typeof msg === 'string' && msg.startsWith('V8 code cache: '));
      if (typeof line === 'string') {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the service ended (${String(code ?? signal)}) before its code cache line`));
    });
  });
}

function exit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

main().catch((error: unknown) => {
  console.error(
    'cannot make the code cache:',
    error instanceof Error ? error.message : String(error),
  );
  process.exit(1);
});
