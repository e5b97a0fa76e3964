// SIGTERM on the built service as its own process (contract section 8): gRPC health turns
// NOT_SERVING at once, no new connection is accepted, the calls in flight on REST, gRPC and
// gRPC-web finish and are stored, the database is closed and the process exits 0 within
// SHUTDOWN_TIMEOUT_MS.
import { create } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-node';
import {
  credentials,
  makeGenericClientConstructor,
  type ClientReadableStream,
} from '@grpc/grpc-js';
import pg from 'pg';
import { AuthService } from '../../src/gen/zitadel/auth_pb.js';
import { Gender } from '../../src/gen/zitadel/user_pb.js';
import { file_grpc_health_v1_health } from '../../src/grpc/standard-services.js';
import { packageDefinitionOf } from '../../src/grpc/package-definition.js';
import { freePort } from '../support/app.js';
import { withToken } from '../support/connect.js';
import {
  createTestDatabase,
  describeWithServer,
  serverUrl,
  type TestDatabase,
} from '../support/database.js';
import { AuthGrpcClient } from '../support/grpc.js';
import { startTestIssuer, type TestIssuer } from '../support/jwt-issuer.js';
import { ADA, ADA_MESSAGE } from '../support/profile.js';
import {
  buildService,
  type ServiceBuild,
  type ServiceProcess,
  startService,
} from '../support/service-process.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const SHUTDOWN_TIMEOUT_MS = 8000;
const PROFILE = '/auth/v1/users/me/profile';

const healthService = file_grpc_health_v1_health.services[0]!;
const HealthClient = makeGenericClientConstructor(
  packageDefinitionOf([healthService])['grpc.health.v1.Health'] as never,
  'Health',
);

describeWithServer('graceful shutdown of the service process (needs TEST_DATABASE_URL)', () => {
  let build: ServiceBuild;
  let issuer: TestIssuer;
  let database: TestDatabase;
  let proxy: TcpProxy;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    build = await buildService();
    issuer = await startTestIssuer({ audience: 'profile-service' });
    database = await createTestDatabase();
    const server = new URL(serverUrl()!);
    proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
  }, 200_000);
  afterAll(async () => {
    service?.kill();
    await proxy?.close();
    await database?.drop();
    await issuer?.close();
    build?.remove();
  });

  it('drains the calls in flight on every transport, stores them, and exits 0 in time', async () => {
    const [port, grpcPort] = [await freePort(), await freePort()];
    const url = new URL((database.config as { url: string }).url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const base = `http://127.0.0.1:${port}`;
    service = await startService(
      build.main,
      {
        NODE_ENV: 'production',
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        DATABASE_URL: url.toString(),
        DATA_DIR: database.dataDir,
        AUTH_ISSUER: issuer.issuer,
        AUTH_JWKS_URI: issuer.jwksUri,
        AUTH_AUDIENCE: issuer.audience,
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      },
      `${base}/readyz`,
    );
    const subjects = ['rest', 'grpc', 'grpc-web'].map((t) => `drain-${t}-${Date.now()}`);
    const tokens = await Promise.all(subjects.map((sub) => issuer.mint(sub)));
    for (const token of tokens) {
      const res = await fetch(`${base}${PROFILE}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(ADA),
      });
      expect(res.status).toBe(200);
    }

    // gRPC health, watched from before the signal.
    const health = new HealthClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    const statuses: number[] = [];
    const watch = (
      health as unknown as Record<
        string,
        (req: unknown) => ClientReadableStream<{ status: number }>
      >
    ).Watch!.call(health, create(healthService.methods[1]!.input, { service: '' }));
    watch.on('data', (res) => statuses.push(res.status));
    watch.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statuses).toEqual([1]); // SERVING

    // Every database round trip now takes 300 ms each way: the calls are in flight for a while.
    proxy.latency(300);
    const grpc = new AuthGrpcClient(`127.0.0.1:${grpcPort}`);
    const web = createClient(
      AuthService,
      createGrpcWebTransport({ baseUrl: base, httpVersion: '1.1' }),
    );
    const calls = [
      fetch(`${base}${PROFILE}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tokens[0]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...ADA, nickName: 'drained' }),
      }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { details: { sequence: string } },
      })),
      grpc.updateMyProfile({ ...ADA, nickName: 'drained' }, tokens[1]),
      web.updateMyProfile(
        { ...ADA_MESSAGE, nickName: 'drained', gender: Gender.FEMALE },
        withToken(tokens[2]!),
      ),
    ] as const;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    service.child.kill('SIGTERM');

    // Health turns at once.
    for (let i = 0; i < 50 && !statuses.includes(2); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(statuses).toContain(2); // NOT_SERVING
    expect(Date.now() - signalled).toBeLessThan(1500);
    watch.cancel();
    health.close();
    // No new connection is accepted.
    await expect(fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();

    const [rest, viaGrpc, viaWeb] = await Promise.all([calls[0], calls[1], calls[2]] as const);
    expect(rest.status).toBe(200);
    expect(rest.body.details.sequence).toBe('2');
    expect(viaGrpc.details.sequence).toBe('2');
    expect(viaWeb.details?.sequence).toBe(2n);
    grpc.close();

    const exit = await service.exited(signalled);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    proxy.latency(0);

    // What was answered is stored.
    const client = new pg.Client({ connectionString: (database.config as { url: string }).url });
    await client.connect();
    try {
      const { rows } = await client.query<{ user_id: string; sequence: string; nick_name: string }>(
        'SELECT user_id, sequence::text AS sequence, nick_name FROM profiles WHERE user_id = ANY($1)',
        [subjects],
      );
      expect(rows).toHaveLength(3);
      for (const row of rows) expect([row.sequence, row.nick_name]).toEqual(['2', 'drained']);
    } finally {
      await client.end();
    }

    // The process wrote JSON lines only (what was still buffered at exit too), among them one
    // line for each drained call, on its transport.
    const lines = service
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const updates = lines.filter(
      (l) =>
        l.msg === 'call ended' &&
        (l.operation === `PUT ${PROFILE}` ||
          l.operation === 'zitadel.auth.v1.AuthService/UpdateMyProfile'),
    );
    expect(updates.map((l) => [l.transport, l.status, l.subject]).sort()).toEqual(
      [
        // The first update of each subject (REST), then the three drained ones.
        ...subjects.map((sub) => ['rest', 200, sub]),
        ['rest', 200, subjects[0]],
        ['grpc', 0, subjects[1]],
        ['grpc-web', 0, subjects[2]],
      ].sort(),
    );
    // The drain is reported (the last calls' lines may come just before or after it).
    expect(lines.filter((l) => l.context === 'Shutdown').map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/^drained in \d+ ms$/),
    );
  }, 60_000);
});
