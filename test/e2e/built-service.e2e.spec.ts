// The service as `npm run build` makes it: one bundled dist/service.cjs (scripts/bundle.mjs) that
// dist/main.js runs through V8's code cache (src/code-cache.ts), as its own process. The other tests run the sources; this one shows that the bundle serves the
// same thing on every transport, including what comes from the packages it leaves in
// node_modules (grpc-js, gRPC health and reflection, pg, pino, Swagger UI's assets), and that it
// describes itself with the same OpenAPI document (class names kept).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gender } from '../../src/gen/zitadel/user_pb.js';
import { freePort, startTestApp, type TestApp } from '../support/app.js';
import { authGrpcWebClient, withToken } from '../support/connect.js';
import { createTestDatabase, describeWithServer, type TestDatabase } from '../support/database.js';
import { AuthGrpcClient, grpcError, grpcStatus, reflectionClient } from '../support/grpc.js';
import { http } from '../support/http.js';
import { startTestIssuer, type TestIssuer } from '../support/jwt-issuer.js';
import { ADA, ADA_MESSAGE, freshSubject, NOT_CHANGED } from '../support/profile.js';
import {
  buildService,
  type ServiceBuild,
  type ServiceProcess,
  startService,
} from '../support/service-process.js';

const PROFILE = '/auth/v1/users/me/profile';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describeWithServer('the built service: one bundled file (needs TEST_DATABASE_URL)', () => {
  let build: ServiceBuild;
  let issuer: TestIssuer;
  let database: TestDatabase;
  let service: ServiceProcess;
  let base: string;
  let grpcTarget: string;

  beforeAll(async () => {
    build = await buildService();
    issuer = await startTestIssuer({ audience: 'profile-service' });
    database = await createTestDatabase();
    const [port, grpcPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    grpcTarget = `127.0.0.1:${grpcPort}`;
    service = await startService(
      build.main,
      {
        NODE_ENV: 'production',
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        DATABASE_URL: (database.config as { url: string }).url,
        DATA_DIR: database.dataDir,
        AUTH_ISSUER: issuer.issuer,
        AUTH_JWKS_URI: issuer.jwksUri,
        AUTH_AUDIENCE: issuer.audience,
      },
      `${base}/readyz`,
    );
  }, 200_000);
  afterAll(async () => {
    service?.kill();
    await database?.drop();
    await issuer?.close();
    build?.remove();
  });

  it('is one file that requires only node builtins, packages and the template module', () => {
    const code = readFileSync(join(dirname(build.main), 'service.cjs'), 'utf8');
    // Strict mode for all of it, as for the ES modules most of it was: the directive comes first.
    expect(code.startsWith('"use strict";')).toBe(true);
    const required = new Set([...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
    expect([...required].filter((path) => path.startsWith('.')).sort()).toEqual([
      './database/pglite-template.js',
      './v8-flags.js',
    ]);
    // Nest is inside (but for its packages of features the service does not use, not installed);
    // the packages that must stay outside are required.
    const installed = (path: string): boolean =>
      existsSync(join(ROOT, 'node_modules', ...path.split('/').slice(0, 2), 'package.json'));
    expect([...required].filter((path) => path.startsWith('@nestjs/') && installed(path))).toEqual(
      [],
    );
    expect(code).toContain('"NestFactoryStatic"');
    expect(required).toEqual(new Set([...required, '@grpc/grpc-js', '@electric-sql/pglite']));
    // dist/main.js, which runs it, is not bundled: Node's modules and its two neighbours.
    const main = readFileSync(build.main, 'utf8');
    expect(
      [...main.matchAll(/\bfrom\s*'([^']+)'|\bimport\s*'([^']+)'/g)].map((m) => m[1] ?? m[2]),
    ).toEqual(['./v8-flags.js', 'node:fs', 'node:url', './code-cache.js']);
  });

  it('has written its V8 code cache, once up', async () => {
    const line = await logged(/"msg":"V8 code cache: ([^"]+)"/);
    expect(line).toMatch(/^written .*\/code-cache\/v\d+\.\d+\.\d+-[a-z0-9]+-[0-9a-f]{32}\.bin /);
  });

  /** The first capture of `pattern` in the service's output, waiting up to 5 s for it. */
  async function logged(pattern: RegExp): Promise<string | undefined> {
    for (let waited = 0; ; waited += 50) {
      const found = pattern.exec(service.output())?.[1];
      if (found !== undefined || waited >= 5000) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('serves REST, gRPC and gRPC-web on one database', async () => {
    const sub = freshSubject('bundle');
    const token = await issuer.mint(sub);
    const put = await http(base, 'PUT', PROFILE, { body: ADA, token });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ details: { sequence: '1', resourceOwner: 'default' } });

    const get = await http(base, 'GET', PROFILE, { token });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ profile: { firstName: ADA.firstName, gender: ADA.gender } });

    const grpc = new AuthGrpcClient(grpcTarget);
    try {
      const read = await grpc.getMyProfile(token);
      expect(read.profile?.displayName).toBe(ADA.displayName);
      // An error carries the Status in grpc-status-details-bin, as from the sources.
      const refused = await grpcError(grpc.updateMyProfile(ADA, token));
      expect(grpcStatus(refused).status).toEqual(NOT_CHANGED);
    } finally {
      grpc.close();
    }

    const web = authGrpcWebClient(base);
    try {
      const changes = await web.client.listMyUserChanges({}, withToken(token));
      expect(changes.result.map((c) => [c.sequence, c.eventType?.key, c.editorId])).toEqual([
        [1n, 'user.human.profile.added', sub],
      ]);
      const updated = await web.client.updateMyProfile(
        { ...ADA_MESSAGE, firstName: 'Augusta', gender: Gender.DIVERSE },
        withToken(token),
      );
      expect(updated.details?.sequence).toBe(2n);
    } finally {
      web.close();
    }

    // One JSON line per call, from pino (left in node_modules), with the transport of each; the
    // lines are written in blocks, at least every 100 ms.
    const transports = async (): Promise<Set<string | undefined>> => {
      for (let waited = 0; ; waited += 50) {
        const seen = new Set(
          service
            .output()
            .split('\n')
            .filter((line) => line.includes(sub))
            .map((line) => (JSON.parse(line) as { transport?: string }).transport),
        );
        if (seen.size >= 3 || waited >= 2000) return seen;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    expect(await transports()).toEqual(new Set(['rest', 'grpc', 'grpc-web']));
  });

  it('answers gRPC health and reflection', async () => {
    const reflection = reflectionClient(grpcTarget, 'v1');
    try {
      const listed = await reflection.ask({ listServices: '' });
      expect(listed.listServicesResponse?.service.map((s) => s.name)).toEqual(
        expect.arrayContaining(['zitadel.auth.v1.AuthService', 'grpc.health.v1.Health']),
      );
    } finally {
      reflection.close();
    }
    const health = new AuthGrpcClient(grpcTarget);
    try {
      const body = await health.raw('/grpc.health.v1.Health/Check', Buffer.alloc(0));
      expect([...body]).toEqual([0x08, 0x01]); // status: SERVING
    } finally {
      health.close();
    }
  });

  it('serves Swagger UI with its assets, and /metrics', async () => {
    const page = await http(base, 'GET', '/docs');
    expect(page.status).toBe(200);
    const bundle = await http(base, 'GET', '/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
    const metrics = await http(base, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^process_cpu_seconds_total /m);
    expect(metrics.text).toMatch(/transport="grpc-web"/);
  });

  describe('its OpenAPI document', () => {
    let fromSources: TestApp;
    beforeAll(async () => {
      fromSources = await startTestApp();
    }, 60_000);
    afterAll(async () => {
      await fromSources?.close();
    });

    it('is the one the sources describe', async () => {
      const bundled = await http(base, 'GET', '/openapi.json');
      const expected = await http(fromSources.baseUrl, 'GET', '/openapi.json');
      expect(bundled.status).toBe(200);
      expect(bundled.body).toEqual(expected.body);
      expect(Object.keys(bundled.body.components.schemas)).toContain(
        'zitadel.auth.v1.UpdateMyProfileRequest',
      );
    });
  });
});
