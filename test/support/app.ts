import { type NestExpressApplication } from '@nestjs/platform-express';
import { createServer } from 'node:net';
import { createApp, startApp } from '../../src/app.factory.js';
import { type AppConfig, type AuthConfig, type DatabaseConfig } from '../../src/config/config.js';
import { createTestDatabase, serverUrl, type TestDatabase } from './database.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { startTestIssuer, type TestIssuer } from './jwt-issuer.js';
import { LogCapture } from './logs.js';
import { freshSubject } from './profile.js';

export const RESOURCE_OWNER_CLAIM = 'urn:zitadel:iam:user:resourceowner:id';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  issuer: TestIssuer;
  database: TestDatabase;
  /** http://127.0.0.1:<port> of the listening app (REST, gRPC-web). */
  baseUrl: string;
  /** host:port of its gRPC server. */
  grpcTarget: string;
  /** Every line the app logged (nothing reaches the test's output unless TEST_LOGS=1). */
  logs: LogCapture;
  /** A fresh subject and a token for it, so that tests do not share profiles. */
  subject(label: string, claims?: Record<string, unknown>): Promise<{ sub: string; token: string }>;
  close(): Promise<void>;
}

/**
 * The real application, listening on 127.0.0.1 with an ephemeral port, verifying tokens of a
 * test identity provider whose JWKS is served on 127.0.0.1, on a fresh database.
 */
export async function startTestApp(
  overrides: {
    auth?: (issuer: TestIssuer) => Partial<AuthConfig>;
    database?: (database: TestDatabase) => DatabaseConfig;
    /** Other settings (rate limit, shutdown timeout…). */
    settings?: Partial<Pick<AppConfig, 'rateLimitPerMinute' | 'shutdownTimeoutMs' | 'logLevel'>>;
  } = {},
): Promise<TestApp> {
  const issuer = await startTestIssuer({ audience: 'profile-service' });
  const database = await createTestDatabase();
  const auth = {
    mode: 'jwks',
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: issuer.audience,
    resourceOwnerClaim: RESOURCE_OWNER_CLAIM,
    defaultResourceOwner: 'default-org',
    ...overrides.auth?.(issuer),
  } as AuthConfig;
  const config: AppConfig = {
    production: true,
    port: 0,
    grpcPort: await freePort(),
    dataDir: database.dataDir,
    database: overrides.database?.(database) ?? database.config,
    auth,
    shutdownTimeoutMs: 10_000,
    rateLimitPerMinute: 0,
    logLevel: 'info',
    ...overrides.settings,
  };
  // The log is kept in memory, for the tests that read it; TEST_LOGS=1 also shows it. Call lines
  // are the app's own; lines written through Nest's Logger (and grpc-js's) go to the app started
  // last in the test file, Nest and grpc-js having one logger per process.
  const logs = new LogCapture();
  const app = await createApp(config, { logDestination: logs });
  const port = await startApp(app, config, '127.0.0.1');
  return {
    app,
    config,
    issuer,
    database,
    baseUrl: `http://127.0.0.1:${port}`,
    grpcTarget: `127.0.0.1:${config.grpcPort}`,
    logs,
    subject: async (label, claims = {}) => {
      const sub = freshSubject(label);
      return { sub, token: await issuer.mint(sub, { claims }) };
    },
    close: async () => {
      await app.close();
      await issuer.close();
      await database.drop();
    },
  };
}

/** A port that was free a moment ago (grpc-js under Nest does not report the port it bound). */
export async function freePort(): Promise<number> {
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

/**
 * The app on a database server reached through a TCP proxy the test controls (cut, black hole,
 * latency: see tcp-proxy.ts), with the database timeouts given. Needs TEST_DATABASE_URL.
 */
export async function startProxiedTestApp(
  timeouts: { connectTimeoutMs: number; queryTimeoutMs: number },
  overrides: Omit<Parameters<typeof startTestApp>[0] & object, 'database'> = {},
): Promise<{ app: TestApp; proxy: TcpProxy; close(): Promise<void> }> {
  const url = serverUrl();
  if (url === undefined) throw new Error('a database server is needed (TEST_DATABASE_URL)');
  const server = new URL(url);
  const proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
  const app = await startTestApp({
    ...overrides,
    database: (db) => {
      const proxied = new URL((db.config as { url: string }).url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      return { kind: 'postgres', url: proxied.toString(), ...timeouts };
    },
  });
  return {
    app,
    proxy,
    close: async () => {
      await proxy.restore();
      await app.close();
      await proxy.close();
    },
  };
}
