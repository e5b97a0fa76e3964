// What the scripts of bench/ share: running the built service as a child process in development
// mode, tokens of its development key, bounded keep-alive REST calls, the profile they write and
// the gRPC client of zitadel.auth.v1.AuthService (grpc-js with proto-loader, as any client would).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROFILE = '/auth/v1/users/me/profile';
export const REQUEST_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 30_000;

// A script that fails half-way must not leave services running: they are killed when it exits.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** A full UpdateMyProfileRequest whose names carry `tag`, so each tag is a real change. */
export function profileFields(tag) {
  return {
    firstName: `First ${tag}`,
    lastName: 'Bench',
    nickName: 'bench',
    displayName: `Bench ${tag}`,
    preferredLanguage: 'en',
    gender: 'GENDER_DIVERSE',
  };
}

/** The AuthService client class of grpc-js, from the project's `.proto` files (dist/proto after a build). */
export async function authServiceClient() {
  const grpc = await import('@grpc/grpc-js');
  const loader = await import('@grpc/proto-loader');
  const protoDir = existsSync(join(ROOT, 'dist', 'proto', 'zitadel', 'auth.proto'))
    ? join(ROOT, 'dist', 'proto')
    : join(ROOT, 'proto');
  const definition = loader.loadSync(join(protoDir, 'zitadel', 'auth.proto'), {
    includeDirs: [protoDir],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return { grpc, AuthService: grpc.loadPackageDefinition(definition).zitadel.auth.v1.AuthService };
}

/** Tokens for `count` fresh subjects, signed with the development key kept in `dataDir`. */
export async function mintTokens(dataDir, count, prefix) {
  const { loadOrCreateDevKey, mintDevToken } = await import(join(ROOT, 'dist/auth/dev-keys.js'));
  const key = loadOrCreateDevKey(dataDir);
  return Array.from({ length: count }, (_, i) =>
    mintDevToken(key, {
      subject: `${prefix}-${i}`,
      ttlSeconds: 3600,
      resourceOwnerClaim: 'unused',
    }),
  );
}

/** One REST call on a keep-alive agent; resolves with the HTTP status, the body discarded. */
export function request(agent, port, method, path, token, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts `node [nodeArgs] dist/main.js` in development mode (its key in `dataDir`) on free ports,
 * on `databaseUrl` or the embedded database, its output in `logPath`; resolves once /readyz is 200.
 */
export async function startInstance({ dataDir, databaseUrl, logPath, nodeArgs = [] }) {
  const port = await freePort();
  let grpcPort = await freePort();
  while (grpcPort === port) grpcPort = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    GRPC_PORT: String(grpcPort),
    DATA_DIR: dataDir,
  };
  for (const name of Object.keys(env)) if (name.startsWith('AUTH_')) delete env[name];
  delete env.DATABASE_URL;
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;

  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logPath);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  running.add(child);
  child.on('exit', () => {
    exited = true;
    running.delete(child);
  });

  const probe = new http.Agent({ keepAlive: false });
  const readyBy = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`the service exited while starting; log: ${logPath}`);
    if (Date.now() > readyBy) {
      child.kill('SIGKILL');
      throw new Error(`the service was not ready within ${READY_TIMEOUT_MS / 1000} s`);
    }
    try {
      if ((await request(probe, port, 'GET', '/readyz')) === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    port,
    grpcPort,
    child,
    /** SIGTERM (SIGKILL after 20 s); resolves with the exit code once the process has ended. */
    async stop() {
      if (!exited) {
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.kill('SIGTERM');
        await once(child, 'exit');
        clearTimeout(killer);
      }
      return child.exitCode;
    },
  };
}

/**
 * `conns` loops, each sending its next call as soon as the last is answered, for `seconds`.
 * `call(i)` resolves with an outcome; `ok` is the successful one.
 */
export async function drive({ conns, seconds, call, ok, first = 0 }) {
  const started = Date.now();
  const end = started + seconds * 1000;
  let next = first;
  let done = 0;
  const failures = new Map();
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (Date.now() < end) {
        const outcome = await call(next++).catch((error) => error.message);
        if (outcome === ok) done++;
        else failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
      }
    }),
  );
  const ended = Date.now();
  const failed = [...failures.values()].reduce((a, b) => a + b, 0);
  return { started, ended, done, failed, failures };
}

export function describeFailures({ failed, failures }) {
  return failed === 0 ? '' : ` (${[...failures].map(([k, v]) => `${k}: ${v}`).join(', ')})`;
}
